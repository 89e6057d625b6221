package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// Reads from a streaming replica, with read-your-writes across every
// service replica and every user.
//
// The rule: a read may use the replica only once the replica has replayed
// every write that was acknowledged before the read began. Before a routed
// read the store asks the primary for pg_current_wal_flush_lsn() and the
// replica for pg_last_wal_replay_lsn(); the replica serves the read only if
// its replay position has reached the primary's flush position, waiting a
// bounded few milliseconds for it, and otherwise the primary does.
//
// Why that is enough: every write is acknowledged only after its
// transaction committed with synchronous_commit on (the project never turns
// it off for user data), so its commit record is flushed: its end is at or
// before the primary's flush position from then on. The flush position is
// read after the read request arrived, so after any acknowledgement that
// came before it, on any service replica, for any user. A standby makes a
// commit visible to new snapshots when it replays the commit record, before
// it advances its replay position past it; the read's snapshot is taken
// after the check, on the same connection (so on the same server even when
// the read URL names several), and replay positions only grow. So the read
// sees every acknowledged write. The flush position rather than the write
// or insert position: it is the tightest bound that is still correct, and
// the one the walsender streams up to, so a replica can always reach it.
//
// Cost: a routed read adds one cheap query on the primary and, unless the
// connection already saw the replica at or past the target
// (replayedByConn), one on the replica. The primary's query is shared:
// concurrent reads wait for one position fetch that was sent after they
// arrived (lsnSource), so under load the primary answers about one such
// query per round trip, not one per read. A cheaper scheme that remembered
// the primary's position for a while would serve stale reads after writes
// made through another service replica.
//
// Where the replica is behind for longer than the wait, unreachable, not a
// standby, or fails the read (a recovery conflict cancels it), the read goes
// to the primary: correct, and counted by ReadObserver.

// Read routing outcomes given to a ReadObserver: where the read was served
// and why.
const (
	ServedByReplica = "replica"
	ServedByPrimary = "primary"

	ReasonCaughtUp    = "caught_up"     // the replica had replayed the primary's flush position
	ReasonLagging     = "lagging"       // it had not within the wait
	ReasonReplicaDown = "replica_error" // the replica failed the check or the read
	ReasonNotStandby  = "not_standby"   // the read URL is not a server in recovery
	ReasonPrimaryLSN  = "primary_lsn_error"
)

// ReadObserver is told where each routed read was served and why (metrics).
type ReadObserver func(servedBy, reason string)

// replicaPoll is how often a read that waits for the replica rechecks it.
const replicaPoll = 500 * time.Microsecond

// lsnFetchTimeout bounds one position query on the primary; it is not the
// reader's context because the answer is shared by many reads.
const lsnFetchTimeout = 2 * time.Second

type replica struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	maxWait time.Duration
	observe ReadObserver
	lsn     *lsnSource
	// replayed spares the replica's check while the primary has flushed
	// nothing new since a connection last saw the replica past it.
	replayed replayedByConn
}

// UseReplica routes the timeline and list reads of s to the PostgreSQL
// streaming replica at readURL while it has caught up (see above), waiting
// at most maxWait for it per read. observe may be nil. Call it once, before
// serving.
func (s *Store) UseReplica(readURL string, maxWait time.Duration, observe ReadObserver) error {
	if s.dialect != "postgres" {
		return fmt.Errorf("a read replica needs PostgreSQL, the database is %s", s.dialect)
	}
	// Not checked now: a replica that is down at start only sends reads to
	// the primary until it answers (counted as replica_error).
	rs, err := open(readURL, true)
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	if rs.dialect != "postgres" {
		_ = rs.Close()
		return fmt.Errorf("the read URL must be a postgres:// URL")
	}
	sqlDB, err := rs.db.DB()
	if err != nil {
		return err
	}
	if observe == nil {
		observe = func(string, string) {}
	}
	primary := s.db
	s.replica = &replica{
		db: rs.db, sqlDB: sqlDB, maxWait: maxWait, observe: observe,
		lsn: &lsnSource{fetch: func(ctx context.Context) (int64, error) {
			var lsn int64
			err := primary.WithContext(ctx).Raw("SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint").Scan(&lsn).Error
			return lsn, translate(err)
		}},
	}
	return nil
}

// ReplicaSQLDB is the replica's connection pool (for pool metrics), nil
// without a replica.
func (s *Store) ReplicaSQLDB() *sql.DB {
	if s.replica == nil {
		return nil
	}
	return s.replica.sqlDB
}

// read runs fn, a read-only query, on the replica when it has replayed
// every acknowledged write, else on the primary. fn may run twice (on the
// primary after the replica failed it), so it must set its results afresh.
func (s *Store) read(ctx context.Context, fn func(db *gorm.DB) error) error {
	r := s.replica
	if r == nil {
		return fn(s.db.WithContext(ctx))
	}
	served, reason, err := r.try(ctx, fn)
	if served {
		r.observe(ServedByReplica, reason)
		return err
	}
	if ctx.Err() != nil {
		return translate(ctx.Err())
	}
	r.observe(ServedByPrimary, reason)
	return fn(s.db.WithContext(ctx))
}

