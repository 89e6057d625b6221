package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/password"
	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

func TestSeedRefusesSQLite(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "minitwit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = Seed(context.Background(), st, SeedOptions{Users: 10, Messages: 10, Follows: 20, Years: 1, Password: "x"})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("seed on SQLite: err = %v, want a clear PostgreSQL-only error", err)
	}
}

func TestSeedOptionsChecked(t *testing.T) {
	for name, o := range map[string]SeedOptions{
		"too few users":   {Users: 2, Follows: 10, Years: 1, Password: "x"},
		"too few follows": {Users: 100, Follows: 50, Years: 1, Password: "x"},
		"too dense":       {Users: 10, Follows: 1000, Years: 1, Password: "x"},
		"no years":        {Users: 100, Follows: 200, Years: 0, Password: "x"},
		"no password":     {Users: 100, Follows: 200, Years: 1},
	} {
		if err := o.check(); err == nil {
			t.Errorf("%s: %+v accepted", name, o)
		}
	}
}

// TestSeedPostgres seeds a small dataset that still has the full dataset's
// named shapes (a heavy follower of exactly 2,000) and checks the counts,
// the skew, the named users and sign-in.
func TestSeedPostgres(t *testing.T) {
	dbURL, ok := storetest.NewPostgresDatabase(t)
	if !ok {
		t.Skip("MINITWIT_TEST_PG_URL not set")
	}
	st, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := storetest.DB{Name: "postgres", Store: st, URL: dbURL}
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	const users, messages, follows = 2500, 30000, 40000
	opt := SeedOptions{Users: users, Messages: messages, Follows: follows, Years: 3, Password: "seed pw", Cost: 4, Now: now}
	var log bytes.Buffer
	opt.Progress = &log
	m, err := Seed(ctx, st, opt)
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, log.String())
	}
	for _, want := range []string{"users", "messages", "follows", "indexes", "rows/s", "done in", "seed OK"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, log.String())
		}
	}

	for table, want := range map[string]int64{"users": users, "messages": messages, "follows": follows} {
		if got := db.Count(t, table); got != want {
			t.Errorf("%s = %d, want %d", table, got, want)
		}
	}
	if m.Users != users || m.Messages != messages || m.Follows != follows || m.LatestMessageID != messages {
		t.Errorf("manifest sizes %+v", m)
	}
	if m.HeavyFollows != 2000 || m.PopularFollowers < 2000 {
		t.Errorf("heavy follower follows %d (want 2000), popular user has %d followers", m.HeavyFollows, m.PopularFollowers)
	}

	// The named users have the shapes the manifest promises.
	var n int64
	q := func(query string, args ...any) int64 {
		t.Helper()
		if err := db.QueryRow(t, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	if got := q("SELECT COUNT(*) FROM follows f JOIN users u ON u.id = f.who_id WHERE u.username = ?", m.HeavyFollower); got != 2000 {
		t.Errorf("%s follows %d, want exactly 2000", m.HeavyFollower, got)
	}
	most := q("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM follows GROUP BY whom_id) c")
	if got := q("SELECT COUNT(*) FROM follows f JOIN users u ON u.id = f.whom_id WHERE u.username = ?", m.PopularUser); got != most {
		t.Errorf("%s has %d followers, the most followed has %d", m.PopularUser, got, most)
	}
	mostMsgs := q("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM messages GROUP BY author_id) c")
	if got := q("SELECT COUNT(*) FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username = ?", m.HeavyAuthor); got != mostMsgs || got != m.HeavyAuthorMsgs {
		t.Errorf("%s wrote %d messages (manifest %d), the heaviest author %d", m.HeavyAuthor, got, m.HeavyAuthorMsgs, mostMsgs)
	}
	// Skew: the heaviest author writes many times the mean, and most
	// authors are light.
	if mean := int64(messages / users); mostMsgs < 20*mean {
		t.Errorf("heaviest author wrote %d messages, mean %d: authors are not skewed", mostMsgs, mean)
	}
	if got := q("SELECT COUNT(*) FROM (SELECT author_id FROM messages GROUP BY author_id HAVING COUNT(*) < ?) c", messages/users); got < users/2 {
		t.Errorf("%d authors below the mean, want most of them", got)
	}
	if got := q("SELECT COUNT(*) FROM follows WHERE who_id = whom_id"); got != 0 {
		t.Errorf("%d self-follows", got)
	}
	if got := q("SELECT COUNT(*) FROM messages WHERE flagged"); got < messages/200 || got > messages/50 {
		t.Errorf("%d flagged messages, want about 1%% of %d", got, messages)
	}
	lo, hi := now.AddDate(-3, 0, -1).Unix(), now.Unix()
	if got := q("SELECT COUNT(*) FROM messages WHERE pub_date < ? OR pub_date > ?", lo, hi); got != 0 {
		t.Errorf("%d messages outside the three years before %s", got, now)
	}
	if got := q("SELECT COUNT(*) FROM messages WHERE pub_date > ?", now.AddDate(0, -1, 0).Unix()); got < messages/60 {
		t.Errorf("only %d messages in the last month: not spread up to now", got)
	}
	if got := q("SELECT COUNT(DISTINCT a.id) FROM messages a JOIN messages b ON b.id = a.id + 1 WHERE b.pub_date < a.pub_date"); got != 0 {
		t.Errorf("%d messages older than their predecessor: ids do not follow time", got)
	}

	if len(m.SampleUsers) != 100 || slices.Contains(m.SampleUsers, m.HeavyFollower) ||
		slices.Contains(m.SampleUsers, m.PopularUser) || slices.Contains(m.SampleUsers, m.HeavyAuthor) {
		t.Errorf("sample users: %d, %v", len(m.SampleUsers), m.SampleUsers)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(m.SampleUsers)))) != len(m.SampleUsers) {
		t.Errorf("sample users repeat: %v", m.SampleUsers)
	}

	// Every user signs in with the manifest's password, through the store
	// and the service's password check.
	h := password.Hasher{Cost: 4}
	for _, name := range append([]string{m.HeavyFollower, m.PopularUser, m.HeavyAuthor}, m.SampleUsers[:3]...) {
		u, err := st.UserByName(ctx, name)
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		if ok, rehash := h.Verify(u.PwHash, m.Password); !ok || rehash {
			t.Errorf("%s: password check ok=%v rehash=%v, want true false", name, ok, rehash)
		}
		if ok, _ := h.Verify(u.PwHash, m.Password+"x"); ok {
			t.Errorf("%s: a wrong password signs in", name)
		}
		if !strings.Contains(u.Email, "@") {
			t.Errorf("%s: email %q", name, u.Email)
		}
	}

	// The sequences moved past the seeded ids: a sign-up and a post work.
	u, err := st.CreateUser(ctx, domain.User{Username: "newcomer", Email: "n@example.com", PwHash: "x"})
	if err != nil || u.ID != users+1 {
		t.Fatalf("create user after seed: id %d, %v", u.ID, err)
	}

	// The manifest round-trips as the shared interface's field names.
	var buf bytes.Buffer
	if err := WriteManifest(&buf, m); err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(buf.Bytes(), &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"users", "messages", "follows", "heavy_follower", "popular_user", "heavy_author", "sample_users", "password", "latest_message_id"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("manifest lacks %q: %s", k, buf.String())
		}
	}

	// A second seed refuses the now non-empty database; -force replaces it.
	if _, err := Seed(ctx, st, opt); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("second seed: err = %v, want a refusal naming -force", err)
	}
	opt.Force, opt.Users, opt.Messages, opt.Follows = true, 3000, 1000, 25000
	m2, err := Seed(ctx, st, opt)
	if err != nil {
		t.Fatalf("forced seed: %v", err)
	}
	got := []int64{db.Count(t, "users"), db.Count(t, "messages"), db.Count(t, "follows"), m2.HeavyFollows}
	if diff := cmp.Diff([]int64{3000, 1000, 25000, 2000}, got); diff != "" {
		t.Errorf("after -force (-want +got):\n%s", diff)
	}
}
