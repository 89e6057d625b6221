package admin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"minitwit/shared/password"
	"minitwit/shared/store"
)

// SeedOptions sizes a synthetic dataset for load tests and benchmarks.
type SeedOptions struct {
	Users    int64
	Messages int64
	Follows  int64
	Years    float64 // messages spread over this many years, ending now
	Password string  // every seeded user's password
	Cost     int     // bcrypt cost of the one hash; 0 is the service's default
	Force    bool    // empty a non-empty database first
	Progress io.Writer
	Now      time.Time // end of the message period; zero is time.Now()
}

// Manifest describes a seeded dataset for the load tool and the benchmark
// scripts: how big it is and which users have the interesting shapes.
type Manifest struct {
	Users           int64    `json:"users"`
	Messages        int64    `json:"messages"`
	Follows         int64    `json:"follows"`
	HeavyFollower   string   `json:"heavy_follower"` // follows HeavyFollows users
	PopularUser     string   `json:"popular_user"`   // the most followed user
	HeavyAuthor     string   `json:"heavy_author"`   // the user with the most messages
	SampleUsers     []string `json:"sample_users"`   // ordinary users, none of the three above
	Password        string   `json:"password"`
	LatestMessageID int64    `json:"latest_message_id"`
	// Not part of the shared interface, but handy when reading a report.
	HeavyFollows     int64 `json:"heavy_follows"`
	PopularFollowers int64 `json:"popular_followers"`
	HeavyAuthorMsgs  int64 `json:"heavy_author_messages"`
}

// The shapes the benchmarks rely on (issue 10). Smaller datasets get
// min(shape, users-1).
const (
	heavyFollows     = 2000
	popularFollowers = 20000
	sampleUsers      = 100
	flaggedShare     = 0.01
	// Power-law exponents: rank = floor(N * random()^k) puts a share
	// (x/N)^(1/k) of the draws on the top x ranks. 2.5 gives the top 1% of
	// authors about 16% of the messages and the lightest about 0.4 of the
	// mean; 3 gives the most followed user about 2% of all follows.
	authorSkew   = 2.5
	followeeSkew = 3.0
	seedChunk    = 250_000
)

// Seed fills an empty PostgreSQL database with a synthetic dataset using
// set-based SQL (INSERT ... SELECT generate_series), in one transaction, so
// an interrupted seed leaves nothing behind. The secondary indexes are
// dropped for the bulk load and rebuilt from their own definitions (so
// indexes added by later migrations are kept too), then the tables are
// vacuumed and analysed and the id sequences advanced.
//
// User i is named "user<i>" with email "user<i>@example.com"; all share one
// bcrypt hash of opt.Password, made once. Message i has pub_date spread
// evenly over the period, so ids follow time as they do in service.
// Authors and followees are drawn from power laws; the most followed user
// is user1 and the heaviest author a different user (the author ranks are
// permuted), the heavy follower user2.
func Seed(ctx context.Context, st *store.Store, opt SeedOptions) (Manifest, error) {
	if st.Dialect() != "postgres" {
		return Manifest{}, errors.New("seed needs PostgreSQL (DATABASE_URL=postgres://...); SQLite is not supported")
	}
	if err := opt.check(); err != nil {
		return Manifest{}, err
	}
	if opt.Progress == nil {
		opt.Progress = io.Discard
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if _, err := st.Migrate(ctx); err != nil {
		return Manifest{}, fmt.Errorf("migrate: %w", err)
	}
	db, err := st.SQLDB()
	if err != nil {
		return Manifest{}, err
	}
	hash, err := password.Hasher{Cost: opt.Cost}.Hash(opt.Password)
	if err != nil {
		return Manifest{}, err
	}

	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Manifest{}, err
	}
	defer func() { _ = tx.Rollback() }()
	s := seeder{ctx: ctx, tx: tx, opt: opt, out: opt.Progress}
	if err := s.prepare(); err != nil {
		return Manifest{}, err
	}
	indexes, err := s.dropIndexes("users", "messages", "follows")
	if err != nil {
		return Manifest{}, err
	}
	if err := s.users(hash); err != nil {
		return Manifest{}, err
	}
	if err := s.messages(); err != nil {
		return Manifest{}, err
	}
	if err := s.follows(); err != nil {
		return Manifest{}, err
	}
	if err := s.createIndexes(indexes); err != nil {
		return Manifest{}, err
	}
	if err := tx.Commit(); err != nil {
		return Manifest{}, fmt.Errorf("commit: %w", err)
	}

	t := time.Now()
	if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) users, messages, follows"); err != nil {
		return Manifest{}, fmt.Errorf("vacuum analyze: %w", err)
	}
	fmt.Fprintf(opt.Progress, "%-9s done in %s\n", "analyze", time.Since(t).Round(10*time.Millisecond))
	if _, err := st.AdvanceSequences(ctx); err != nil {
		return Manifest{}, err
	}
	m, err := manifest(ctx, db, opt)
	if err != nil {
		return Manifest{}, err
	}
	fmt.Fprintf(opt.Progress, "seed OK: %d users, %d messages, %d follows in %s\n",
		m.Users, m.Messages, m.Follows, time.Since(start).Round(10*time.Millisecond))
	return m, nil
}

