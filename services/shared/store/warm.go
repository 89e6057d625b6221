package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// WarmConns is how many PostgreSQL connections a service opens before it
// reports ready. A replica that starts under load (a rolling update, a
// drained node's tasks moving) would otherwise open its pool on its first
// requests, one ConnectTimeout-bounded attempt each, and an overloaded
// machine turns the slow ones into 503s.
const WarmConns = 8

// Warmer opens a store's first connections in the background and, as a
// readiness check, fails until it has: /startedz (and so Swarm's health
// check and the gateway's choice of upstreams) waits for a pool that can
// take requests. On SQLite it is ready at once.
type Warmer struct {
	done atomic.Bool
}

// errCold is the readiness answer while the pool is being opened.
var errCold = errors.New("opening the database connection pool")

// Warm starts opening n connections of s's pool (retrying failed attempts
// until ctx ends) and returns the readiness check that passes once they are
// open. The connections go back to the pool as idle ones.
func (s *Store) Warm(ctx context.Context, n int) *Warmer {
	w := &Warmer{}
	sqlDB, err := s.db.DB()
	if s.dialect != "postgres" || err != nil || n <= 0 {
		w.done.Store(true)
		return w
	}
	go func() {
		conns := make([]*sql.Conn, n)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conns[i] = openConn(ctx, sqlDB)
			}()
		}
		wg.Wait()
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
		if ctx.Err() == nil {
			w.done.Store(true)
		}
	}()
	return w
}

// openConn opens one new connection, retrying until ctx ends (nil then).
func openConn(ctx context.Context, sqlDB *sql.DB) *sql.Conn {
	for {
		c, err := sqlDB.Conn(ctx)
		if err == nil {
			if err = c.PingContext(ctx); err == nil {
				return c
			}
			_ = c.Close()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Ping fails until the pool has been opened.
func (w *Warmer) Ping(context.Context) error {
	if w.done.Load() {
		return nil
	}
	return errCold
}
