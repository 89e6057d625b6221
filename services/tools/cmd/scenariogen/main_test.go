package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"minitwit/tools/scenario"
)

func TestRunWritesFile(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-users", "20", "-actions", "200", "-seed", "9", "-first-id", "1000"}, &out); err != nil {
		t.Fatal(err)
	}
	acts, err := scenario.Parse(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 200 || acts[0].ID != 1000 || acts[199].ID != 1199 {
		t.Fatalf("got %d actions, ids %d..%d", len(acts), acts[0].ID, acts[len(acts)-1].ID)
	}
	if err := run([]string{"-users", "0"}, &out); err == nil {
		t.Fatal("-users 0 accepted")
	}
}

func TestRunOutputFileMatchesStdout(t *testing.T) {
	args := []string{"-users", "30", "-actions", "500", "-seed", "4", "-delay-mean", "50ms"}
	var stdout bytes.Buffer
	if err := run(args, &stdout); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.tsv")
	if err := run(append(args, "-o", path), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, stdout.Bytes()) {
		t.Fatal("-o file differs from standard output for the same flags")
	}
	if !bytes.HasPrefix(b, []byte(scenario.Header+"\n")) {
		t.Fatal("file does not start with the header comment")
	}
}
