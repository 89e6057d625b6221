package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// gwStackFile is the part of a `docker stack config` rendering the checks
// read. Numbers that compose writes as strings are yamlNumber.
type gwStackFile struct {
	Services map[string]gwStackService `yaml:"services"`
	Networks map[string]struct {
		Driver   string `yaml:"driver"`
		Internal bool   `yaml:"internal"`
	} `yaml:"networks"`
	Secrets map[string]struct {
		External bool `yaml:"external"`
	} `yaml:"secrets"`
}

type gwStackService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Networks    map[string]any    `yaml:"networks"`
	Ports       []struct {
		Mode      string       `yaml:"mode"`
		Published gwYAMLNumber `yaml:"published"`
	} `yaml:"ports"`
	Volumes []struct {
		Type   string `yaml:"type"`
		Source string `yaml:"source"`
	} `yaml:"volumes"`
	Logging struct {
		Driver  string            `yaml:"driver"`
		Options map[string]string `yaml:"options"`
	} `yaml:"logging"`
	Deploy struct {
		Mode     string        `yaml:"mode"`
		Replicas *gwYAMLNumber `yaml:"replicas"`
		Update   *struct {
			Parallelism   gwYAMLNumber `yaml:"parallelism"`
			Order         string       `yaml:"order"`
			FailureAction string       `yaml:"failure_action"`
			Monitor       string       `yaml:"monitor"`
		} `yaml:"update_config"`
		Resources struct {
			Limits struct {
				CPUs   string `yaml:"cpus"`
				Memory string `yaml:"memory"`
			} `yaml:"limits"`
		} `yaml:"resources"`
		RestartPolicy struct {
			Condition string `yaml:"condition"`
		} `yaml:"restart_policy"`
		Placement struct {
			Constraints []string `yaml:"constraints"`
		} `yaml:"placement"`
	} `yaml:"deploy"`
}

// gwYAMLNumber reads 2 and "2" alike.
type gwYAMLNumber int

func (n *gwYAMLNumber) UnmarshalYAML(b []byte) error {
	v, err := strconv.Atoi(strings.Trim(strings.TrimSpace(string(b)), `"'`))
	*n = gwYAMLNumber(v)
	return err
}

