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
