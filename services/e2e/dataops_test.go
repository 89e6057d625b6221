package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestDataOps drills the operator's data tasks on real PostgreSQL clusters
// on 127.0.0.1, running the operator scripts themselves (scripts/backup.sh,
// restore.sh, db-move/*) and the minitwit-admin binary:
//
//   - StackConfig: stack/backup.yml is a valid stack file alone and merged
//     with the services' and the monitoring stack;
//   - Import: a generated legacy database is imported and verified (timed),
//     a re-run imports nothing, legacy password hashes sign in on the web and
//     are replaced by bcrypt;
//   - Backup: an encrypted backup goes through a local S3-compatible server
//     (s3rver) and is restored into a second database while the service
//     serves from the first without a failed request; the destroyed database
//     is restored in place; both equal the state at backup time;
//   - Move: a zero-downtime move to a second cluster with logical
//     replication under continuous API writes loses no acknowledged write
//     and leaves no replication slot, subscription or publication.
//
// The groups run in this order on the same source cluster (the move starts
// from the restored database), and each also runs alone: what it needs
// beyond an empty database it makes itself.
func TestDataOps(t *testing.T) {
	NeedTool(t, "psql", "postgresql-client-15")
	d := &dataOps{src: StartPostgres(t, PostgresOpts{}), dst: StartPostgres(t, PostgresOpts{})}
	t.Run("StackConfig", d.testStackConfig)
	t.Run("Import", d.testImport)
	t.Run("Backup", d.testBackup)
	t.Run("Move", d.testMove)
}

// dataOps is the state the DataOps groups share.
type dataOps struct {
	src, dst *Postgres // the source cluster, and the target of the move
	loadRuns int       // write loads started so far (each writes new names)
}

// srcURL is the URL of the source database "minitwit".
func (d *dataOps) srcURL() string { return d.src.URL("minitwit") }

// runOpScript runs one of the repository's scripts with env added and returns
// its stdout and stderr apart: the scripts print their result on stdout and
// their progress on stderr. Its stdin is /dev/null, not a terminal.
func runOpScript(env []string, script string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(repoPath("scripts", script), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = repoRoot
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// mustOpScript runs a script that must succeed, logs what it printed and
// returns its stdout and stderr.
func mustOpScript(t *testing.T, env []string, script string, args ...string) (stdout, stderr string) {
	t.Helper()
	out, errOut, err := runOpScript(env, script, args...)
	if err != nil {
		t.Fatalf("scripts/%s %s: %v\n%s%s", script, strings.Join(args, " "), err, errOut, out)
	}
	t.Logf("scripts/%s %s:\n%s%s", script, strings.Join(args, " "), errOut, out)
	return out, errOut
}

// envCount is an integer setting from the environment, or def.
func envCount(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
