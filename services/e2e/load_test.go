package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadManifest is the part of the seeder's manifest this suite checks.
type loadManifest struct {
	Users         int64    `json:"users"`
	Messages      int64    `json:"messages"`
	Follows       int64    `json:"follows"`
	HeavyFollower string   `json:"heavy_follower"`
	PopularUser   string   `json:"popular_user"`
	HeavyAuthor   string   `json:"heavy_author"`
	SampleUsers   []string `json:"sample_users"`
	Password      string   `json:"password"`
}

// loadReport is the part of the load tool's -json report this suite checks.
type loadReport struct {
	Endpoints []loadEndpoint `json:"endpoints"`
	Total     loadEndpoint   `json:"total"`
}

type loadEndpoint struct {
	Name         string           `json:"name"`
	Requests     int64            `json:"requests"`
	OK           int64            `json:"ok"`
	Errors       int64            `json:"errors"`
	ErrorsByKind map[string]int64 `json:"errors_by_kind"`
}

// TestLoad is the smoke run of issue 10's tools: minitwit-admin seed writes
// a small dataset into a throwaway PostgreSQL, the one-process binary
// serves it, and the load tool sends a mix of every endpoint for about
// 5 seconds with zero errors.
func TestLoad(t *testing.T) {
	pg := StartPostgres(t, PostgresOpts{})
	dbURL := pg.CreateDB(t, "load")
	manifestPath := filepath.Join(t.TempDir(), "manifest.json")
	const users, messages, follows = 2500, 20000, 25000

	t.Run("Seed", func(t *testing.T) {
		RunCmd(t, []string{"DATABASE_URL=" + dbURL, "BCRYPT_COST=4", "LOG_LEVEL=warn"}, bin("minitwit-admin"), "seed",
			"-users", strconv.Itoa(users), "-messages", strconv.Itoa(messages), "-follows", strconv.Itoa(follows),
			"-manifest", manifestPath)
		m := readLoadJSON[loadManifest](t, manifestPath)
		got := []string{
			pg.SQL(t, "load", "SELECT COUNT(*) FROM users"),
			pg.SQL(t, "load", "SELECT COUNT(*) FROM messages"),
			pg.SQL(t, "load", "SELECT COUNT(*) FROM follows"),
			pg.SQL(t, "load", "SELECT COUNT(*) FROM follows f JOIN users u ON u.id = f.who_id WHERE u.username = '"+m.HeavyFollower+"'"),
			pg.SQL(t, "load", "SELECT COUNT(*) FROM follows WHERE who_id = whom_id"),
			strconv.Itoa(len(m.SampleUsers)),
		}
		want := []string{strconv.Itoa(users), strconv.Itoa(messages), strconv.Itoa(follows), "2000", "0", "100"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("users, messages, follows, the heavy follower's follows, self-follows, sample users (-want +got):\n%s", diff)
		}
		if m.Users != users || m.Messages != messages || m.Follows != follows || m.PopularUser == "" || m.HeavyAuthor == "" || m.Password == "" {
			t.Errorf("manifest: %+v", m)
		}
		// A second seed refuses the non-empty database.
		out, err := TryCmd([]string{"DATABASE_URL=" + dbURL, "LOG_LEVEL=warn"}, bin("minitwit-admin"), "seed", "-users", "10", "-messages", "10", "-follows", "20")
		if err == nil {
			t.Errorf("seed of a non-empty database succeeded:\n%s", out)
		}
	})

	t.Run("Mix", func(t *testing.T) {
		if _, err := os.Stat(manifestPath); err != nil {
			t.Fatal("no manifest: the Seed check failed")
		}
		s := StartService(t, "minitwit", ServiceOpts{DatabaseURL: dbURL})
		out := filepath.Join(t.TempDir(), "load.json")
		all := "public=1,user=1,home=1,api_msgs=1,api_user_msgs=1,api_fllws=1,tweet=1,follow=1,unfollow=1"
		// The load tool exits non-zero on any failed request.
		text := RunCmd(t, nil, bin("load"), "-url", s.URL, "-manifest", manifestPath, "-mix", all,
			"-c", "8", "-d", "5s", "-n", "200000", "-json", out)
		t.Log(text)
		rep := readLoadJSON[loadReport](t, out)
		var names []string
		for _, e := range rep.Endpoints {
			names = append(names, e.Name)
			if e.OK == 0 || e.Errors != 0 {
				t.Errorf("%s: %d OK, %d errors %v", e.Name, e.OK, e.Errors, e.ErrorsByKind)
			}
		}
		want := []string{"public", "user", "home", "api_msgs", "api_user_msgs", "api_fllws", "tweet", "follow", "unfollow"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("endpoints exercised (-want +got):\n%s", diff)
		}
		if rep.Total.Errors != 0 || rep.Total.Requests == 0 {
			t.Errorf("total: %d requests, %d errors", rep.Total.Requests, rep.Total.Errors)
		}
		// The writes landed: the tweets are in the database.
		tweets := pg.SQL(t, "load", "SELECT COUNT(*) FROM messages WHERE text LIKE 'load test message %'")
		i := slices.IndexFunc(rep.Endpoints, func(e loadEndpoint) bool { return e.Name == "tweet" })
		if n, _ := strconv.ParseInt(tweets, 10, 64); i < 0 || n != rep.Endpoints[i].OK {
			t.Errorf("%s load-test messages stored, want one per acknowledged tweet", tweets)
		}
	})
}

func readLoadJSON[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return v
}
