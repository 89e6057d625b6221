package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// containerSecurity is what the kernel and Docker say about one running
// container's main process.
type containerSecurity struct {
	NonRoot      bool
	ReadOnlyRoot bool
	CapDropAll   bool
	NoCaps       bool // effective capability set empty
	NoNewPrivs   bool
}

// swarmHardening checks every running container of the stack's own images:
// non-root, read-only root file system, all capabilities dropped and no new
// privileges, as the kernel reports them for the container's process.
func swarmHardening(t *testing.T, s *localSwarm) {
	want := containerSecurity{NonRoot: true, ReadOnlyRoot: true, CapDropAll: true, NoCaps: true, NoNewPrivs: true}
	for svc := range appServices {
		for _, id := range s.containers(t, svc) {
			got := s.security(t, id)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s container %.12s (-want +got):\n%s", svc, id, d)
			}
		}
	}
}

func (s *localSwarm) security(t *testing.T, id string) containerSecurity {
	t.Helper()
	var sec containerSecurity
	f := strings.Fields(s.docker(t, "inspect", "-f", "{{.State.Pid}} {{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.CapDrop}}", id))
	if len(f) != 3 {
		t.Fatalf("docker inspect %s: %q", id, f)
	}
	sec.ReadOnlyRoot = f[1] == "true"
	sec.CapDropAll = f[2] == `["ALL"]`
	status, err := os.ReadFile("/proc/" + f[0] + "/status")
	if err != nil {
		t.Fatalf("container %.12s: %v", id, err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Uid":
			ids := strings.Fields(v)
			sec.NonRoot = len(ids) == 4 && !contains(ids, "0")
		case "CapEff":
			sec.NoCaps = strings.Trim(v, "0") == ""
		case "NoNewPrivs":
			sec.NoNewPrivs = v == "1"
		}
	}
	return sec
}

func contains(l []string, x string) bool {
	for _, e := range l {
		if e == x {
			return true
		}
	}
	return false
}
