package e2e

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeSecret is the stand-in docker CLI's `secret inspect NAME` and
// `secret create NAME FILE|-`: the secrets live in the stand-in Swarm's
// state under "secret NAME" (no service name has a space).
func fakeSecret(st fakeSwarmState, args []string, stderr io.Writer) int {
	if len(args) < 3 {
		fmt.Fprintf(stderr, "fake docker: %s needs a name\n", strings.Join(args, " "))
		return 2
	}
	name := args[2]
	_, exists := st["secret "+name]
	switch args[1] {
	case "inspect":
		if !exists {
			fmt.Fprintf(stderr, "Error: no such secret: %s\n", name)
			return 1
		}
	case "create":
		if exists {
			fmt.Fprintf(stderr, "Error response from daemon: secret %s already exists\n", name)
			return 1
		}
		st["secret "+name] = &fakeService{Image: "secret"}
	}
	return 0
}

// dsWithout is env without the settings of key.
func dsWithout(env []string, key string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
}

// testGatewayDeploySafety: deploy.sh refuses to deploy a stack whose
// gateway would let every client use /api/ unless ALLOW_ANY_CLIENT=1 says
// so, refuses a stack without database TLS certificates, and creates the
// database TLS and follower token secrets it needs, once.
func testGatewayDeploySafety(t *testing.T) {
	t.Run("AcceptedIPs", func(t *testing.T) {
		for _, c := range []struct {
			name    string
			env     []string // added to the fake swarm's, whose ACCEPTED_IPS is removed
			refused bool
		}{
			{"Unset", nil, true},
			{"Empty", []string{"ACCEPTED_IPS="}, true},
			{"Blank", []string{"ACCEPTED_IPS= , "}, true},
			{"Star", []string{"ACCEPTED_IPS=*"}, true},
			{"StarInList", []string{"ACCEPTED_IPS=10.0.0.0/8, *"}, true},
			{"StarNotReallyAllowed", []string{"ACCEPTED_IPS=*", "ALLOW_ANY_CLIENT=yes"}, true},
			{"StarAllowed", []string{"ACCEPTED_IPS=*", "ALLOW_ANY_CLIENT=1"}, false},
			{"Listed", []string{"ACCEPTED_IPS=203.0.113.7, 10.0.0.0/8"}, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := newFakeSwarm(t)
				f.env = append(dsWithout(f.env, "ACCEPTED_IPS"), c.env...)
				out, err := f.run(nil, "deploy.sh", "v1")
				calls := f.calls(t)
				if !c.refused {
					if err != nil {
						t.Fatalf("deploy.sh v1: %v\n%s", err, out)
					}
					if d := gwCallsMatching(calls, "stack deploy"); len(d) != 1 {
						t.Errorf("want one stack deploy, got %q", d)
					}
					return
				}
				if err == nil {
					t.Fatalf("deploy.sh v1 with %q exited 0, want a refusal\n%s", c.env, out)
				}
				if !strings.Contains(out, "ACCEPTED_IPS") || !strings.Contains(out, "ALLOW_ANY_CLIENT=1") {
					t.Errorf("the refusal does not name ACCEPTED_IPS and ALLOW_ANY_CLIENT=1:\n%s", out)
				}
				if len(calls) != 0 {
					t.Errorf("a refused deploy still ran docker:\n%s", strings.Join(calls, "\n"))
				}
			})
		}
	})

	t.Run("Secrets", func(t *testing.T) {
		f := newFakeSwarm(t)
		tlsDir := ""
		for _, kv := range f.env {
			if v, ok := strings.CutPrefix(kv, "DB_TLS_DIR="); ok {
				tlsDir = v
			}
		}
		created := func(calls []string) []string {
			var names []string
			for _, c := range gwCallsMatching(calls, "docker secret create ") {
				names = append(names, strings.Fields(c)[4])
			}
			return names
		}
		deploy := func(tag string) []string {
			t.Helper()
			before := len(f.calls(t))
			if out, err := f.run(nil, "deploy.sh", tag); err != nil {
				t.Fatalf("deploy.sh %s: %v\n%s", tag, err, out)
			}
			calls := f.calls(t)[before:]
			// Every secret exists before the stack that names it is deployed.
			dep := slices.IndexFunc(calls, func(c string) bool { return strings.Contains(c, "stack deploy") })
			for i, c := range calls {
				if strings.Contains(c, "secret create") && i > dep {
					t.Errorf("secret created after docker stack deploy: %s", c)
				}
			}
			return created(calls)
		}
		first := deploy("v1")
		if len(first) != 4 || first[3] != "minitwit_follower_token" {
			t.Fatalf("first deploy created secrets %q, want the three database TLS ones and minitwit_follower_token", first)
		}
		version := strings.TrimPrefix(first[0], "minitwit_db_ca_")
		want := []string{"minitwit_db_ca_" + version, "minitwit_db_server_cert_" + version, "minitwit_db_server_key_" + version, "minitwit_follower_token"}
		if d := cmp.Diff(want, first); d != "" || len(version) != 12 {
			t.Errorf("created secrets (-want +got), one content version:\n%s", d)
		}
		if again := deploy("v2"); len(again) != 0 {
			t.Errorf("a second deploy created %q again", again)
		}
		// A renewed server certificate is a new set of secrets; the
		// follower token stays.
		RunCmd(t, nil, repoPath("scripts", "db-tls.sh"), "--renew", tlsDir)
		renewed := deploy("v3")
		if len(renewed) != 3 || slices.Contains(renewed, "minitwit_follower_token") || slices.Contains(renewed, first[0]) {
			t.Errorf("after db-tls.sh --renew: created %q, want three database TLS secrets of a new version", renewed)
		}
	})

	t.Run("NoDatabaseTLS", func(t *testing.T) {
		f := newFakeSwarm(t)
		f.env = append(dsWithout(f.env, "DB_TLS_DIR"), "DB_TLS_DIR="+t.TempDir())
		out, err := f.run(nil, "deploy.sh", "v1")
		if err == nil {
			t.Fatalf("deploy.sh without database certificates exited 0\n%s", out)
		}
		if !strings.Contains(out, "scripts/db-tls.sh") {
			t.Errorf("the refusal does not point at scripts/db-tls.sh:\n%s", out)
		}
		if calls := f.calls(t); len(calls) != 0 {
			t.Errorf("a refused deploy still ran docker:\n%s", strings.Join(calls, "\n"))
		}
	})
}
