package admin_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"minitwit/minitwit/admin"
	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

func TestRevokeSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		st := db.Store
		alice, err := st.CreateUser(ctx, domain.User{Username: "alice", Email: "a@x", PwHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		bob, _ := st.CreateUser(ctx, domain.User{Username: "bob", Email: "b@x", PwHash: "h"})
		now := time.Now()
		for hash, id := range map[string]int64{"a1": alice.ID, "a2": alice.ID, "b1": bob.ID} {
			if err := st.CreateSession(ctx, hash, id, now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		var out bytes.Buffer
		n, err := admin.RevokeSessions(ctx, st, "alice", &out)
		if err != nil || n != 2 {
			t.Fatalf("RevokeSessions = %d, %v; want 2", n, err)
		}
		if got, want := out.String(), "alice: 2 session(s) ended\n"; got != want {
			t.Errorf("output %q, want %q", got, want)
		}
		for _, h := range []string{"a1", "a2"} {
			if _, err := st.SessionUser(ctx, h, now); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("session %s survived: %v", h, err)
			}
		}
		if _, err := st.SessionUser(ctx, "b1", now); err != nil {
			t.Errorf("bob's session ended too: %v", err)
		}
		if _, err := admin.RevokeSessions(ctx, st, "nobody", &out); err == nil || !strings.Contains(err.Error(), `no user named "nobody"`) {
			t.Errorf("unknown user: %v", err)
		}
	})
}
