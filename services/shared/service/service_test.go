package service

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"minitwit/shared/domain"
	"minitwit/shared/followclient"
	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

// setEnv clears the settings a developer's shell may hold and points the
// configuration at a fresh SQLite file.
func setEnv(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "service.db"), "LOG_LEVEL": "info",
		"FOLLOWER_URL": "", "ADDR": "", "METRICS_ADDR": "", "PORT": "", "SESSION_KEY": "",
		"DATABASE_PASSWORD": "", "BCRYPT_COST": "4", "DATABASE_READ_URL": "", "DATABASE_READ_MAX_WAIT": "",
		"FOLLOWER_TOKEN": "", "FOLLOWER_TOKEN_PREVIOUS": "",
	} {
		t.Setenv(k, v)
	}
}

// eachDatabase runs fn on a fresh SQLite file and, when
// MINITWIT_TEST_PG_URL names a server, on a fresh PostgreSQL database.
func eachDatabase(t *testing.T, fn func(t *testing.T)) {
	t.Run("sqlite", func(t *testing.T) {
		setEnv(t)
		fn(t)
	})
	t.Run("postgres", func(t *testing.T) {
		setEnv(t)
		url, ok := storetest.NewPostgresDatabase(t)
		if !ok {
			return
		}
		t.Setenv("DATABASE_URL", url)
		fn(t)
	})
}

func defaults(out *bytes.Buffer) Defaults {
	return Defaults{Name: "svc", Addr: "127.0.0.1:0", MetricsAddr: "", Commit: "abc123", Out: out}
}

func TestStartBuildsTheBase(t *testing.T) { eachDatabase(t, testStartBuildsTheBase) }

func testStartBuildsTheBase(t *testing.T) {
	t.Setenv("SESSION_KEY", "a-secret-that-must-not-be-logged")
	var out bytes.Buffer
	b, done, err := Start(context.Background(), defaults(&out), nil)
	if err != nil || done {
		t.Fatalf("Start: done=%v err=%v", done, err)
	}
	defer b.Store.Close()
	if b.Config.Addr != "127.0.0.1:0" || b.Config.BcryptCost != 4 {
		t.Errorf("config %+v: want the default address and BCRYPT_COST from the environment", b.Config)
	}
	if err := b.Store.Ping(context.Background()); err != nil {
		t.Errorf("store: %v", err)
	}

	var line struct{ Service, Msg, Config string }
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("the start log is not one JSON line: %v\n%s", err, out.String())
	}
	if line.Service != "svc" || line.Msg != "starting" || !strings.Contains(line.Config, "session_key=(set)") {
		t.Errorf("start log %+v, want service svc, msg starting and the masked configuration", line)
	}
	if strings.Contains(out.String(), "a-secret") {
		t.Error("the start log shows the session key")
	}

	families, err := b.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		if n := f.GetName(); n == "go_sql_open_connections" || n == "minitwit_build_info" {
			names = append(names, n)
		}
	}
	if diff := cmp.Diff([]string{"go_sql_open_connections", "minitwit_build_info"}, names); diff != "" {
		t.Errorf("registry (-want +got):\n%s", diff)
	}
}

func TestStartRunsSubcommands(t *testing.T) { eachDatabase(t, testStartRunsSubcommands) }

func testStartRunsSubcommands(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	b, done, err := Start(ctx, defaults(&out), []string{"migrate"})
	if err != nil || !done || b != nil {
		t.Fatalf("migrate: base=%v done=%v err=%v, want done and no base", b, done, err)
	}
	if !strings.Contains(out.String(), "applied migration 1") {
		t.Errorf("migrate printed %q", out.String())
	}
	out.Reset()
	if _, done, err := Start(ctx, defaults(&out), []string{"migrate", "status"}); err != nil || !done {
		t.Fatalf("migrate status: done=%v err=%v", done, err)
	}
	if strings.Contains(out.String(), "pending") || !strings.Contains(out.String(), "applied") {
		t.Errorf("migrate status after migrate printed %q", out.String())
	}
	if _, done, err := Start(ctx, defaults(&out), []string{"frobnicate"}); err == nil || !done {
		t.Errorf("an unknown subcommand: done=%v err=%v, want done with an error", done, err)
	}
}

// The healthcheck probes the configured address before it opens any
// database: nothing listens there, so it fails, and the database path (in
// a directory that cannot be created) is never touched.
func TestHealthcheckProbesWithoutTheDatabase(t *testing.T) {
	setEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("ADDR", addr)
	t.Setenv("DATABASE_URL", "/dev/null/cannot/exist.db")
	var out bytes.Buffer
	_, done, err := Start(context.Background(), defaults(&out), []string{"healthcheck"})
	if !done || err == nil || strings.Contains(err.Error(), "database") {
		t.Errorf("healthcheck with no server: done=%v err=%v, want done with a connection error", done, err)
	}
}

