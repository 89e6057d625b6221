package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A read must never get a position fetched before it arrived: that fetch
// may predate a write acknowledged just before the read.
func TestLSNSourceNeverServesAnEarlierFetch(t *testing.T) {
	var started, fetches atomic.Int64
	l := &lsnSource{fetch: func(context.Context) (int64, error) {
		n := started.Add(1)
		fetches.Add(1)
		time.Sleep(200 * time.Microsecond) // let reads pile up behind a fetch on its way
		return n, nil
	}}
	const readers, rounds = 32, 50
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				arrived := started.Load()
				got, err := l.get(context.Background())
				if err != nil || got <= arrived {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d reads got a position fetched before they arrived (or an error)", bad.Load())
	}
	t.Logf("%d reads shared %d position fetches", readers*rounds, fetches.Load())
}

func TestLSNSourceErrorsAndCancel(t *testing.T) {
	boom := errors.New("boom")
	release := make(chan struct{})
	l := &lsnSource{fetch: func(context.Context) (int64, error) {
		<-release
		return 0, boom
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("get with a cancelled context: %v, want context.Canceled", err)
	}
	close(release)
	if _, err := l.get(context.Background()); !errors.Is(err, boom) {
		t.Errorf("get: %v, want the fetch's error", err)
	}
}
