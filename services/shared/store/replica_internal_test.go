package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
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

// The replica's check and the read after it must share one connection, so
// one server: every statement of a pinned handle runs on its connection.
func TestPinnedRunsOnItsConnection(t *testing.T) {
	url := os.Getenv("MINITWIT_TEST_PG_URL")
	if url == "" {
		if os.Getenv("MINITWIT_REQUIRE_PG") == "1" {
			t.Fatal("MINITWIT_TEST_PG_URL not set and MINITWIT_REQUIRE_PG=1")
		}
		t.Skip("MINITWIT_TEST_PG_URL not set: needs PostgreSQL's pg_backend_pid()")
	}
	s, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	sqlDB, _ := s.db.DB()
	// Other connections open and idle, so the pool could hand out another.
	var others []*sql.Conn
	for range 3 {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, c)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range others {
		c.Close()
	}
	var want int64
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&want); err != nil {
		t.Fatal(err)
	}
	db := pinned(ctx, s.db, conn)
	for i := range 5 {
		var raw, chained int64
		if err := db.Raw("SELECT pg_backend_pid()").Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Table("(SELECT 1) AS x").Select("pg_backend_pid()").Scan(&chained).Error; err != nil {
			t.Fatal(err)
		}
		if raw != want || chained != want {
			t.Fatalf("statement %d ran on backends %d and %d, want the pinned %d", i, raw, chained, want)
		}
	}
}

// connKey names a pooled connection the same each time it is handed out
// and tells two open connections apart; replayedByConn keeps the highest
// position per key.
func TestConnKeyAndReplayedMemory(t *testing.T) {
	s, err := Open(t.TempDir() + "/k.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	sqlDB, _ := s.db.DB()
	sqlDB.SetMaxOpenConns(2)
	sqlDB.SetMaxIdleConns(2)
	c1, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := connKey(c1), connKey(c2)
	if k1 == nil || k2 == nil || k1 == k2 {
		t.Fatalf("keys %p and %p: want two different ones", k1, k2)
	}
	c1.Close()
	c2.Close()
	sqlDB.SetMaxIdleConns(1) // one of them is closed; the other comes back
	again, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k := connKey(again); k != k1 && k != k2 {
		t.Errorf("a pooled connection came back with a new key")
	}
	again.Close()

	var r replayedByConn
	if got := r.get(k1); got != -1 {
		t.Errorf("unseen connection: %d, want -1", got)
	}
	r.note(k1, 50)
	r.note(k1, 40) // an older answer never lowers it
	r.note(k2, 7)
	if r.get(k1) != 50 || r.get(k2) != 7 {
		t.Errorf("remembered %d and %d, want 50 and 7", r.get(k1), r.get(k2))
	}
	for i := range maxRememberedConns + 1 {
		r.note(i, 1)
	}
	if len(r.m) > maxRememberedConns {
		t.Errorf("remembers %d connections, want at most %d", len(r.m), maxRememberedConns)
	}
}
