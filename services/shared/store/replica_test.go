package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

// reads records a ReadObserver's calls.
type reads struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *reads) observe(servedBy, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[servedBy+"/"+reason]++
}

func (r *reads) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[key]
}

// A read URL that is no standby, or does not answer, sends every routed
// read to the primary, with the right answers. (A real standby is
// TestReplica in services/e2e.)
func TestReplicaFallsBackToThePrimary(t *testing.T) {
	for _, db := range storetest.Open(t) {
		if db.Name != "postgres" {
			if err := db.Store.UseReplica("postgres://u@127.0.0.1:1/x", time.Millisecond, nil); err == nil {
				t.Errorf("%s: UseReplica accepted a replica", db.Name)
			}
			continue
		}
		for _, tc := range []struct{ name, readURL, reason string }{
			{"not a standby", db.URL, store.ReasonNotStandby},
			{"down", "postgres://postgres@127.0.0.1:1/minitwit?sslmode=disable", store.ReasonReplicaDown},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s, err := store.Open(db.URL)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				var r reads
				if err := s.UseReplica(tc.readURL, time.Millisecond, r.observe); err != nil {
					t.Fatalf("UseReplica: %v", err)
				}
				name := "fallback " + tc.name
				u, err := s.CreateUser(ctx, domain.User{Username: name, Email: "f@x", PwHash: "h"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.PostMessage(ctx, u.ID, "hello "+name, time.Now()); err != nil {
					t.Fatal(err)
				}
				ms, err := s.UserTimeline(ctx, u.ID, domain.Page{Limit: 5})
				if err != nil || len(ms) != 1 || ms[0].Text != "hello "+name {
					t.Errorf("UserTimeline = %+v, %v; want the message", ms, err)
				}
				if f, err := s.Following(ctx, name, 5); err != nil || len(f) != 0 {
					t.Errorf("Following = %q, %v; want [] and no error", f, err)
				}
				if got := r.count("primary/" + tc.reason); got != 2 {
					t.Errorf("observed %v, want 2 reads primary/%s", r.n, tc.reason)
				}
			})
		}
	}
}