func (o SeedOptions) check() error {
	switch {
	case o.Users < 3:
		return errors.New("seed needs at least 3 users")
	case o.Messages < 0 || o.Follows < 0:
		return errors.New("seed: -messages and -follows must not be negative")
	case o.Years <= 0:
		return errors.New("seed: -years must be positive")
	case o.Password == "":
		return errors.New("seed: the password must not be empty")
	}
	if hf, pf := min(heavyFollows, o.Users-1), min(popularFollowers, o.Users-2); o.Follows < hf+pf {
		return fmt.Errorf("seed: -follows %d is below the %d the heavy follower and the popular user need with %d users", o.Follows, hf+pf, o.Users)
	}
	// Draws from a power law repeat pairs; far below the possible pairs
	// they are found quickly.
	if max := o.Users * (o.Users - 1) / 4; o.Follows > max {
		return fmt.Errorf("seed: -follows %d is too dense for %d users (at most %d)", o.Follows, o.Users, max)
	}
	return nil
}

type seeder struct {
	ctx context.Context
	tx  *sql.Tx
	opt SeedOptions
	out io.Writer
}

func (s *seeder) exec(query string, args ...any) (int64, error) {
	res, err := s.tx.ExecContext(s.ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", firstWords(query), err)
	}
	return res.RowsAffected()
}

func firstWords(q string) string {
	f := strings.Fields(q)
	return strings.Join(f[:min(len(f), 4)], " ")
}

// prepare refuses a database that already holds data unless forced, and
// then empties it.
func (s *seeder) prepare() error {
	var n int64
	err := s.tx.QueryRowContext(s.ctx,
		"SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) u) + (SELECT COUNT(*) FROM (SELECT 1 FROM messages LIMIT 1) m) + (SELECT COUNT(*) FROM (SELECT 1 FROM follows LIMIT 1) f)").Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 && !s.opt.Force {
		return errors.New("the database already holds users, messages or follows; seed -force empties it first")
	}
	if n > 0 {
		fmt.Fprintln(s.out, "emptying users, messages, follows and simulator_latest (-force)")
	}
	_, err = s.exec("TRUNCATE users, messages, follows, simulator_latest RESTART IDENTITY")
	if err != nil {
		return err
	}
	_, err = s.exec("SET LOCAL maintenance_work_mem = '256MB'")
	return err
}

// dropIndexes drops every index of tables that backs no constraint and
// returns their definitions; a bulk load followed by one index build is
// several times faster than maintaining them row by row.
func (s *seeder) dropIndexes(tables ...string) ([]string, error) {
	rows, err := s.tx.QueryContext(s.ctx, `
		SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		ORDER BY 1`, "{"+strings.Join(tables, ",")+"}")
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		// The name comes from the catalog, already quoted by regclass.
		if _, err := s.exec("DROP INDEX " + name); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

func (s *seeder) createIndexes(defs []string) error {
	all := time.Now()
	for i, def := range defs {
		t := time.Now()
		if _, err := s.exec(def); err != nil {
			return err
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(def, "CREATE UNIQUE INDEX "), "CREATE INDEX "), " ")
		fmt.Fprintf(s.out, "%-9s %d/%d %s built in %s\n", "indexes", i+1, len(defs), name, time.Since(t).Round(10*time.Millisecond))
	}
	fmt.Fprintf(s.out, "%-9s done in %s\n", "indexes", time.Since(all).Round(10*time.Millisecond))
	return nil
}

func (s *seeder) users(hash string) error {
	p := newProgress(s.out, "users", s.opt.Users, 0)
	for lo := int64(1); lo <= s.opt.Users; lo += seedChunk {
		hi := min(lo+seedChunk-1, s.opt.Users)
		// name_key is domain.NameKey of the ASCII lower-case name: the name.
		n, err := s.exec(`INSERT INTO users (id, username, email, pw_hash, name_key)
			SELECT i, 'user' || i, 'user' || i || '@example.com', $3, 'user' || i
			FROM generate_series($1::bigint, $2::bigint) AS i`, lo, hi, hash)
		if err != nil {
			return err
		}
		p.add(n)
	}
	p.finish()
	return nil
}

