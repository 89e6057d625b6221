package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// swarmMonitoring checks Prometheus from stack/monitoring.yml on the swarm:
// it discovers every web, api and follower replica through tasks.<service>
// (one target per replica, all up), loads every rule file, and an alert
// fires (in Prometheus and in Alertmanager) when a service is scaled to 0.
func swarmMonitoring(t *testing.T, s *localSwarm) {
	prom := fmt.Sprintf("http://127.0.0.1:%d", s.promPort)
	am := fmt.Sprintf("http://127.0.0.1:%d", s.amPort)
	c := &http.Client{Timeout: 10 * time.Second}

	want := map[string]int{"web": 2, "api": 2, "follower": 2}
	Eventually(t, 2*time.Minute, "Prometheus scrapes every replica, all up", func() error {
		var res struct {
			Data struct {
				ActiveTargets []struct {
					Labels map[string]string `json:"labels"`
					Health string            `json:"health"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		if err := getJSON(c, prom+"/api/v1/targets?state=active", &res); err != nil {
			return err
		}
		got := map[string]int{}
		for _, tg := range res.Data.ActiveTargets {
			if _, ok := want[tg.Labels["job"]]; ok && tg.Health == "up" {
				got[tg.Labels["job"]]++
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			return fmt.Errorf("up targets per job (-want +got):\n%s", d)
		}
		return nil
	})

	var rules struct {
		Data struct {
			Groups []struct {
				File string `json:"file"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := getJSON(c, prom+"/api/v1/rules", &rules); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(repoPath("stack", "monitoring", "prometheus", "rules", "*.rules.yml"))
	var wantFiles, gotFiles []string
	for _, f := range files {
		wantFiles = append(wantFiles, filepath.Base(f))
	}
	seen := map[string]bool{}
	for _, g := range rules.Data.Groups {
		if b := filepath.Base(g.File); !seen[b] {
			seen[b] = true
			gotFiles = append(gotFiles, b)
		}
	}
	sort.Strings(gotFiles)
	if d := cmp.Diff(wantFiles, gotFiles); d != "" {
		t.Errorf("rule files Prometheus loaded (-want +got):\n%s", d)
	}

	start := time.Now()
	s.docker(t, "service", "scale", "--detach", s.stack+"_follower=0")
	t.Cleanup(func() { _, _ = s.tryDocker("service", "scale", "--detach", s.stack+"_follower=2") })
	Eventually(t, 4*time.Minute, "MiniTwitServiceDown fires for the follower and reaches Alertmanager", func() error {
		var pa struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		if err := getJSON(c, prom+"/api/v1/alerts", &pa); err != nil {
			return err
		}
		firing := false
		for _, a := range pa.Data.Alerts {
			if a.Labels["alertname"] == "MiniTwitServiceDown" && a.Labels["job"] == "follower" && a.State == "firing" {
				firing = true
			}
		}
		if !firing {
			return fmt.Errorf("not firing in Prometheus: %+v", pa.Data.Alerts)
		}
		var aa []struct {
			Labels map[string]string `json:"labels"`
		}
		if err := getJSON(c, am+"/api/v2/alerts", &aa); err != nil {
			return err
		}
		for _, a := range aa {
			if a.Labels["alertname"] == "MiniTwitServiceDown" && a.Labels["job"] == "follower" {
				return nil
			}
		}
		return fmt.Errorf("Alertmanager has not received it: %+v", aa)
	})
	t.Logf("MiniTwitServiceDown fired %s after the follower was scaled to 0", time.Since(start).Round(time.Second))
	s.docker(t, "service", "scale", "--detach", s.stack+"_follower=2")
	s.waitHealthy(t, 2*time.Minute)

	// What else of stack/monitoring.yml runs here (Grafana, Alloy, Loki and
	// node-exporter cannot: docs/deployment.md) runs its task.
	for _, svc := range []string{"alertmanager", "postgres-exporter", "nginx-exporter", "blackbox-exporter"} {
		rep := s.docker(t, "service", "ls", "--filter", "name="+s.stack+"_"+svc, "--format", "{{.Replicas}}")
		t.Logf("monitoring: %s replicas %s", svc, rep)
		if rep == "" || rep[0] == '0' {
			t.Errorf("monitoring service %s runs no task: %q", svc, rep)
		}
	}
}

func getJSON(c *http.Client, url string, v any) error {
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
