package store_test

import (
	"context"
	"testing"
	"time"

	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

// A service is not ready until its pool has WarmConns open connections, and
// then is; on SQLite there is nothing to open.
func TestWarmOpensThePoolBeforeReady(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		st, err := store.Open(db.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		w := st.Warm(ctx, store.WarmConns)
		for w.Ping(ctx) != nil {
			if ctx.Err() != nil {
				t.Fatal("the pool was never reported open")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if db.Name != "postgres" {
			return
		}
		sqlDB, err := st.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		if got := sqlDB.Stats().OpenConnections; got < store.WarmConns {
			t.Errorf("ready with %d open connections, want at least %d", got, store.WarmConns)
		}
	})
}