// messages draws each author by power-law rank and maps rank r to user
// ((r*step + N/2) mod N) + 1, a permutation (step is a prime not dividing
// N), so the heaviest author is not the most followed user.
func (s *seeder) messages() error {
	n, m := s.opt.Users, s.opt.Messages
	step := coprimeStep(n)
	end := s.opt.Now.Unix()
	span := int64(s.opt.Years * 365.25 * 86400)
	p := newProgress(s.out, "messages", m, 0)
	for lo := int64(1); lo <= m; lo += seedChunk {
		hi := min(lo+seedChunk-1, m)
		k, err := s.exec(`INSERT INTO messages (id, author_id, text, pub_date, flagged)
			SELECT i,
			       ((floor($3::float8 * power(random(), $4::float8))::bigint * $5::bigint + $3::bigint / 2) % $3::bigint) + 1,
			       'Message ' || i || ': ' || left(repeat(md5(i::text) || ' ', 5), 10 + (random() * 120)::int),
			       $6::bigint - $7::bigint + ((i - 1) * $7::bigint) / greatest($8::bigint, 1),
			       random() < $9::float8
			FROM generate_series($1::bigint, $2::bigint) AS i`,
			lo, hi, n, authorSkew, step, end, span, m, flaggedShare)
		if err != nil {
			return err
		}
		p.add(k)
	}
	p.finish()
	return nil
}

// coprimeStep returns a prime near 0.618*n that does not divide n, so
// r -> r*step mod n permutes 0..n-1 and spreads neighbouring ranks apart.
func coprimeStep(n int64) int64 {
	for c := max(n*618/1000, 2); ; c++ {
		if big.NewInt(c).ProbablyPrime(20) && n%c != 0 {
			return c
		}
	}
}

// follows writes the heavy follower's followees (a random sample of
// users), the popular user's followers (a random sample), then power-law
// followees of uniformly chosen followers (any user but the heavy
// follower, whose count stays exact) until the total is reached, skipping
// pairs already present and self-follows.
func (s *seeder) follows() error {
	n, total := s.opt.Users, s.opt.Follows
	const popular, heavy = 1, 2
	p := newProgress(s.out, "follows", total, 0)
	k, err := s.exec(`INSERT INTO follows (who_id, whom_id)
		SELECT $1::bigint, id FROM users WHERE id <> $1 ORDER BY random() LIMIT $2`,
		heavy, min(heavyFollows, n-1))
	if err != nil {
		return err
	}
	p.add(k)
	k, err = s.exec(`INSERT INTO follows (who_id, whom_id)
		SELECT id, $1::bigint FROM users WHERE id NOT IN ($1, $2) ORDER BY random() LIMIT $3`,
		popular, heavy, min(popularFollowers, n-2))
	if err != nil {
		return err
	}
	p.add(k)
	done := p.done
	for round := 0; done < total; round++ {
		if round == 100 {
			return fmt.Errorf("follows: only %d of %d distinct pairs found; ask for fewer", done, total)
		}
		want := min(total-done, seedChunk)
		// Draw a quarter more than needed: some pairs repeat or are
		// self-follows; the LIMIT keeps the total exact.
		k, err := s.exec(`INSERT INTO follows (who_id, whom_id)
			SELECT who, whom FROM (
				SELECT DISTINCT who, whom FROM (
					SELECT CASE WHEN r >= 2 THEN r + 1 ELSE r END AS who, whom FROM (
						SELECT 1 + floor(random() * ($1::bigint - 1))::bigint AS r,
						       1 + floor($1::float8 * power(random(), $2::float8))::bigint AS whom
						FROM generate_series(1, $3::bigint)
					) g
				) d WHERE who <> whom
			) c
			WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.who_id = c.who AND f.whom_id = c.whom)
			LIMIT $4
			ON CONFLICT DO NOTHING`,
			n, followeeSkew, want+want/4+16, want)
		if err != nil {
			return err
		}
		done += k
		p.add(k)
	}
	p.finish()
	return nil
}

func manifest(ctx context.Context, db *sql.DB, opt SeedOptions) (Manifest, error) {
	m := Manifest{Password: opt.Password, PopularUser: "user1", HeavyFollower: "user2"}
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM follows),
		(SELECT COALESCE(MAX(id), 0) FROM messages),
		(SELECT COUNT(*) FROM follows WHERE who_id = 2),
		(SELECT COUNT(*) FROM follows WHERE whom_id = 1)`).
		Scan(&m.Users, &m.Messages, &m.Follows, &m.LatestMessageID, &m.HeavyFollows, &m.PopularFollowers)
	if err != nil {
		return m, err
	}
	var heavyID int64
	err = db.QueryRowContext(ctx, `SELECT u.id, u.username, c.n FROM
		(SELECT author_id, COUNT(*) AS n FROM messages GROUP BY author_id ORDER BY n DESC, author_id LIMIT 1) c
		JOIN users u ON u.id = c.author_id`).Scan(&heavyID, &m.HeavyAuthor, &m.HeavyAuthorMsgs)
	if errors.Is(err, sql.ErrNoRows) {
		heavyID, m.HeavyAuthor = 3, "user3" // no messages: any other user
	} else if err != nil {
		return m, err
	}
	rows, err := db.QueryContext(ctx, `SELECT username FROM users WHERE id NOT IN (1, 2, $1)
		ORDER BY random() LIMIT $2`, heavyID, sampleUsers)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	m.SampleUsers = []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return m, err
		}
		m.SampleUsers = append(m.SampleUsers, u)
	}
	return m, rows.Err()
}

// WriteManifest writes m as indented JSON.
func WriteManifest(w io.Writer, m Manifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
