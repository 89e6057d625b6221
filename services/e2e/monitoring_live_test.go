package e2e

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// monitoringLive checks the running system through Prometheus' and
// Alertmanager's HTTP APIs. The follower is stopped by the last checks.
func monitoringLive(t *testing.T, live *Shared[*monStack], promqlcheck string) {
	t.Run("TrafficAnswers", func(t *testing.T) {
		s := live.Get(t)
		if diff := cmp.Diff(s.Traffic.Want, s.Traffic.Got); diff != "" {
			t.Errorf("answers to the generated traffic (-want +got):\n%s", diff)
		}
	})
	t.Run("GatewayAPI", func(t *testing.T) {
		s := live.Get(t)
		monCheckGatewayTLS(t, s.Gateway)
		var tr monTraffic
		tr.apiCall(s.Gateway.URL+"/api", s.Secrets.Authorization, "GET", "/latest", nil, 200)
		if diff := cmp.Diff(tr.Want, tr.Got); diff != "" {
			t.Errorf("the API through the TLS gateway (-want +got):\n%s", diff)
		}
	})
	t.Run("WebSessionCookie", func(t *testing.T) {
		s := live.Get(t)
		if len(s.Traffic.Cookies) == 0 {
			t.Error("web sign-up and sign-in set no cookie")
		}
	})
	t.Run("EveryTargetUp", func(t *testing.T) {
		s := live.Get(t)
		targets, err := s.Prom.targets()
		if err != nil {
			t.Fatal(err)
		}
		var jobs []string
		for _, tg := range targets {
			jobs = append(jobs, tg.Labels["job"])
			if tg.Health != "up" {
				t.Errorf("target %s %s is %s: %s", tg.Labels["job"], tg.ScrapeURL, tg.Health, tg.LastError)
			}
		}
		want := []string{"alertmanager", "api", "blackbox", "follower", "gateway", "minitwit", "node", "postgres", "prometheus", "web"}
		if diff := cmp.Diff(want, monSorted(jobs)); diff != "" {
			t.Errorf("scraped jobs (-want +got):\n%s", diff)
		}
	})
	t.Run("BlackboxProbe", func(t *testing.T) {
		s := live.Get(t)
		series, err := s.Prom.query(`probe_success{job="blackbox"} == 1 and probe_ssl_earliest_cert_expiry - time() > 29 * 86400`)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{s.Gateway.URL + "/public"}, monLabelValues(series, "instance")); diff != "" {
			t.Errorf("successful HTTPS probes that read the 30-day certificate (-want +got):\n%s", diff)
		}
	})
	t.Run("AlertmanagerDiscovered", func(t *testing.T) {
		s := live.Get(t)
		if n, err := s.Prom.count(`prometheus_notifications_alertmanagers_discovered == 1`); err != nil || n != 1 {
			t.Errorf("Prometheus does not know exactly one Alertmanager: %d series, %v", n, err)
		}
	})
	t.Run("RulesLoaded", func(t *testing.T) {
		s := live.Get(t)
		groups, err := s.Prom.rules()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range groups {
			for _, r := range g.Rules {
				names = append(names, r.Name)
				if r.Health == "err" {
					t.Errorf("rule %s fails to evaluate: %s", r.Name, r.LastError)
				}
			}
		}
		if diff := cmp.Diff(monRuleNames(t), monSorted(names)); diff != "" {
			t.Errorf("rules Prometheus loaded (-files +loaded):\n%s", diff)
		}
	})
	t.Run("EveryExpressionEvaluates", func(t *testing.T) {
		s := live.Get(t)
		out, err := TryCmd(nil, promqlcheck, "query", "-prometheus", s.Prom.base,
			"-rules", monDir("prometheus", "rules", "*.rules.yml"),
			"-dashboards", monDir("grafana", "dashboards", "*.json"),
			"-exclude", "loki_process_custom_log_lines_total=counted by Grafana Alloy, which has no Debian package and is not run here")
		if err != nil {
			t.Fatalf("promqlcheck query: %v\n%s", err, out)
		}
		// Empty answers are fine (no 5xx, no alert condition), but worth seeing.
		var withData int
		var notable []string
		for _, line := range strings.Split(out, "\n") {
			switch {
			case strings.HasSuffix(line, ": 0 series"), strings.HasPrefix(line, "EXCLUDED"),
				strings.HasPrefix(line, "NOT EVALUATED"), strings.Contains(line, "checked"):
				notable = append(notable, line)
			case strings.HasPrefix(line, "ok "):
				withData++
			}
		}
		t.Logf("%d expressions returned data now; excluded, not evaluated and empty ones:\n%s",
			withData, strings.Join(notable, "\n"))
	})
	monitoringAlertConditions(t, live)
	t.Run("AlertDelivered", func(t *testing.T) {
		s := live.Get(t)
		Eventually(t, 120*time.Second, "Alertmanager delivering "+monDeliveryAlert+" to the webhook", func() error {
			msgs := s.Hook.messages()
			for _, m := range msgs {
				for _, a := range m.Alerts {
					if a.Labels["alertname"] == monDeliveryAlert {
						if m.Receiver != "webhook" || a.Labels["severity"] != "critical" || a.Status != "firing" {
							t.Fatalf("delivered to receiver %q as %+v", m.Receiver, a)
						}
						return nil
					}
				}
			}
			return fmt.Errorf("%d webhook messages, none with %s", len(msgs), monDeliveryAlert)
		})
	})
}

