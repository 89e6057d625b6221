package e2e

import (
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// gatewaySmokeActions is the smoke test's replay length here: as in the
// staging workflow, short.
const gatewaySmokeActions = 200

// gatewaySmoke runs the deploy gate (the smoke command of the staging and
// production workflows) against the live gateway, as CI runs it against
// staging: it must pass on the working system, and fail, naming the broken
// checks, when the simulator password is wrong, when the certificate is
// not trusted, and when the gateway cannot reach the api. That last case
// makes the gateway answer 503, so TestGateway runs this after the checks
// that read the whole access log.
func gatewaySmoke(t *testing.T, g *Gateway) {
	smoke := func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		argv := append([]string{"-base", g.HTTPSURL(), "-replay-timeout", replayTimeout, "-timeout", "30s"}, args...)
		cmd := exec.Command(bin("smoke"), argv...)
		cmd.Env = append(cmd.Environ(), "SMOKE_SIM_PASSWORD=super_safe!")
		out, err := cmd.CombinedOutput()
		code := 0
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("smoke: %v\n%s", err, out)
			}
			code = ee.ExitCode()
		}
		return string(out), code
	}
	ca := g.Cert.CertFile

	t.Run("Passes", func(t *testing.T) {
		out, code := smoke(t, "-ca", ca, "-replay-actions", fmt.Sprint(gatewaySmokeActions))
		if code != 0 || !strings.Contains(out, "\nPASS: ") || smokeFailed(out) != nil {
			t.Fatalf("smoke against the working system: exit %d\n%s", code, out)
		}
		t.Logf("smoke against the working system:\n%s", out)
		// A second run registers its own users and passes again, as on every
		// push to main against the same staging database.
		if out, code := smoke(t, "-ca", ca, "-replay-actions", "20"); code != 0 {
			t.Fatalf("second run: exit %d\n%s", code, out)
		}
	})
	t.Run("LatestOff", func(t *testing.T) {
		// Production's form: no replay and latest left alone.
		before := g.get(t, g.HTTPSURL()+"/api/latest")
		out, code := smoke(t, "-ca", ca, "-replay-actions", "0", "-latest=false")
		after := g.get(t, g.HTTPSURL()+"/api/latest")
		if code != 0 || before.Body != after.Body {
			t.Fatalf("exit %d, /api/latest %q before and %q after\n%s", code, before.Body, after.Body, out)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		out, code := smoke(t, "-ca", ca, "-sim-password", "not-the-password", "-replay-actions", "20")
		if code != 1 || !strings.Contains(out, "\nFAIL: ") {
			t.Fatalf("exit %d, want 1\n%s", code, out)
		}
		for _, name := range []string{"tweet", "replay of 20 simulator actions"} {
			if !slices.Contains(smokeFailed(out), name) {
				t.Errorf("check %q did not fail\n%s", name, out)
			}
		}
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		out, code := smoke(t, "-replay-actions", "0", "-wait", "0s")
		if code != 1 || !strings.Contains(out, "certificate") || !slices.Contains(smokeFailed(out), "gateway /healthz") {
			t.Fatalf("exit %d, want 1 with certificate errors\n%s", code, out)
		}
	})
	t.Run("APIUnreachable", func(t *testing.T) {
		// The gateway's api upstream points at a port nobody listens on,
		// as when every api task is down; the processes keep running.
		pool := g.pools["api"]
		g.pools["api"] = []*Service{{Name: "api", Port: FreePort(t)}}
		g.applyGateway(t)
		defer func() {
			g.pools["api"] = pool
			g.applyGateway(t)
		}()
		out, code := smoke(t, "-ca", ca, "-replay-actions", "20", "-wait", "0s")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, out)
		}
		failed := smokeFailed(out)
		for _, name := range []string{"api /healthz via /api/healthz", "api readiness via /api/readyz", "register two new users"} {
			if !slices.Contains(failed, name) {
				t.Errorf("check %q did not fail\n%s", name, out)
			}
		}
		if slices.Contains(failed, "gateway /healthz") || slices.Contains(failed, "web readiness via /readyz") {
			t.Errorf("the gateway's and web's checks failed too\n%s", out)
		}
	})
}

// smokeFailLine is the line the smoke command prints for a failed check.
var smokeFailLine = regexp.MustCompile(`(?m)^FAIL (.+?) \([0-9.]+[a-zµ]+\): `)

func smokeFailed(out string) []string {
	var names []string
	for _, m := range smokeFailLine.FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	return names
}
