package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// s3rverVersion is the npm package that stands in for S3-compatible storage.
const s3rverVersion = "3.7.1"

// s3rverBin installs s3rver from npm once into the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache, under minitwit-e2e/) and returns its program.
// The install goes to a temporary directory renamed into place, so an
// interrupted or concurrent install never leaves a half-filled one.
func s3rverBin(t *testing.T) string {
	t.Helper()
	npm := NeedTool(t, "npm", "npm")
	NeedTool(t, "node", "nodejs")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(cache, "minitwit-e2e")
	dir := filepath.Join(parent, "s3rver-"+s3rverVersion)
	prog := filepath.Join(dir, "node_modules", ".bin", "s3rver")
	if _, err := os.Stat(prog); err == nil {
		return prog
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(parent, "install.")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	RunCmd(t, nil, npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", tmp, "s3rver@"+s3rverVersion)
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(prog); statErr != nil {
			t.Fatalf("installing s3rver into %s: %v", dir, err)
		}
	}
	return prog
}

// startS3 starts s3rver on 127.0.0.1 with an empty bucket and returns the
// environment that points the aws CLI (and so backup.sh and restore.sh) at
// it, away from any real AWS configuration.
func startS3(t *testing.T, bucket string) []string {
	t.Helper()
	NeedTool(t, "aws", "awscli")
	prog := s3rverBin(t)
	dir := t.TempDir()
	port := FreePort(t)
	p := StartProc(t, "s3rver", ProcOpts{LogDir: dir}, prog, "-d", filepath.Join(dir, "data"),
		"-a", "127.0.0.1", "-p", strconv.Itoa(port), "--silent", "--configure-bucket", bucket)
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	WaitHTTP(t, endpoint+"/", 60*time.Second, p)
	return []string{
		"S3_ENDPOINT_URL=" + endpoint,
		"AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "no-aws-credentials"),
	}
}

// gnupgHome is an empty GnuPG home for the test, so that no key, setting or
// cached passphrase of the user's own takes part; the gpg-agent that gpg
// starts there is stopped at the end.
func gnupgHome(t *testing.T) string {
	t.Helper()
	gpgconf := NeedTool(t, "gpgconf", "gnupg")
	NeedTool(t, "gpg", "gnupg")
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil { // gpg warns about any other mode
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if out, err := TryCmd([]string{"GNUPGHOME=" + home}, gpgconf, "--kill", "gpg-agent"); err != nil {
			t.Logf("gpgconf --kill gpg-agent: %v\n%s", err, out)
		}
	})
	return "GNUPGHOME=" + home
}
