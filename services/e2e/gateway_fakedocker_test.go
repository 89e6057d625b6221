package e2e

// A STAND-IN FOR THE DOCKER CLI, not Docker. The deploy/rollback checks
// (gateway_deploy_test.go) run scripts/deploy.sh and scripts/rollback.sh
// with a "docker" on PATH that is a symlink to this test binary; TestMain's
// run() sees fakeDockerEnv and calls fakeDocker instead of running tests.
// It keeps each service's image, update status and tasks in a JSON file,
// answers exactly the commands deploy.sh issues, and rolls "web" back itself
// when the tag in fakeFailTagEnv is deployed, as Swarm's failure_action
// does. `docker stack config` goes to the real CLI. What the checks test is
// the scripts' control flow, not Swarm (the Swarm suite uses real Docker).

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// fakeDockerEnv names the stand-in's state directory; set, the test
	// binary acts as docker.
	fakeDockerEnv = "MINITWIT_E2E_FAKE_DOCKER"
	// realDockerEnv is the real CLI, for `docker stack config`.
	realDockerEnv = "MINITWIT_E2E_REAL_DOCKER"
	// fakeFailTagEnv: deploying this tag makes the web update "roll back".
	fakeFailTagEnv = "FAKE_DOCKER_FAIL_TAG"
	// fakeMigrateFailEnv=1: the migrate job's tasks fail.
	fakeMigrateFailEnv = "FAKE_DOCKER_MIGRATE_FAIL"
)

// fakeService is what the stand-in remembers of one Swarm service.
type fakeService struct {
	Image     string `json:"image"`
	Prev      string `json:"prev,omitempty"`
	Iter      int    `json:"iter"`
	TaskState string `json:"task_state"`
	State     string `json:"state,omitempty"` // UpdateStatus.State
	Started   string `json:"started,omitempty"`
	Message   string `json:"message,omitempty"`
}

type fakeSwarmState map[string]*fakeService

func fakeStatePath(dir string) string { return filepath.Join(dir, "swarm.json") }

// fakeCallsPath holds one line per call: "TAG=<tag> docker <args>".
func fakeCallsPath(dir string) string { return filepath.Join(dir, "calls") }

func loadFakeState(dir string) (fakeSwarmState, error) {
	st := fakeSwarmState{}
	b, err := os.ReadFile(fakeStatePath(dir))
	if os.IsNotExist(err) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	return st, json.Unmarshal(b, &st)
}

func saveFakeState(dir string, st fakeSwarmState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := fakeStatePath(dir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, fakeStatePath(dir))
}

// fakeDocker runs one docker command against the state in dir and returns
// the exit status.
func fakeDocker(dir string, args []string) int {
	f, err := os.OpenFile(fakeCallsPath(dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		fmt.Fprintf(f, "TAG=%s docker %s\n", os.Getenv("TAG"), strings.Join(args, " "))
		f.Close()
	}
	if len(args) >= 2 && args[0] == "stack" && args[1] == "config" {
		cmd := exec.Command(os.Getenv(realDockerEnv), args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, "fake docker:", err)
			return 1
		}
		return 0
	}
	st, err := loadFakeState(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake docker:", err)
		return 2
	}
	code := fakeDockerCommand(st, args, os.Stdout, os.Stderr)
	if err := saveFakeState(dir, st); err != nil {
		fmt.Fprintln(os.Stderr, "fake docker:", err)
		return 2
	}
	return code
}