// monitoringAlertConditions evaluates the alert conditions (without their
// "for", which the promtool tests cover) on the real series.
func monitoringAlertConditions(t *testing.T, live *Shared[*monStack]) {
	exprs := monAlertExprs(t)
	expr := func(t *testing.T, name string) string {
		t.Helper()
		e, ok := exprs[name]
		if !ok {
			t.Fatalf("no alert %s in the rules", name)
		}
		return e
	}
	// Healthy, these stay quiet.
	for _, name := range []string{"MiniTwitServiceDown", "MiniTwitTargetDown", "MiniTwitHigh5xxRatio",
		"PostgresDown", "PostgresConnectionsNearLimit", "GatewayDown", "GatewayProbeFailing",
		"GatewayCertificateExpiring"} {
		t.Run("AlertQuiet/"+name, func(t *testing.T) {
			s := live.Get(t)
			series, err := s.Prom.query(expr(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(series) != 0 {
				t.Errorf("%s's condition holds: %v", name, series)
			}
		})
	}
	// firing waits until the alert's condition yields exactly the series
	// whose values of label are want.
	firing := func(t *testing.T, s *monStack, name, label string, want []string) {
		t.Helper()
		e := expr(t, name)
		Eventually(t, 60*time.Second, name+" condition", func() error {
			series, err := s.Prom.query(e)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, monLabelValues(series, label)); diff != "" {
				return fmt.Errorf("series' %s labels (-want +got):\n%s", label, diff)
			}
			return nil
		})
	}
	t.Run("AlertFires/SimulatorAPIErrors", func(t *testing.T) {
		// 3 answers 403 and one 404 in each round of API calls; one series, no labels.
		firing(t, live.Get(t), "SimulatorAPIErrors", "job", []string{""})
	})
	t.Run("AlertFires/LogShippingDown", func(t *testing.T) {
		// No Alloy and no Loki run here: exactly what the alert is for.
		firing(t, live.Get(t), "LogShippingDown", "job", []string{"alloy", "loki"})
	})
	// A replica stops: its target goes down and, being the only one, the service.
	t.Run("AlertFires/TargetDown", func(t *testing.T) {
		s := live.Get(t)
		s.stopFollower(t)
		firing(t, s, "MiniTwitTargetDown", "job", []string{"follower"})
	})
	t.Run("AlertFires/ServiceDown", func(t *testing.T) {
		s := live.Get(t)
		s.stopFollower(t)
		firing(t, s, "MiniTwitServiceDown", "job", []string{"follower"})
	})
}

func (s *monStack) stopFollower(t *testing.T) {
	t.Helper()
	if err := s.Split.Follower.Stop(syscall.SIGTERM, 15*time.Second); err != nil {
		t.Errorf("follower did not stop cleanly on SIGTERM: %v", err)
	}
}

// monCheckGatewayTLS completes a TLS handshake with the gateway and checks
// it serves the test's certificate.
func monCheckGatewayTLS(t *testing.T, g *monGateway) {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "https://")
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", host,
		&tls.Config{ServerName: "gateway", RootCAs: g.Cert.Pool})
	if err != nil {
		t.Fatalf("TLS handshake with the gateway, verified against its certificate: %v", err)
	}
	defer conn.Close()
	if peer := conn.ConnectionState().PeerCertificates; len(peer) == 0 || !peer[0].Equal(g.Cert.Cert) {
		t.Error("the gateway does not serve the test's certificate")
	}
}
