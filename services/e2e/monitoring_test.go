package e2e

import (
	"path/filepath"
	"testing"
)

// monDir is the monitoring configuration the Swarm stack deploys.
func monDir(parts ...string) string {
	return repoPath(append([]string{"stack", "monitoring"}, parts...)...)
}

// TestMonitoring checks MiniTwit's monitoring (docs/monitoring.md):
//
//   - Static: promtool, amtool, the blackbox exporter and docker stack config
//     on the files in stack/monitoring, every alert unit-tested firing and
//     quiet, Alertmanager's start.sh, Loki and Alloy settings the rules rely
//     on, the Grafana dashboards.
//   - Live: MiniTwit all-in-one and split on PostgreSQL behind NGINX with TLS,
//     the real exporters, Alertmanager (rendered by start.sh) delivering to a
//     local webhook and Prometheus with the production rules; after traffic,
//     every target is up, every PromQL expression of the rules and dashboards
//     evaluates, and the alert conditions hold on the real series.
//   - Logs: the captured service logs hold none of the secrets used, carry
//     the fields the dashboards query, and one request id crosses services.
//
// The live setup is started by the first Live or Logs check that needs it,
// so `-run 'Monitoring/Static'` starts nothing.
func TestMonitoring(t *testing.T) {
	promqlcheck := monBuildPromqlcheck(t)

	t.Run("Static", func(t *testing.T) { monitoringStatic(t, promqlcheck) })

	live := &Shared[*monStack]{Parent: t, Start: monStart}
	t.Run("Live", func(t *testing.T) { monitoringLive(t, live, promqlcheck) })
	t.Run("Logs", func(t *testing.T) { monitoringLogs(t, live) })
}

// monBuildPromqlcheck builds services/tools/promqlcheck, a module outside the
// workspace (its Prometheus dependencies stay out of the services' go.mod).
func monBuildPromqlcheck(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "promqlcheck")
	monRunIn(t, repoPath("services", "tools", "promqlcheck"), []string{"GOWORK=off"},
		"go", "build", "-o", out, ".")
	return out
}
