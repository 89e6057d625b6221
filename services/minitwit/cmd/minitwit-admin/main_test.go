package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minitwit/minitwit/admin"
	"minitwit/shared/storetest"
)

// TestCommands drives the binary's run function end to end on each engine:
// import a generated legacy database, then moderate through the commands.
func TestCommands(t *testing.T) {
	legacy := filepath.Join(t.TempDir(), "old.db")
	if err := run(context.Background(), []string{"gen-legacy", "-out", legacy, "-users", "12", "-messages", "200", "-seed", "3"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t.Setenv("DATABASE_URL", db.URL)
		ctx := context.Background()
		call := func(args ...string) (string, error) {
			var out, errOut bytes.Buffer
			err := run(ctx, args, &out, &errOut)
			return out.String() + errOut.String(), err
		}
		if out, err := call("import", "-legacy", legacy, "-batch", "50"); err != nil || !strings.Contains(out, "import OK") {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if out, err := call("verify", "-legacy", legacy); err != nil || strings.Count(out, " OK") != 3 {
			t.Fatalf("verify: %v\n%s", err, out)
		}
		if out, err := call("migrate", "status"); err != nil || !strings.Contains(out, "applied") {
			t.Errorf("migrate status: %v\n%s", err, out)
		}

		name := admin.LegacyUsername(4)
		out, err := call("messages", name, "-n", "3")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) == 0 || len(lines) > 3 {
			t.Fatalf("messages -n 3 printed %d lines:\n%s", len(lines), out)
		}
		id := strings.Fields(lines[0])[0]
		if out, err := call("flag", id); err != nil || !strings.Contains(out, "flagged") {
			t.Fatalf("flag %s: %v %s", id, err, out)
		}
		out, _ = call("messages", "-n", "3", name)
		if !regexp.MustCompile(`^\s*` + id + `\s.*FLAGGED`).MatchString(out) {
			t.Errorf("after flag, the listing does not mark %s:\n%s", id, out)
		}
		if _, err := call("unflag", id); err != nil {
			t.Fatal(err)
		}
		out, _ = call("messages", name)
		if regexp.MustCompile(`^\s*` + id + `\s.*FLAGGED`).MatchString(out) {
			t.Errorf("after unflag, %s is still marked:\n%s", id, out)
		}

		if _, err := call("flag", "987654321"); err == nil || !strings.Contains(err.Error(), "no message with id 987654321") {
			t.Errorf("flag unknown id: %v", err)
		}
		if _, err := call("messages", "nobody at all"); err == nil || !strings.Contains(err.Error(), `no user named "nobody at all"`) {
			t.Errorf("messages of unknown user: %v", err)
		}
	})
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "x.db"))
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"flag"},
		{"flag", "abc"},
		{"flag", "1", "2"},
		{"messages"},
		{"messages", "a", "-n", "0"},
		{"import"},
		{"import", "-legacy", "x", "-batch", "-1"},
		{"gen-legacy"},
	} {
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}
