package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	backupBucket     = "drill"
	backupPassphrase = `drill "pass" phrase`
	backupObject     = "minitwit/drill.dump.gpg"
)

// testBackup seeds the source through the API, backs it up encrypted to a
// local S3-compatible server with scripts/backup.sh, and restores it with
// scripts/restore.sh: into a second database while the service serves from
// the first, and in place after the tables were destroyed.
func (d *dataOps) testBackup(t *testing.T) {
	NeedTool(t, "pg_dump", "postgresql-client-15")
	NeedTool(t, "pg_restore", "postgresql-client-15")
	svc := StartService(t, "minitwit", ServiceOpts{DatabaseURL: d.srcURL()})
	d.ensureLoadUsers(t, d.src, svc.URL)
	seed := d.startLoad(t, svc.URL)
	seed.WaitRounds(t, 16) // two registrations per writer
	seedAcks, seedFails := seed.Stop()
	seedMissing := missingAcks(t, d.src, "minitwit", seedAcks)
	d.src.SQL(t, "minitwit", "UPDATE messages SET flagged = true WHERE id % 97 = 0") // moderation survives too
	atBackup := dbContents(t, d.src, "minitwit")

	env := append(startS3(t, backupBucket), gnupgHome(t), "BACKUP_PASSPHRASE="+backupPassphrase)
	work := t.TempDir()
	out, _ := mustOpScript(t, append(env, "DATABASE_URL="+d.srcURL()), "backup.sh",
		"-e", "-o", filepath.Join(work, "drill.dump"), "-u", "s3://"+backupBucket+"/minitwit/")
	backup := strings.TrimSpace(out)

	t.Run("SeededThroughAPI", func(t *testing.T) {
		if len(seedFails) > 0 {
			t.Errorf("%d requests failed while seeding:\n%s", len(seedFails), strings.Join(seedFails, "\n"))
		}
		if len(seedAcks) == 0 || len(seedMissing) > 0 {
			t.Errorf("%d writes acknowledged, of them missing in the database: %v", len(seedAcks), seedMissing)
		}
		t.Logf("seeded %d writes through the API", len(seedAcks))
	})

	t.Run("EncryptedUpload", func(t *testing.T) {
		if want := filepath.Join(work, "drill.dump.gpg"); backup != want {
			t.Fatalf("backup.sh -e printed %q, want %q", backup, want)
		}
		if _, err := os.Stat(filepath.Join(work, "drill.dump")); !os.IsNotExist(err) {
			t.Errorf("the plain dump is left next to the encrypted one (stat: %v)", err)
		}
		b, err := os.ReadFile(backup)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || !isSymmetricOpenPGP(b[0]) {
			t.Fatalf("%s does not start with an OpenPGP symmetric-key packet (%d bytes)", backup, len(b))
		}
		plain := filepath.Join(t.TempDir(), "drill.dump")
		gpg := exec.Command("gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase-fd", "0",
			"--decrypt", "--output", plain, backup)
		gpg.Env = append(os.Environ(), env...)
		gpg.Stdin = strings.NewReader(backupPassphrase)
		if out, err := gpg.CombinedOutput(); err != nil {
			t.Fatalf("gpg --decrypt %s: %v\n%s", backup, err, out)
		}
		if p, err := os.ReadFile(plain); err != nil || !bytes.HasPrefix(p, []byte("PGDMP")) {
			t.Errorf("decrypted, the backup is no pg_dump custom-format archive (no PGDMP at its start; %v)", err)
		}
		head := RunCmd(t, env, "sh", "-c", `aws --endpoint-url "$S3_ENDPOINT_URL" s3api head-object --bucket "$1" --key "$2"`,
			"sh", backupBucket, backupObject)
		var obj struct{ ContentLength int64 }
		if err := json.Unmarshal([]byte(head), &obj); err != nil {
			t.Fatalf("aws s3api head-object: %v\n%s", err, head)
		}
		if obj.ContentLength != int64(len(b)) {
			t.Errorf("s3://%s/%s holds %d bytes, the backup file %d", backupBucket, backupObject, obj.ContentLength, len(b))
		}
		t.Logf("encrypted backup of %d bytes uploaded", len(b))
	})

	t.Run("RestoreCopyWhileServing", func(t *testing.T) {
		load := d.startLoad(t, svc.URL) // the service keeps serving from the first database
		load.WaitRounds(t, 1)
		mustOpScript(t, env, "restore.sh", "-n", "s3://"+backupBucket+"/"+backupObject, d.src.URL("minitwit_copy"))
		load.WaitRounds(t, 2) // the service serves on after the restore too
		acks, fails := load.Stop()
		if len(fails) > 0 {
			t.Errorf("%d requests failed while restoring into a second database:\n%s", len(fails), strings.Join(fails, "\n"))
		}
		if len(acks) == 0 {
			t.Errorf("no write was acknowledged while restoring")
		}
		t.Logf("restored into a second database while serving: %d writes acknowledged, %d failed requests", len(acks), len(fails))
		if diff := cmp.Diff(atBackup, dbContents(t, d.src, "minitwit_copy")); diff != "" {
			t.Errorf("the restored copy differs from the state at backup time (-backup +copy):\n%s", diff)
		}
	})

	t.Run("WrongPassphraseRefused", func(t *testing.T) {
		wrong := append(startS3Env(env), gnupgHome(t), "BACKUP_PASSPHRASE=not the passphrase")
		_, errOut, err := runOpScript(wrong, "restore.sh", "-n", backup, d.src.URL("minitwit_wrong"))
		if err == nil || !strings.Contains(errOut, "could not decrypt") {
			t.Errorf("restore.sh with a wrong passphrase: err %v, want a failure that says so:\n%s", err, errOut)
		}
		if got := d.src.SQL(t, "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'minitwit_wrong'"); got != "0" {
			t.Errorf("a restore that could not decrypt created the database")
		}
	})

	t.Run("RefusesUnconfirmed", func(t *testing.T) {
		before := dbContents(t, d.src, "minitwit")
		// Not a terminal and no -y: it must not replace anything.
		_, errOut, err := runOpScript(env, "restore.sh", backup, d.srcURL())
		if err == nil || !strings.Contains(errOut, "-y") {
			t.Errorf("restore.sh replaced a database without -y and without a terminal (err %v):\n%s", err, errOut)
		}
		// -n never touches an existing database either.
		_, errOut, err = runOpScript(env, "restore.sh", "-n", backup, d.srcURL())
		if err == nil || !strings.Contains(errOut, "exists") {
			t.Errorf("restore.sh -n into the existing database did not refuse (err %v):\n%s", err, errOut)
		}
		if diff := cmp.Diff(before, dbContents(t, d.src, "minitwit")); diff != "" {
			t.Errorf("a refused restore changed the database (-before +after):\n%s", diff)
		}
	})

	t.Run("RestoreInPlace", func(t *testing.T) {
		if err := svc.Stop(syscall.SIGTERM, 30*time.Second); err != nil {
			t.Errorf("minitwit did not exit cleanly on SIGTERM: %v", err)
		}
		d.src.SQL(t, "minitwit", "DROP TABLE users, follows, messages, simulator_latest, schema_migrations")
		mustOpScript(t, env, "restore.sh", "-y", backup, d.srcURL())
		if diff := cmp.Diff(atBackup, dbContents(t, d.src, "minitwit")); diff != "" {
			t.Fatalf("the in-place restore differs from the state at backup time (-backup +restored):\n%s", diff)
		}
		// The sequences came back too: new rows get fresh ids.
		after := StartService(t, "minitwit", ServiceOpts{DatabaseURL: d.srcURL()})
		mustSimAPI(t, http.StatusNoContent, "POST", after.URL+"/api/register",
			map[string]string{"username": "after restore", "email": "r@example.org", "pwd": "pw"})
		mustSimAPI(t, http.StatusNoContent, "POST", after.URL+"/api/msgs/"+url.PathEscape(loadUser(0)),
			map[string]string{"content": "after restore"})
		if err := after.Stop(syscall.SIGTERM, 30*time.Second); err != nil {
			t.Errorf("minitwit did not exit cleanly on SIGTERM: %v", err)
		}
	})
}

// startS3Env keeps the S3 settings of env (without GnuPG home or passphrase).
func startS3Env(env []string) []string {
	var s3 []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GNUPGHOME=") && !strings.HasPrefix(kv, "BACKUP_PASSPHRASE=") {
			s3 = append(s3, kv)
		}
	}
	return s3
}

// isSymmetricOpenPGP reports whether a packet header byte starts a
// symmetric-key encrypted session key packet (tag 3), what gpg --symmetric
// writes first, in the old or the new packet format.
func isSymmetricOpenPGP(b byte) bool {
	if b&0x80 == 0 {
		return false
	}
	if b&0x40 != 0 {
		return b&0x3f == 3
	}
	return (b>>2)&0x0f == 3
}
