// Package service is the start every MiniTwit binary shares: configuration,
// the "healthcheck" and "migrate" subcommands, the logger, the database and
// the metrics registry. A main calls Start first and then wires its own
// stores, services and router from what Start returns.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"minitwit/shared/config"
	"minitwit/shared/domain"
	"minitwit/shared/followclient"
	"minitwit/shared/httpserver"
	"minitwit/shared/logging"
	"minitwit/shared/metrics"
	"minitwit/shared/store"
)

// commit is the build's commit, set at build time with
// -ldflags "-X minitwit/shared/service.commit=...".
var commit = "unknown"

// Defaults are what differs between binaries before any wiring: the name on
// log lines and metrics, and the listen addresses used when ADDR and
// METRICS_ADDR are unset.
type Defaults struct {
	Name        string
	Addr        string
	MetricsAddr string
	// Commit overrides the build's commit (tests).
	Commit string
	// Out receives the logs and the subcommands' output (os.Stdout if nil).
	Out io.Writer
}

// Base is what every service is built on. The caller closes Store.
type Base struct {
	Config  config.Config
	Log     *logrus.Entry
	Store   *store.Store
	Metrics *metrics.Metrics
	// pool fails readiness until the first connections are open.
	pool *store.Warmer
}

// Start reads the configuration and, when args name a subcommand, runs it
// and reports done: "healthcheck" probes the running server's /startedz (the
// image's HEALTHCHECK, before any database is opened), "migrate [up|status]"
// applies or lists schema steps. Otherwise it builds the logger, opens the
// database (and the read replica when DATABASE_READ_URL is set), logs the
// masked configuration and returns the Base with a metrics registry that
// watches the connection pools and counts where routed reads went.
func Start(ctx context.Context, d Defaults, args []string) (b *Base, done bool, err error) {
	out := d.Out
	if out == nil {
		out = os.Stdout
	}
	cfg, err := config.Load(d.Addr, d.MetricsAddr)
	if err != nil {
		return nil, false, err
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		return nil, true, httpserver.Probe(ctx, cfg.Addr, httpserver.ContainerHealthPath, 2*time.Second)
	}
	log, err := logging.New(out, d.Name, cfg.LogLevel)
	if err != nil {
		return nil, false, err
	}
	st, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, false, err
	}
	if len(args) > 0 {
		err := store.RunCommand(ctx, st, args, out)
		return nil, true, closeAfter(st, err)
	}
	log.WithField("config", cfg.String()).Info("starting")

	built := commit
	if d.Commit != "" {
		built = d.Commit
	}
	m := metrics.New(cfg.Version, built)
	if sqlDB, err := st.SQLDB(); err == nil {
		m.WatchDB(sqlDB, d.Name)
	}
	if cfg.DatabaseReadURL != "" {
		observe := func(servedBy, reason string) { m.DBReads.WithLabelValues(servedBy, reason).Inc() }
		if err := st.UseReplica(cfg.DatabaseReadURL, cfg.DatabaseReadMaxWait, observe); err != nil {
			return nil, false, closeAfter(st, err)
		}
		m.WatchDB(st.ReplicaSQLDB(), d.Name+"_replica")
	}
	pool := st.Warm(ctx, store.WarmConns)
	return &Base{Config: cfg, Log: log, Store: st, Metrics: m, pool: pool}, false, nil
}

// Readiness is what /readyz of a split service checks: the database answers
// and holds every schema step this binary knows, and the first connections
// of the pool are open (store.Warm).
func (b *Base) Readiness() map[string]domain.Pinger {
	return map[string]domain.Pinger{"database": b.Store, "schema": store.SchemaCheck{Store: b.Store}, "pool": b.pool}
}

// FollowGraph is the follower graph with the readiness checks that go with
// it: the follower service's typed client when FOLLOWER_URL is set, which
// /readyz then checks too (its token included), or else the database
// in-process. With FOLLOWER_URL set, FOLLOWER_TOKEN is required.
func (b *Base) FollowGraph() (domain.FollowService, map[string]domain.Pinger, error) {
	ready := b.Readiness()
	if b.Config.FollowerURL == "" {
		return b.Store, ready, nil
	}
	if b.Config.FollowerToken == "" {
		return nil, nil, errors.New("FOLLOWER_URL is set but FOLLOWER_TOKEN (or FOLLOWER_TOKEN_FILE) is not: the follower service accepts only callers holding its token")
	}
	if err := checkToken("FOLLOWER_TOKEN", b.Config.FollowerToken); err != nil {
		return nil, nil, err
	}
	fc := followclient.New(b.Config.FollowerURL)
	fc.Token = b.Config.FollowerToken
	ready["follower"] = fc
	return fc, ready, nil
}

// MinTokenBytes is the shortest follower token accepted: shorter ones are
// guessable, not secrets (deploy.sh makes 64 hex digits).
const MinTokenBytes = 16

// FollowerTokens are the bearer tokens the follower service accepts: the
// current FOLLOWER_TOKEN, required, and FOLLOWER_TOKEN_PREVIOUS when set,
// during a rotation.
func (b *Base) FollowerTokens() ([]string, error) {
	if b.Config.FollowerToken == "" {
		return nil, errors.New("FOLLOWER_TOKEN (or FOLLOWER_TOKEN_FILE) is required: the follower service accepts only callers holding it")
	}
	tokens := []string{b.Config.FollowerToken}
	if err := checkToken("FOLLOWER_TOKEN", b.Config.FollowerToken); err != nil {
		return nil, err
	}
	if p := b.Config.FollowerTokenPrevious; p != "" {
		if err := checkToken("FOLLOWER_TOKEN_PREVIOUS", p); err != nil {
			return nil, err
		}
		tokens = append(tokens, p)
	}
	return tokens, nil
}

func checkToken(name, token string) error {
	if len(token) < MinTokenBytes {
		return fmt.Errorf("%s is %d bytes, want at least %d (e.g. head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n')", name, len(token), MinTokenBytes)
	}
	return nil
}

func closeAfter(st *store.Store, err error) error {
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}
