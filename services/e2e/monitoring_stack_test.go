package e2e

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// monitoringServices are the services stack/monitoring.yml adds.
var monitoringServices = []string{"prometheus", "alertmanager", "grafana", "loki", "alloy",
	"node-exporter", "postgres-exporter", "nginx-exporter", "blackbox-exporter"}

// monStackConfig runs `docker stack config` on stack files (relative to
// the repository) and decodes the merged result. TAG and DOMAIN are what
// stack/minitwit.yml requires; any value will do.
func monStackConfig(t *testing.T, files ...string) monStackFile {
	t.Helper()
	NeedTool(t, "docker", "docker.io")
	argv := []string{"docker", "stack", "config"}
	for _, f := range files {
		argv = append(argv, "-c", repoPath(f))
	}
	out, err := monTryIn(t.TempDir(), []string{"TAG=monitoring-test", "DOMAIN=minitwit.test"}, argv...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	var s monStackFile
	if err := yaml.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("docker stack config output: %v\n%s", err, out)
	}
	return s
}

// monitoringStackStatic checks the stack file: docker stack config resolves
// it but does not open the configs it names, so the checks look at those
// paths and at the properties docs/monitoring.md promises.
func monitoringStackStatic(t *testing.T) {
	merged := func(t *testing.T) monStackFile {
		return monStackConfig(t, "stack/minitwit.yml", "stack/monitoring.yml")
	}
	t.Run("MonitoringAlone", func(t *testing.T) {
		s := monStackConfig(t, "stack/monitoring.yml")
		if diff := cmp.Diff(monSorted(monitoringServices), monSortedKeys(s.Services)); diff != "" {
			t.Errorf("services of stack/monitoring.yml (-want +got):\n%s", diff)
		}
	})
	t.Run("Merged", func(t *testing.T) {
		s := merged(t)
		for _, name := range append([]string{"web", "api", "follower", "gateway"}, monitoringServices...) {
			if _, ok := s.Services[name]; !ok {
				t.Errorf("merged stack has no service %s", name)
			}
		}
	})
	t.Run("ConfigFilesExist", func(t *testing.T) {
		s := merged(t)
		if len(s.Configs) == 0 {
			t.Fatal("the merged stack declares no configs")
		}
		for name, c := range s.Configs {
			if c.File == "" {
				continue
			}
			if fi, err := os.Stat(c.File); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("config %s: file %s is missing (%v)", name, c.File, err)
			}
		}
	})
	t.Run("LogRotation", func(t *testing.T) {
		s := merged(t)
		for _, name := range monitoringServices {
			svc := s.Services[name]
			if svc.Logging == nil || svc.Logging.Options["max-size"] == "" || svc.Logging.Options["max-file"] == "" {
				t.Errorf("service %s: no log rotation (logging %+v)", name, svc.Logging)
			}
		}
	})
	t.Run("MemoryLimits", func(t *testing.T) {
		s := merged(t)
		for _, name := range monitoringServices {
			if s.Services[name].Deploy.Resources.Limits.Memory == "" {
				t.Errorf("service %s: no memory limit", name)
			}
		}
	})
	t.Run("GlobalServices", func(t *testing.T) {
		s := merged(t)
		for _, name := range []string{"node-exporter", "alloy"} {
			if mode := s.Services[name].Deploy.Mode; mode != "global" {
				t.Errorf("service %s runs in mode %q, want global (one per node)", name, mode)
			}
		}
	})
	t.Run("RetentionFlags", func(t *testing.T) {
		s := merged(t)
		for _, flag := range []string{"--storage.tsdb.retention.time=", "--storage.tsdb.retention.size="} {
			found := false
			for _, arg := range s.Services["prometheus"].Command {
				if strings.HasPrefix(arg, flag) && len(arg) > len(flag) {
					found = true
				}
			}
			if !found {
				t.Errorf("prometheus lacks %s (command %q)", flag, s.Services["prometheus"].Command)
			}
		}
	})
	// monitoring.yml repeats minitwit.yml's networks so it validates alone;
	// the later file wins in a merge, so any difference would change them.
	t.Run("NetworksUnchanged", func(t *testing.T) {
		app := monStackConfig(t, "stack/minitwit.yml")
		m := merged(t)
		if len(app.Networks) == 0 {
			t.Fatal("stack/minitwit.yml declares no networks")
		}
		got := map[string]any{}
		for name := range app.Networks {
			got[name] = m.Networks[name]
		}
		if diff := cmp.Diff(app.Networks, got); diff != "" {
			t.Errorf("networks of stack/minitwit.yml after merging monitoring.yml (-alone +merged):\n%s", diff)
		}
	})
}

func monSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func monSorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