func fakeDockerCommand(st fakeSwarmState, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintf(stderr, "fake docker: unexpected: %q\n", args)
		return 2
	}
	last := args[len(args)-1]
	switch args[0] + " " + args[1] {
	case "info --format":
		fmt.Fprintln(stdout, "true")
	case "stack deploy":
		fakeStackDeploy(st, last)
	case "secret inspect", "secret create":
		return fakeSecret(st, args, stderr)
	case "service inspect":
		return fakeServiceInspect(st, args, stdout, stderr)
	case "service update":
		svc := st.get(last)
		if i := slices.Index(args, "--image"); i >= 0 && i+1 < len(args) {
			svc.Image = args[i+1]
		}
		svc.Iter++
		svc.TaskState = "complete"
		if os.Getenv(fakeMigrateFailEnv) == "1" {
			svc.TaskState = "failed"
		}
	case "service ps":
		svc := st.peek(last)
		switch {
		case slices.Contains(args, "-q"):
			// Tasks of the current iteration; a failing job has retried.
			n := 1
			if svc.TaskState == "failed" {
				n = 4
			}
			for k := 1; k <= n; k++ {
				fmt.Fprintf(stdout, "%s.%d.%d\n", last, svc.Iter, k)
			}
		case strings.Contains(strings.Join(args, " "), "desired-state=running") && !strings.HasSuffix(last, "_migrate"):
			for range fakeReplicas(last) {
				fmt.Fprintf(stdout, "%s|Running 3 seconds ago\n", svc.Image)
			}
		}
	case "inspect --type":
		// A task id is SERVICE.ITERATION.N.
		parts := strings.SplitN(last, ".", 3)
		if len(parts) < 2 {
			fmt.Fprintf(stderr, "fake docker: bad task id %s\n", last)
			return 1
		}
		fmt.Fprintf(stdout, "%s %s\n", parts[1], st.peek(parts[0]).TaskState)
	case "service ls":
		var name string
		for _, a := range args {
			if s, ok := strings.CutPrefix(a, "id=id-"); ok {
				name = s
			}
		}
		n := fakeReplicas(name)
		fmt.Fprintf(stdout, "%d/%d\n", n, n)
	case "stack services":
		names := make([]string, 0, len(st))
		for name := range st {
			if strings.HasPrefix(name, last+"_") {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
	default:
		fmt.Fprintf(stderr, "fake docker: unexpected: %s\n", strings.Join(args, " "))
		return 2
	}
	return 0
}

// get returns the named service, creating an empty record if needed.
func (st fakeSwarmState) get(name string) *fakeService {
	if st[name] == nil {
		st[name] = &fakeService{}
	}
	return st[name]
}

// peek returns the named service or an empty one, creating nothing.
func (st fakeSwarmState) peek(name string) fakeService {
	if s := st[name]; s != nil {
		return *s
	}
	return fakeService{}
}

func fakeReplicas(service string) int {
	if strings.HasSuffix(service, "_gateway") || strings.HasSuffix(service, "_postgres") {
		return 1
	}
	return 2
}

// fakeStackDeploy updates every service whose image changes, as
// `docker stack deploy` does, with the web service rolling itself back when
// the tag is the one meant to fail.
func fakeStackDeploy(st fakeSwarmState, stack string) {
	tag, registry := os.Getenv("TAG"), os.Getenv("REGISTRY")
	if registry == "" {
		registry = "minitwit"
	}
	for _, s := range []string{"gateway", "web", "api", "follower", "migrate", "postgres"} {
		name := stack + "_" + s
		var img string
		switch s {
		case "postgres":
			img = "postgres:15-bookworm"
		case "migrate":
			img = registry + "/minitwit-follower:" + tag
		default:
			img = registry + "/minitwit-" + s + ":" + tag
		}
		svc, existed := st[name]
		if existed && svc.Image == img {
			continue
		}
		if !existed {
			st[name] = &fakeService{Image: img, Iter: 1, TaskState: "complete"}
			continue
		}
		svc.Prev = svc.Image
		svc.Iter++
		svc.TaskState = "complete"
		if s == "web" && tag == os.Getenv(fakeFailTagEnv) {
			svc.Prev = img
			svc.State = "rollback_completed"
			svc.Message = "update rolled back due to failure or early termination of task"
		} else {
			svc.Image = img
			svc.State = "completed"
		}
		svc.Started = strconv.FormatInt(time.Now().UnixNano(), 10)
	}
}

func fakeServiceInspect(st fakeSwarmState, args []string, stdout, stderr io.Writer) int {
	if len(args) < 3 {
		fmt.Fprintln(stderr, "fake docker: service inspect needs a name")
		return 2
	}
	if args[2] != "-f" {
		if st[args[2]] == nil {
			fmt.Fprintf(stderr, "Error: no such service: %s\n", args[2])
			return 1
		}
		fmt.Fprintln(stdout, "[]")
		return 0
	}
	if len(args) < 5 {
		fmt.Fprintln(stderr, "fake docker: service inspect -f TEMPLATE NAME")
		return 2
	}
	tmpl, name := args[3], args[4]
	svc := st[name]
	if svc == nil {
		fmt.Fprintf(stderr, "Error: no such service: %s\n", name)
		return 1
	}
	switch {
	case strings.Contains(tmpl, ".UpdateStatus.State}}|"):
		fmt.Fprintf(stdout, "%s|%s|%s\n", svc.State, svc.Started, svc.Image)
	case strings.HasSuffix(tmpl, ".UpdateStatus.StartedAt}}{{end}}"):
		fmt.Fprintln(stdout, svc.Started)
	case strings.HasSuffix(tmpl, ".UpdateStatus.Message}}"):
		fmt.Fprintln(stdout, svc.Message)
	case strings.HasSuffix(tmpl, ".Spec.TaskTemplate.ContainerSpec.Image}}"):
		fmt.Fprintln(stdout, svc.Image)
	case strings.Contains(tmpl, "ReplicatedJob"):
		if strings.HasSuffix(name, "_migrate") {
			fmt.Fprintln(stdout, "job")
		} else {
			fmt.Fprintln(stdout, "service")
		}
	case strings.Contains(tmpl, "JobIteration.Index"):
		fmt.Fprintln(stdout, svc.Iter)
	case strings.Contains(tmpl, "MaxAttempts"):
		fmt.Fprintln(stdout, 3)
	case tmpl == "{{.ID}}":
		fmt.Fprintln(stdout, "id-"+name)
	default:
		fmt.Fprintf(stderr, "fake docker: unknown template %s\n", tmpl)
		return 2
	}
	return 0
}
