package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// monRunIn runs a command in dir to completion and returns its combined
// output; a non-zero exit fails the test with that output.
func monRunIn(t testing.TB, dir string, env []string, argv ...string) string {
	t.Helper()
	out, err := monTryIn(dir, env, argv...)
	if err != nil {
		t.Fatalf("%s (in %s): %v\n%s", strings.Join(argv, " "), dir, err, out)
	}
	return out
}

// monTryIn runs a command in dir and returns its combined output and error.
func monTryIn(dir string, env []string, argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