func TestFollowsPicksTheGraph(t *testing.T) {
	setEnv(t)
	var out bytes.Buffer
	b, _, err := Start(context.Background(), defaults(&out), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Store.Close()

	follows, ready, err := b.FollowGraph()
	if err != nil {
		t.Fatalf("FollowGraph without FOLLOWER_URL (and no token): %v", err)
	}
	if got, ok := follows.(*store.Store); !ok || got != b.Store {
		t.Errorf("without FOLLOWER_URL the graph is %T, want the store", follows)
	}
	if diff := cmp.Diff([]string{"database", "pool", "schema"}, keys(ready)); diff != "" {
		t.Errorf("readiness without a follower service (-want +got):\n%s", diff)
	}

	b.Config.FollowerURL = "http://127.0.0.1:1"
	b.Config.FollowerToken = "a-follower-token-0123456789"
	follows, ready, err = b.FollowGraph()
	if err != nil {
		t.Fatal(err)
	}
	if fc, ok := follows.(*followclient.Client); !ok || fc.Token != b.Config.FollowerToken {
		t.Errorf("with FOLLOWER_URL the graph is %T (%+v), not the follower client with the token", follows, follows)
	}
	if diff := cmp.Diff([]string{"database", "follower", "pool", "schema"}, keys(ready)); diff != "" {
		t.Errorf("readiness with a follower service (-want +got):\n%s", diff)
	}
}

// A web or api replica that reaches the follower service over HTTP
// refuses to start without the token (or with one too short to be a
// secret): it would otherwise fail every follow call.
func TestFollowGraphNeedsTheToken(t *testing.T) {
	setEnv(t)
	var out bytes.Buffer
	b, _, err := Start(context.Background(), defaults(&out), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Store.Close()
	b.Config.FollowerURL = "http://127.0.0.1:1"
	for _, token := range []string{"", "short"} {
		b.Config.FollowerToken = token
		if _, _, err := b.FollowGraph(); err == nil || !strings.Contains(err.Error(), "FOLLOWER_TOKEN") {
			t.Errorf("FollowGraph with FOLLOWER_URL and token %q: %v, want an error naming FOLLOWER_TOKEN", token, err)
		}
	}
}

// The follower service accepts the current token and, when set, the
// previous one; it refuses to start without a current one, or with either
// too short.
func TestFollowerTokens(t *testing.T) {
	const cur, prev = "current-token-0123456789", "previous-token-0123456789"
	for _, tc := range []struct {
		name, token, previous string
		want                  []string
		wantErr               string
	}{
		{name: "current", token: cur, want: []string{cur}},
		{name: "with previous", token: cur, previous: prev, want: []string{cur, prev}},
		{name: "none", wantErr: "FOLLOWER_TOKEN (or FOLLOWER_TOKEN_FILE) is required"},
		{name: "previous only", previous: prev, wantErr: "FOLLOWER_TOKEN (or FOLLOWER_TOKEN_FILE) is required"},
		{name: "short", token: "0123456789", wantErr: "FOLLOWER_TOKEN is 10 bytes"},
		{name: "short previous", token: cur, previous: "x", wantErr: "FOLLOWER_TOKEN_PREVIOUS is 1 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Base{}
			b.Config.FollowerToken, b.Config.FollowerTokenPrevious = tc.token, tc.previous
			got, err := b.FollowerTokens()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("FollowerTokens: %v %v, want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FollowerTokens (-want +got):\n%s", diff)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Run serves only when no subcommand was named, and closes the database
// after serving.
func TestRunServesOnlyWithoutSubcommand(t *testing.T) {
	setEnv(t)
	ctx := context.Background()
	var out bytes.Buffer
	var served *Base
	serve := func(_ context.Context, b *Base) error {
		served = b
		return b.Store.Ping(ctx)
	}
	if err := Run(ctx, defaults(&out), []string{"migrate"}, serve); err != nil || served != nil {
		t.Fatalf("migrate: err=%v, served=%v; want the subcommand alone", err, served != nil)
	}
	if err := Run(ctx, defaults(&out), nil, serve); err != nil || served == nil {
		t.Fatalf("no subcommand: err=%v, served=%v; want served", err, served != nil)
	}
	if err := served.Store.Ping(ctx); err == nil {
		t.Error("the database is still open after serving")
	}
}

// With DATABASE_READ_URL the routed reads are counted in the registry, and
// the read pool is watched too. The read URL here is the primary itself, no
// standby, so every read is answered by the primary as not_standby (a real
// standby: TestReplica in services/e2e).
func TestStartUsesTheReadURL(t *testing.T) {
	setEnv(t)
	url, ok := storetest.NewPostgresDatabase(t)
	if !ok {
		return
	}
	t.Setenv("DATABASE_URL", url)
	t.Setenv("DATABASE_READ_URL", url)
	ctx := context.Background()
	var out bytes.Buffer
	if _, _, err := Start(ctx, defaults(&out), []string{"migrate"}); err != nil {
		t.Fatal(err)
	}
	b, _, err := Start(ctx, defaults(&out), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Store.Close()
	if _, err := b.Store.PublicTimeline(ctx, domain.Page{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(b.Metrics.DBReads.WithLabelValues(store.ServedByPrimary, store.ReasonNotStandby)); got != 1 {
		t.Errorf("minitwit_db_reads_total{served_by=primary,reason=not_standby} = %v, want 1", got)
	}
	families, err := b.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string]bool{}
	for _, f := range families {
		if f.GetName() == "go_sql_open_connections" {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					pools[l.GetValue()] = true
				}
			}
		}
	}
	if !pools["svc"] || !pools["svc_replica"] {
		t.Errorf("pools watched: %v, want svc and svc_replica", pools)
	}
	if !strings.Contains(out.String(), "database_read=postgres://") {
		t.Errorf("the start log does not name the read URL:\n%s", out.String())
	}
}
