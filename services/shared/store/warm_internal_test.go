package store

import (
	"context"
	"testing"
	"time"
)

// While the database cannot be reached the check keeps failing.
func TestWarmNotReadyWithoutDatabase(t *testing.T) {
	// lazy: Open itself would refuse a server it cannot reach.
	st, err := open("postgres://nobody@127.0.0.1:1/none?sslmode=disable", true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := st.Warm(ctx, 2)
	time.Sleep(300 * time.Millisecond)
	if w.Ping(ctx) == nil {
		t.Error("ready although no connection could be opened")
	}
}
