package admin

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"

	"golang.org/x/crypto/scrypt"
)

// legacySchema is the classic MiniTwit schema.sql, so generated files look
// like the real ones: no unique usernames, no key on follower.
const legacySchema = `
create table user (
  user_id integer primary key autoincrement,
  username string not null,
  email string not null,
  pw_hash string not null
);
create table follower (
  who_id integer,
  whom_id integer
);
create table message (
  message_id integer primary key autoincrement,
  author_id integer not null,
  text string not null,
  pub_date integer,
  flagged integer
);`

// GenOptions size a generated legacy database.
type GenOptions struct {
	Users    int
	Messages int
	Follows  int // follow rows, repeats included; Users*5 when 0
	Seed     uint64
	// RealCost gives the first two users hashes at Werkzeug 3's default
	// cost (pbkdf2 600000 rounds, scrypt 2^15): slow to make, as in production.
	RealCost bool
}

// LegacyPassword is the password of generated user id, so drills can sign in.
func LegacyPassword(id int64) string { return fmt.Sprintf(`pw"%d\[ü]`, id) }

// LegacyUsername is the name of generated user id: spaces and Unicode, as
// the simulator sends them.
func LegacyUsername(id int64) string {
	first := []string{"Roger", "Jürgen", "Zoë", "Ann-Marie", "李", "O'Brien"}
	return fmt.Sprintf("%s %05d", first[id%int64(len(first))], id)
}

// GenerateLegacy writes a legacy MiniTwit database at path (which must not
// exist) with users whose passwords carry Werkzeug pbkdf2 and scrypt hashes.
func GenerateLegacy(ctx context.Context, path string, o GenOptions) error {
	if o.Users < 2 {
		return errors.New("need at least 2 users")
	}
	if o.Follows == 0 {
		o.Follows = o.Users * 5
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s exists; the generator writes new files only", path)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=journal_mode(DELETE)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, legacySchema); err != nil {
		return fmt.Errorf("create legacy schema: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6d696e6974776974))
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()

	for id := int64(1); id <= int64(o.Users); id++ {
		hash := werkzeugHash(id, rng, o.RealCost && id <= 2)
		name := LegacyUsername(id)
		if _, err := tx.ExecContext(ctx, `INSERT INTO user (user_id, username, email, pw_hash) VALUES (?, ?, ?, ?)`,
			id, name, fmt.Sprintf("user%d@example.org", id), hash); err != nil {
			return err
		}
	}
	for range o.Follows {
		who, whom := 1+rng.Int64N(int64(o.Users)), 1+rng.Int64N(int64(o.Users))
		if who == whom {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO follower (who_id, whom_id) VALUES (?, ?)`, who, whom); err != nil {
			return err
		}
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO message (author_id, text, pub_date, flagged) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	at := int64(1_230_000_000)
	for i := range o.Messages {
		at += rng.Int64N(3) // several messages share a second, as in production
		flagged := 0
		if rng.IntN(100) == 0 {
			flagged = 1
		}
		if _, err := stmt.ExecContext(ctx, 1+rng.Int64N(int64(o.Users)), legacyText(rng, i), at, flagged); err != nil {
			return err
		}
	}
	return tx.Commit()
}

var textParts = []string{
	"Hello", "world", `"quoted"`, "“typographic”", "it’s", "—", "über", "naïve", "😀",
	`back\slash`, "<b>not html</b>", "&amp;", "'single'", "tab\there", "日本語", "Lorem", "ipsum",
}

func legacyText(rng *rand.Rand, i int) string {
	n := 3 + rng.IntN(12)
	b := []byte(fmt.Sprintf("#%d", i))
	for range n {
		b = append(b, ' ')
		b = append(b, textParts[rng.IntN(len(textParts))]...)
	}
	return string(b)
}

// werkzeugHash writes LegacyPassword(id) in one of Werkzeug's formats: even
// ids pbkdf2:sha256, odd ids scrypt. Cheap parameters keep generation fast
// unless real is set.
func werkzeugHash(id int64, rng *rand.Rand, real bool) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	salt := make([]byte, 16)
	for i := range salt {
		salt[i] = alphabet[rng.IntN(len(alphabet))]
	}
	pw := LegacyPassword(id)
	if id%2 == 0 {
		iter := 1000
		if real {
			iter = 600_000
		}
		key, err := pbkdf2.Key(sha256.New, pw, salt, iter, sha256.Size)
		if err != nil {
			panic(err) // only for lengths out of range, which these are not
		}
		return fmt.Sprintf("pbkdf2:sha256:%d$%s$%s", iter, salt, hex.EncodeToString(key))
	}
	n := 1 << 10
	if real {
		n = 1 << 15
	}
	key, err := scrypt.Key([]byte(pw), salt, n, 8, 1, 64)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("scrypt:%d:8:1$%s$%s", n, salt, hex.EncodeToString(key))
}
