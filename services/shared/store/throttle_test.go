package store_test

import (
	"context"
	"sync"
	"testing"

	"minitwit/shared/storetest"
)

// Failures counted at once by many replicas lose no increment; a block
// is never shortened; a run of failures is forgotten after its window.
func TestSignInThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { _, errs[i] = db.Store.RecordSignInFailure(ctx, "user:alice", 1000, 3600) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, err := db.Store.RecordSignInFailure(ctx, "user:alice", 1001, 3600); err != nil || got != n+1 {
			t.Fatalf("failures = %d, %v; want %d", got, err, n+1)
		}
		if err := db.Store.BlockSignIns(ctx, "user:alice", 2000); err != nil {
			t.Fatal(err)
		}
		if err := db.Store.BlockSignIns(ctx, "user:alice", 1500); err != nil {
			t.Fatal(err)
		}
		until, failing, err := db.Store.SignInThrottle(ctx, []string{"client:1.2.3.4", "user:alice"})
		if err != nil || until != 2000 || len(failing) != 1 || failing[0] != "user:alice" {
			t.Fatalf("state = %d %v %v; want blocked until 2000, alice failing", until, failing, err)
		}
		// After an hour without failures the count starts again.
		if got, err := db.Store.RecordSignInFailure(ctx, "user:alice", 1001+3601, 3600); err != nil || got != 1 {
			t.Errorf("failures after the window = %d, %v; want 1", got, err)
		}
		if err := db.Store.ResetSignIns(ctx, "user:alice"); err != nil {
			t.Fatal(err)
		}
		if until, failing, err := db.Store.SignInThrottle(ctx, []string{"user:alice"}); err != nil || until != 0 || failing != nil {
			t.Errorf("after reset: %d %v %v", until, failing, err)
		}
		if _, err := db.Store.RecordSignInFailure(ctx, "client:old", 10, 3600); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Store.PurgeSignInThrottle(ctx, 100); err != nil || n != 1 {
			t.Errorf("purged %d, %v; want the old row", n, err)
		}
	})
}