// try runs fn on the replica if it catches up with the primary's flush
// position within maxWait. served tells whether fn's answer stands; if not,
// reason says why.
func (r *replica) try(ctx context.Context, fn func(db *gorm.DB) error) (served bool, reason string, err error) {
	target, err := r.lsn.get(ctx)
	if err != nil {
		return false, ReasonPrimaryLSN, nil
	}
	conn, err := r.sqlDB.Conn(ctx)
	if err != nil {
		return false, ReasonReplicaDown, nil
	}
	defer conn.Close()
	// One connection for the check and the read: the read URL may name
	// several servers, and only the checked one is known to be current.
	db := pinned(ctx, r.db, conn)
	key := connKey(conn)
	deadline := time.Now().Add(r.maxWait)
	for key == nil || r.replayed.get(key) < target {
		var replay sql.NullInt64
		if err := db.Raw("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint").Scan(&replay).Error; err != nil {
			return false, ReasonReplicaDown, nil
		}
		if !replay.Valid {
			return false, ReasonNotStandby, nil
		}
		if key != nil {
			r.replayed.note(key, replay.Int64)
		}
		if replay.Int64 >= target {
			break
		}
		if !time.Now().Add(replicaPoll).Before(deadline) {
			return false, ReasonLagging, nil
		}
		select {
		case <-time.After(replicaPoll):
		case <-ctx.Done():
			return false, ReasonLagging, nil
		}
	}
	// Not found is the replica's answer; any other error is its failure
	// (a recovery conflict, a lost connection), which the primary retries.
	err = fn(db)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return false, ReasonReplicaDown, nil
	}
	return true, ReasonCaughtUp, err
}

// replayedByConn remembers the highest replay position each connection to
// the replica has seen. A connection talks to one server for its life, and
// a server's replay position only grows, so a read whose target is at or
// below what its connection saw needs no check: that server has replayed at
// least so much. (With reads and no writes, the target stays put and a
// routed read costs one query on the primary, shared, and the read itself.)
type replayedByConn struct {
	mu sync.Mutex
	m  map[any]int64
}

// maxRememberedConns bounds replayedByConn: closed connections are never
// told apart from open ones, so past this many the memory starts afresh
// (a check per connection is all that costs).
const maxRememberedConns = 1024

func (r *replayedByConn) get(key any) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if lsn, ok := r.m[key]; ok {
		return lsn
	}
	return -1
}

func (r *replayedByConn) note(key any, lsn int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.m) >= maxRememberedConns {
		r.m = make(map[any]int64)
	}
	if lsn > r.m[key] {
		r.m[key] = lsn
	}
}

// connKey identifies conn's driver connection (the same for as long as the
// connection lives), nil if it cannot tell.
func connKey(conn *sql.Conn) any {
	var key any
	if err := conn.Raw(func(dc any) error { key = dc; return nil }); err != nil {
		return nil
	}
	return key
}

// pinned is db running every statement, chained ones included, on conn.
func pinned(ctx context.Context, db *gorm.DB, conn *sql.Conn) *gorm.DB {
	tx := db.Session(&gorm.Session{NewDB: true, Context: ctx})
	tx.Statement.ConnPool = conn
	return tx
}

// lsnSource shares the primary's flush position between concurrent reads
// without ever giving a read a position fetched before it arrived: a read
// joins the fetch that starts next, never one already on its way, so the
// position it gets was read after any write acknowledged before it came.
type lsnSource struct {
	fetch func(context.Context) (int64, error)

	mu      sync.Mutex
	running *lsnFetch // sent, not answered
	next    *lsnFetch // gathering reads; sent when running is answered
}

type lsnFetch struct {
	done chan struct{}
	lsn  int64
	err  error
}

func (l *lsnSource) get(ctx context.Context) (int64, error) {
	l.mu.Lock()
	var f *lsnFetch
	if l.running == nil {
		f = &lsnFetch{done: make(chan struct{})}
		l.running = f
		go l.run(f)
	} else {
		if l.next == nil {
			l.next = &lsnFetch{done: make(chan struct{})}
		}
		f = l.next
	}
	l.mu.Unlock()
	select {
	case <-f.done:
		return f.lsn, f.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run sends f and then every fetch that gathered reads meanwhile, one at a
// time, until none is waiting.
func (l *lsnSource) run(f *lsnFetch) {
	for f != nil {
		ctx, cancel := context.WithTimeout(context.Background(), lsnFetchTimeout)
		f.lsn, f.err = l.fetch(ctx)
		cancel()
		close(f.done)
		l.mu.Lock()
		f, l.next = l.next, nil
		l.running = f
		l.mu.Unlock()
	}
}