func (s gwStackService) networkNames() []string {
	var names []string
	for n := range s.Networks {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// gwStackConfig renders stack files with `docker stack config` as deploy.sh
// does, with DOMAIN=minitwit.test and the given environment (TAG unset
// unless env sets it).
func gwStackConfig(t *testing.T, env []string, files ...string) (gwStackFile, string, error) {
	t.Helper()
	docker := NeedTool(t, "docker", "docker.io")
	argv := []string{docker, "stack", "config"}
	for _, f := range files {
		argv = append(argv, "-c", repoPath(f))
	}
	out, stderr, err := gwRunSplit(append([]string{"DOMAIN=minitwit.test"}, env...), argv...)
	if err != nil {
		return gwStackFile{}, out + stderr, err
	}
	var st gwStackFile
	if err == nil {
		if err := yaml.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("docker stack config printed no stack: %v\n%s", err, out)
		}
	}
	return st, out, err
}

// testGatewayStack: the stack files validate, and the stack has the
// properties the deployment relies on.
func testGatewayStack(t *testing.T) {
	tag := []string{"TAG=t-123"}
	st, out, err := gwStackConfig(t, tag, "stack/minitwit.yml")
	if err != nil {
		t.Fatalf("docker stack config -c stack/minitwit.yml: %v\n%s", err, out)
	}
	app := []string{"web", "api", "follower"}

	t.Run("RefusesMissingTag", func(t *testing.T) {
		if _, out, err := gwStackConfig(t, nil, "stack/minitwit.yml"); err == nil {
			t.Errorf("docker stack config accepted a missing TAG:\n%s", out)
		} else if !strings.Contains(out, "set TAG to the image tag") {
			t.Errorf("refused for another reason than the missing TAG:\n%s", out)
		}
		if _, out, err := gwStackConfig(t, []string{"TAG="}, "stack/minitwit.yml"); err == nil {
			t.Errorf("docker stack config accepted an empty TAG:\n%s", out)
		}
	})
	t.Run("LogRotation", func(t *testing.T) {
		for name, s := range st.Services {
			if s.Logging.Driver != "json-file" || s.Logging.Options["max-size"] == "" || s.Logging.Options["max-file"] == "" {
				t.Errorf("%s: logging %+v, want json-file with max-size and max-file", name, s.Logging)
			}
		}
	})
	t.Run("LimitsAndRestart", func(t *testing.T) {
		for name, s := range st.Services {
			if s.Deploy.Resources.Limits.CPUs == "" || s.Deploy.Resources.Limits.Memory == "" || s.Deploy.RestartPolicy.Condition == "" {
				t.Errorf("%s: limits %+v, restart policy %q: want CPU and memory limits and a restart policy",
					name, s.Deploy.Resources.Limits, s.Deploy.RestartPolicy.Condition)
			}
		}
	})
	t.Run("AppRollout", func(t *testing.T) {
		type rollout struct {
			TwoOrMore     bool
			Parallelism   int
			Order         string
			FailureAction string
			Monitored     bool
		}
		want := rollout{TwoOrMore: true, Parallelism: 1, Order: "start-first", FailureAction: "rollback", Monitored: true}
		for _, name := range app {
			s := st.Services[name]
			var got rollout
			got.TwoOrMore = s.Deploy.Replicas != nil && *s.Deploy.Replicas >= 2
			if u := s.Deploy.Update; u != nil {
				got.Parallelism, got.Order, got.FailureAction, got.Monitored = int(u.Parallelism), u.Order, u.FailureAction, u.Monitor != ""
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s rollout (-want +got):\n%s", name, d)
			}
		}
	})
	t.Run("ImagesTagged", func(t *testing.T) {
		for _, name := range []string{"gateway", "web", "api", "follower", "migrate"} {
			if img := st.Services[name].Image; !strings.HasSuffix(img, ":t-123") {
				t.Errorf("%s image %q is not tagged with TAG", name, img)
			}
		}
	})
	t.Run("GatewayEdge", func(t *testing.T) {
		gw := st.Services["gateway"]
		var host []int
		for _, p := range gw.Ports {
			if p.Mode == "host" {
				host = append(host, int(p.Published))
			}
		}
		slices.Sort(host)
		if d := cmp.Diff([]int{80, 443}, host); d != "" {
			t.Errorf("gateway's host-mode ports (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"edge"}, gw.networkNames()); d != "" {
			t.Errorf("gateway's networks (-want +got):\n%s", d)
		}
	})
	t.Run("BackendOnly", func(t *testing.T) {
		for _, name := range []string{"follower", "postgres"} {
			if d := cmp.Diff([]string{"backend"}, st.Services[name].networkNames()); d != "" {
				t.Errorf("%s's networks (-want +got):\n%s", name, d)
			}
		}
	})
	t.Run("Postgres", func(t *testing.T) {
		pg := st.Services["postgres"]
		if pg.Deploy.Replicas == nil || *pg.Deploy.Replicas != 1 {
			t.Errorf("postgres replicas %v, want 1", pg.Deploy.Replicas)
		}
		if len(pg.Ports) != 0 {
			t.Errorf("postgres publishes ports: %+v", pg.Ports)
		}
		var named []string
		for _, v := range pg.Volumes {
			if v.Type == "volume" {
				named = append(named, v.Source)
			}
		}
		if d := cmp.Diff([]string{"pgdata"}, named); d != "" {
			t.Errorf("postgres named volumes (-want +got):\n%s", d)
		}
		if !slices.ContainsFunc(pg.Deploy.Placement.Constraints, func(c string) bool { return strings.Contains(c, "node.labels") }) {
			t.Errorf("postgres placement %q: want a node label constraint", pg.Deploy.Placement.Constraints)
		}
		if pg.Deploy.Update == nil || pg.Deploy.Update.Order != "stop-first" {
			t.Errorf("postgres update_config %+v: want stop-first", pg.Deploy.Update)
		}
	})
	t.Run("MigrateJob", func(t *testing.T) {
		m := st.Services["migrate"]
		type job struct {
			Mode, Restart string
			Command       []string
		}
		want := job{Mode: "replicated-job", Restart: "on-failure", Command: []string{"migrate", "up"}}
		if d := cmp.Diff(want, job{m.Deploy.Mode, m.Deploy.RestartPolicy.Condition, m.Command}); d != "" {
			t.Errorf("migrate (-want +got):\n%s", d)
		}
	})
	t.Run("SecretsExternalAsFiles", func(t *testing.T) {
		if len(st.Secrets) == 0 {
			t.Error("no secrets")
		}
		for name, s := range st.Secrets {
			if !s.External {
				t.Errorf("secret %s is not external", name)
			}
		}
		for _, c := range []struct{ svc, env string }{
			{"web", "SESSION_KEY_FILE"}, {"api", "SIMULATOR_PASSWORD_FILE"}, {"web", "DATABASE_PASSWORD_FILE"},
		} {
			if st.Services[c.svc].Environment[c.env] == "" {
				t.Errorf("%s has no %s", c.svc, c.env)
			}
		}
	})
	t.Run("Networks", func(t *testing.T) { gwCheckNetworks(t, st) })

	// deploy.sh passes minitwit.yml, monitoring.yml and backup.yml (those
	// that exist, in that order); the merged stack must validate and keep
	// backend internal.
	var files []string
	for _, f := range []string{"minitwit", "monitoring", "backup"} {
		if _, err := os.Stat(repoPath("stack", f+".yml")); err == nil {
			files = append(files, "stack/"+f+".yml")
		}
	}
	t.Run("DeployDryRun", func(t *testing.T) {
		// deploy.sh refuses to run without ACCEPTED_IPS and without the
		// database TLS secrets' version (gateway_deploysafety_test.go).
		env := []string{"DOMAIN=minitwit.test", "MINITWIT_ENV=/nonexistent", "ACCEPTED_IPS=203.0.113.0/24", "DB_TLS_VERSION=e2e"}
		stdout, stderr, err := gwRunSplit(env, repoPath("scripts", "deploy.sh"), "--dry-run", "t-123")
		if err != nil {
			t.Fatalf("deploy.sh --dry-run: %v\n%s", err, stderr)
		}
		want := "docker stack deploy --with-registry-auth --detach=true -c " + strings.Join(files, " -c ") + " minitwit\n"
		if d := cmp.Diff(want, stdout); d != "" {
			t.Errorf("deploy.sh --dry-run output (-want +got):\n%s", d)
		}
	})
	t.Run("Merged", func(t *testing.T) {
		merged, out, err := gwStackConfig(t, append(tag, "MONITORING_CONFIG_VERSION=e2e"), files...)
		if err != nil {
			t.Fatalf("docker stack config %v: %v\n%s", files, err, out)
		}
		gwCheckNetworks(t, merged)
	})
}

func gwCheckNetworks(t *testing.T, st gwStackFile) {
	t.Helper()
	type network struct {
		Driver   string
		Internal bool
	}
	got := map[string]network{}
	for _, n := range []string{"edge", "backend"} {
		got[n] = network(st.Networks[n])
	}
	want := map[string]network{"edge": {Driver: "overlay"}, "backend": {Driver: "overlay", Internal: true}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("networks (-want +got):\n%s", d)
	}
}

// gwRunSplit runs a command with the test's environment (without TAG) plus
// env, and returns its standard output and error apart.
func gwRunSplit(env []string, argv ...string) (string, string, error) {
	var stdout, stderr strings.Builder
	c := exec.Command(argv[0], argv[1:]...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TAG=") {
			c.Env = append(c.Env, kv)
		}
	}
	c.Env = append(c.Env, env...)
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	if err != nil {
		err = fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return stdout.String(), stderr.String(), err
}
