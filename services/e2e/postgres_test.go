package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pgBin holds PostgreSQL 15's server programs (Debian's postgresql-15).
const pgBin = "/usr/lib/postgresql/15/bin"

// Postgres is a throwaway PostgreSQL 15 cluster on 127.0.0.1, removed when
// the test ends.
type Postgres struct {
	Dir  string // holds data/, the socket and server.log
	Port int
	proc *Proc
	args []string // the server's command line, for Restart
}

// PostgresOpts tune a cluster.
type PostgresOpts struct {
	// Settings are extra "-c name=value" server settings.
	Settings map[string]string
}

// StartPostgres makes and starts a cluster (trust authentication, UTF8,
// wal_level=logical so a move drill can replicate from it) with a database
// "minitwit".
func StartPostgres(t testing.TB, opts PostgresOpts) *Postgres {
	t.Helper()
	NeedTool(t, filepath.Join(pgBin, "initdb"), "postgresql-15")
	dir, err := os.MkdirTemp("", "minitwit-e2e-pg.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chownToPostgres(t, dir)
	pg := &Postgres{Dir: dir, Port: FreePort(t)}
	asPostgres(t, filepath.Join(pgBin, "initdb"), "-D", dir+"/data", "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	args := []string{filepath.Join(pgBin, "postgres"), "-D", dir + "/data",
		"-p", strconv.Itoa(pg.Port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "wal_level=logical",
		"-c", "max_connections=200", "-c", "fsync=on"}
	for k, v := range opts.Settings {
		args = append(args, "-c", k+"="+v)
	}
	pg.args = args
	pg.start(t)
	pg.CreateDB(t, "minitwit")
	return pg
}

// start runs the server and waits until it accepts connections.
func (pg *Postgres) start(t testing.TB) {
	t.Helper()
	pg.proc = StartProc(t, fmt.Sprintf("postgres-%d", pg.Port), ProcOpts{LogDir: pg.Dir, Cred: postgresCred(t)}, pg.args...)
	Eventually(t, 60*time.Second, "PostgreSQL accepting connections", func() error {
		if pg.proc.Exited() {
			t.Fatalf("postgres exited:\n%s", pg.proc.Log())
		}
		_, err := TryCmd(nil, "psql", "-qAt", pg.URL("postgres"), "-c", "SELECT 1")
		return err
	})
}

// Kill ends the server the way a crash does: SIGKILL to the postmaster,
// then to what is left of its process group (the backends a container
// runtime would take down with it); no shutdown checkpoint is written. It
// returns once every process of the group is gone.
func (pg *Postgres) Kill(t testing.TB) {
	t.Helper()
	pid := pg.proc.Pid()
	_ = pg.proc.Stop(syscall.SIGKILL, 0)
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	Eventually(t, 30*time.Second, "every process of the killed PostgreSQL gone", func() error {
		if n := liveInGroup(pid); n > 0 {
			return fmt.Errorf("process group %d still has %d live processes", pid, n)
		}
		return nil
	})
}

// liveInGroup counts the processes of process group pgid that are not
// zombies (a zombie holds no memory; whether it is reaped soon depends on
// the machine's init).
func liveInGroup(pgid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		var state string
		var ppid, pgrp int
		if _, err := fmt.Sscan(rest, &state, &ppid, &pgrp); err == nil && pgrp == pgid && state != "Z" {
			n++
		}
	}
	return n
}

// Restart starts the server again on the same data directory and port
// (crash recovery after Kill) and returns once it accepts connections.
func (pg *Postgres) Restart(t testing.TB) {
	t.Helper()
	pg.start(t)
}

// URL is a postgres:// URL of database db.
func (pg *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, db)
}

// CreateDB creates database db and returns its URL.
func (pg *Postgres) CreateDB(t testing.TB, db string) string {
	t.Helper()
	pg.SQL(t, "postgres", fmt.Sprintf("CREATE DATABASE %q", db))
	return pg.URL(db)
}

// SQL runs statements in db with psql and returns the unaligned, tuples-only output.
func (pg *Postgres) SQL(t testing.TB, db, sql string) string {
	t.Helper()
	NeedTool(t, "psql", "postgresql-client-15")
	out := RunCmd(t, nil, "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", pg.URL(db), "-c", sql)
	return strings.TrimSpace(out)
}

// Stop stops the server at once (fast shutdown), e.g. for an outage drill.
func (pg *Postgres) Stop() error { return pg.proc.Stop(syscall.SIGINT, 30*time.Second) }

// Proc is the postgres server process.
func (pg *Postgres) Proc() *Proc { return pg.proc }

// initdb and postgres refuse to run as root: as root, run them as "postgres".
func postgresCred(t testing.TB) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("no postgres user: apt-get install postgresql-15: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

func asPostgres(t testing.TB, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: postgresCred(t)}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

func chownToPostgres(t testing.TB, dir string) {
	t.Helper()
	if c := postgresCred(t); c != nil {
		if err := os.Chown(dir, int(c.Uid), int(c.Gid)); err != nil {
			t.Fatal(err)
		}
	}
}
