package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// monLog is one service's captured log.
type monLog struct {
	Service string // the value of its lines' "service" field
	Path    string
}

// monitoringLogs scans the services' logs after the traffic. The services
// are stopped first so every line is written.
func monitoringLogs(t *testing.T, live *Shared[*monStack]) {
	var logs map[string]monLog // by binary
	stopped := false
	get := func(t *testing.T) map[string]monLog {
		t.Helper()
		s := live.Get(t)
		if !stopped {
			for _, svc := range []*Service{s.AIO, s.Split.Web, s.Split.API, s.Split.Follower} {
				if err := svc.Stop(syscall.SIGTERM, 15*time.Second); err != nil {
					t.Logf("%s did not stop cleanly: %v", svc.Name, err)
				}
			}
			stopped = true
			logs = map[string]monLog{
				"minitwit": {"minitwit", s.AIO.LogPath},
				"web":      {"web", s.Split.Web.LogPath},
				"api":      {"api", s.Split.API.LogPath},
				"follower": {"follower", s.Split.Follower.LogPath},
			}
		}
		return logs
	}

	t.Run("NoSecrets", func(t *testing.T) {
		logs := get(t)
		s := live.Get(t)
		secrets := map[string]string{
			"user password":       s.Secrets.UserPassword,
			"user password core":  s.Secrets.PasswordCore,
			"DB password":         s.Secrets.DBPassword,
			"session key":         s.Secrets.SessionKey,
			"Authorization value": strings.TrimPrefix(s.Secrets.Authorization, "Basic "),
			"simulator password":  s.Secrets.SimulatorPassword,
		}
		// The scan means something only with the cookies the sign-ins got.
		if len(s.Traffic.Cookies) == 0 {
			t.Fatal("no session cookie to look for: the web sign-ins set none")
		}
		i := 0
		for c := range s.Traffic.Cookies {
			i++
			secrets[fmt.Sprintf("cookie %d", i)] = c
		}
		for _, l := range logs {
			b, err := os.ReadFile(l.Path)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 {
				t.Errorf("%s is empty", l.Path)
			}
			for what, secret := range secrets {
				if strings.Contains(string(b), secret) {
					t.Errorf("the %s log holds the %s", l.Service, what)
				}
			}
		}
		t.Logf("%d secrets looked for in %d logs", len(secrets), len(logs))
	})
	t.Run("AccessLinesCaptured", func(t *testing.T) {
		logs := get(t)
		for bin, route := range map[string]string{"minitwit": "/login", "web": "/register", "api": "/msgs/:username"} {
			if len(monLogLines(t, logs[bin].Path, func(l map[string]any) bool { return l["route"] == route })) == 0 {
				t.Errorf("the %s log has no access line for route %s", bin, route)
			}
		}
	})
	t.Run("Fields", func(t *testing.T) {
		logs := get(t)
		for _, l := range logs {
			access := monLogLines(t, l.Path, func(line map[string]any) bool { return line["route"] != nil })
			if len(access) == 0 {
				t.Errorf("the %s log has no access lines", l.Service)
			}
			for _, line := range access {
				var missing []string
				for _, k := range []string{"time", "level", "service", "request_id", "method", "route", "status", "duration_ms"} {
					if v, ok := line[k]; !ok || v == "" {
						missing = append(missing, k)
					}
				}
				if len(missing) > 0 || line["service"] != l.Service {
					t.Errorf("%s access line lacks %v or names another service: %v", l.Service, missing, line)
					break
				}
			}
		}
	})
	t.Run("RequestIDAcrossServices", func(t *testing.T) {
		logs := get(t)
		id := live.Get(t).RequestIDSplit
		for _, bin := range []string{"web", "follower"} {
			if len(monLogLines(t, logs[bin].Path, func(l map[string]any) bool { return l["request_id"] == id })) == 0 {
				t.Errorf("request id %s (a web follow through the gateway) is not in the %s log", id, bin)
			}
		}
	})
	t.Run("RequestIDAllInOne", func(t *testing.T) {
		logs := get(t)
		id := live.Get(t).RequestIDAIO
		if len(monLogLines(t, logs["minitwit"].Path, func(l map[string]any) bool { return l["request_id"] == id })) == 0 {
			t.Errorf("request id %s (a web follow on the all-in-one) is not in its log", id)
		}
	})
}

// monLogLines decodes a JSON-lines log (a line that is not JSON fails the
// test) and returns the lines keep accepts.
func monLogLines(t *testing.T, path string, keep func(map[string]any) bool) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%s:%d is not a JSON log line (%v): %s", path, n, err, sc.Text())
		}
		if keep(line) {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
