package e2e

import (
	"maps"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// backupImage is the image of stack/backup.yml's backup service, without its tag.
const backupImage = "eeshugerman/postgres-backup-s3:"

// renderedStack is the part of docker's rendering of stack files the checks read.
type renderedStack struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		// A list in the source files, a map in docker's rendering.
		Networks any `yaml:"networks"`
		Secrets  []struct {
			Source string `yaml:"source"`
		} `yaml:"secrets"`
	} `yaml:"services"`
	Networks map[string]any `yaml:"networks"`
	Secrets  map[string]any `yaml:"secrets"`
}

// serviceNetworks reads a service's networks in either form.
func serviceNetworks(v any) []string {
	var names []string
	switch v := v.(type) {
	case []any:
		for _, n := range v {
			if s, ok := n.(string); ok {
				names = append(names, s)
			}
		}
	case map[string]any:
		for n := range v {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// stackConfig renders stack files with "docker stack config" (no daemon
// needed) and parses the result.
func dockerStackConfig(t *testing.T, env []string, files ...string) renderedStack {
	t.Helper()
	docker := NeedTool(t, "docker", "docker.io")
	args := []string{"stack", "config"}
	for _, f := range files {
		args = append(args, "-c", f)
	}
	cmd := exec.Command(docker, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker stack config -c %s: %v\n%s", strings.Join(files, " -c "), err, errOut.String())
	}
	var doc renderedStack
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("docker stack config -c %s: %v", strings.Join(files, " -c "), err)
	}
	return doc
}

func (d *dataOps) testStackConfig(t *testing.T) {
	t.Run("Alone", func(t *testing.T) {
		doc := dockerStackConfig(t, nil, "stack/backup.yml")
		b, ok := doc.Services["backup"]
		if !ok {
			t.Fatalf("no backup service in stack/backup.yml; services: %v", slices.Sorted(maps.Keys(doc.Services)))
		}
		if !strings.HasPrefix(b.Image, backupImage+"15") {
			t.Errorf("backup image %q, want %s15 (the server's PostgreSQL major version)", b.Image, backupImage)
		}
		for _, n := range serviceNetworks(b.Networks) {
			if _, ok := doc.Networks[n]; !ok {
				t.Errorf("the backup service joins network %s, which the file does not declare", n)
			}
		}
		for _, s := range b.Secrets {
			if _, ok := doc.Secrets[s.Source]; !ok {
				t.Errorf("the backup service reads secret %s, which the file does not declare", s.Source)
			}
		}
	})

	t.Run("Merged", func(t *testing.T) {
		files := []string{"stack/minitwit.yml", "stack/monitoring.yml", "stack/backup.yml"}
		merged := dockerStackConfig(t, []string{"TAG=check", "DOMAIN=example.org"}, files...)
		// Every service of each file is in the merged stack.
		var want []string
		for _, f := range files {
			b, err := os.ReadFile(repoPath(f))
			if err != nil {
				t.Fatal(err)
			}
			// The source files' own forms (lists of secrets and
			// networks) differ from the rendering: read names only.
			var src struct {
				Services map[string]any `yaml:"services"`
			}
			if err := yaml.Unmarshal(b, &src); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			want = append(want, slices.Sorted(maps.Keys(src.Services))...)
		}
		sort.Strings(want)
		want = slices.Compact(want)
		if diff := cmp.Diff(want, slices.Sorted(maps.Keys(merged.Services))); diff != "" {
			t.Errorf("services of the merged stack (-each file's, +merged):\n%s", diff)
		}
		b := merged.Services["backup"]
		if !strings.HasPrefix(b.Image, backupImage) {
			t.Fatalf("the merged stack's backup service has image %q, want %s…", b.Image, backupImage)
		}
		// The database host it dumps is a service it shares a network with.
		host := b.Environment["POSTGRES_HOST"]
		pg, ok := merged.Services[host]
		if !ok {
			t.Fatalf("backup dumps POSTGRES_HOST=%q, not a service of the merged stack", host)
		}
		shared := false
		for _, n := range serviceNetworks(b.Networks) {
			shared = shared || slices.Contains(serviceNetworks(pg.Networks), n)
		}
		if !shared {
			t.Errorf("backup (networks %v) and %s (networks %v) share no network", serviceNetworks(b.Networks), host, serviceNetworks(pg.Networks))
		}
	})
}
