package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gatewayRequestID is the form of an id NGINX makes ($request_id).
var gatewayRequestID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// gwServiceLogHas reports whether a service process logged a request line
// with this request id.
func gwServiceLogHas(s *Service, id string) (bool, error) {
	f, err := os.Open(s.LogPath)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var line struct {
			RequestID string `json:"request_id"`
			Msg       string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.RequestID == id {
			return true, nil
		}
	}
	return false, sc.Err()
}

// gwServiceLines are the log lines of a service's processes that mention
// a request id, for failure messages.
func gwServiceLines(g *Gateway, service, id string) []string {
	var out []string
	for _, s := range g.Services(service) {
		for _, line := range strings.Split(s.Log(), "\n") {
			if id != "" && strings.Contains(line, id) {
				out = append(out, line)
			}
		}
	}
	return out
}

// gwLoggedBy waits until one of a service's processes logged the request id.
func gwLoggedBy(t *testing.T, g *Gateway, service, id string) {
	t.Helper()
	Eventually(t, 10*time.Second, service+" logging request "+id, func() error {
		for _, s := range g.Services(service) {
			if ok, err := gwServiceLogHas(s, id); ok || err != nil {
				return err
			}
		}
		return fmt.Errorf("no %s process logged it", service)
	})
}

// gwAccessFor waits for the gateway's access-log line of a request id.
func gwAccessFor(t *testing.T, g *Gateway, id string) gatewayAccess {
	t.Helper()
	var found gatewayAccess
	Eventually(t, 10*time.Second, "the gateway logging request "+id, func() error {
		for _, a := range g.AccessLog(t) {
			if a.RequestID == id {
				found = a
				return nil
			}
		}
		return fmt.Errorf("not in %s", g.AccessLogPath())
	})
	return found
}

// testGatewayRequestID: one request id crosses the gateway and the service
// and is logged by both.
func testGatewayRequestID(t *testing.T, g *Gateway) {
	t.Run("ClientIDKept", func(t *testing.T) {
		const id = "gw-test-0042"
		if got := g.get(t, g.HTTPSURL()+"/api/latest", "X-Request-ID: "+id).Header.Get("X-Request-ID"); got != id {
			t.Errorf("answered X-Request-ID %q, want %q", got, id)
		}
		gwLoggedBy(t, g, "api", id)
		gwAccessFor(t, g, id)
	})
	t.Run("GeneratedIDSharedWithService", func(t *testing.T) {
		id := g.get(t, g.HTTPSURL()+"/public").Header.Get("X-Request-ID")
		if !gatewayRequestID.MatchString(id) {
			t.Fatalf("X-Request-ID %q is not one the gateway makes", id)
		}
		a := gwAccessFor(t, g, id)
		if a.UpstreamTime == nil {
			t.Fatalf("access log line of %s has no upstream_time", id)
		}
		if _, err := strconv.ParseFloat(*a.UpstreamTime, 64); err != nil {
			t.Errorf("upstream_time %q of %s: the request did not reach a service", *a.UpstreamTime, id)
		}
		gwLoggedBy(t, g, "web", id)
	})
	t.Run("MalformedIDReplaced", func(t *testing.T) {
		got := g.get(t, g.HTTPSURL()+"/api/latest", `X-Request-ID: bad id "with" quotes`).Header.Get("X-Request-ID")
		if !gatewayRequestID.MatchString(got) {
			t.Errorf("a malformed X-Request-ID came back as %q, want a new one", got)
		}
	})
}

// testGatewayAccessLog: every line of the gateway's access log is JSON with
// the fields the log pipeline relies on.
func testGatewayAccessLog(t *testing.T, g *Gateway) {
	for range 5 {
		g.get(t, g.HTTPSURL()+"/public")
		g.get(t, g.HTTPSURL()+"/api/latest")
	}
	lines := g.AccessLog(t)
	if len(lines) < 10 {
		t.Fatalf("%d access log lines after 10 requests", len(lines))
	}
	bad := 0
	for i, a := range lines {
		var rt float64
		if a.RequestID == "" || a.StatusCode() < 100 || json.Unmarshal(a.RequestTime, &rt) != nil || a.UpstreamTime == nil {
			if bad++; bad <= 5 {
				t.Errorf("line %d lacks request_id, a numeric status or request_time, or upstream_time: %+v", i+1, a)
			}
		}
	}
	t.Logf("%d access log lines checked", len(lines))
}
