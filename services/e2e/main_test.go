package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// repoRoot is the repository's top level (where go.work is); binDir holds
// the binaries TestMain built from the current sources.
var repoRoot, binDir string

// binaries are built once per test run, by package path.
var binaries = []string{
	"minitwit/minitwit/cmd/minitwit",
	"minitwit/minitwit/cmd/minitwit-admin",
	"minitwit/web/cmd/web",
	"minitwit/api/cmd/api",
	"minitwit/follower/cmd/follower",
	"minitwit/tools/cmd/replay",
	"minitwit/tools/cmd/load",
	"minitwit/tools/cmd/scenariogen",
	"minitwit/tools/cmd/smoke",
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// A stand-in, not Docker: when the deploy/rollback checks run
	// scripts/deploy.sh, "docker" on their PATH is this test binary, which
	// answers as a scripted Swarm and exits here, before any build (see
	// gateway_fakedocker_test.go).
	if state := os.Getenv(fakeDockerEnv); state != "" {
		return fakeDocker(state, os.Args[1:])
	}
	var err error
	if repoRoot, err = findRepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "minitwit-e2e-bin.")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	args := append([]string{"build", "-o", binDir + "/"}, binaries...)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the binaries:", err)
		return 1
	}
	return m.Run()
}

// findRepoRoot walks up from the working directory to the folder holding go.work.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory")
		}
		dir = parent
	}
}

// bin is the path of a binary built by TestMain.
func bin(name string) string { return filepath.Join(binDir, name) }

// repoPath is a path inside the repository.
func repoPath(parts ...string) string {
	return filepath.Join(append([]string{repoRoot}, parts...)...)
}
