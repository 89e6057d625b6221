package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// monitoringStatic checks the monitoring files with the real tools, without
// running anything.
func monitoringStatic(t *testing.T, promqlcheck string) {
	t.Run("ShellcheckStartScript", func(t *testing.T) {
		NeedTool(t, "shellcheck", "shellcheck")
		RunCmd(t, nil, "shellcheck", "-x", monDir("alertmanager", "start.sh"))
	})
	// go vet and the unit tests of promqlcheck run in scripts/test.sh.
	t.Run("PromqlcheckGofmt", func(t *testing.T) {
		if out := RunCmd(t, nil, "gofmt", "-l", repoPath("services", "tools", "promqlcheck")); out != "" {
			t.Errorf("not gofmt-formatted:\n%s", out)
		}
	})
	t.Run("PromtoolConfig", func(t *testing.T) {
		NeedTool(t, "promtool", "prometheus")
		RunCmd(t, nil, "promtool", "check", "config", monDir("prometheus", "prometheus.yml"))
	})
	t.Run("PromtoolRules", func(t *testing.T) {
		NeedTool(t, "promtool", "prometheus")
		RunCmd(t, nil, append([]string{"promtool", "check", "rules"}, monRuleFiles(t)...)...)
	})
	t.Run("PromtoolTestRules", func(t *testing.T) {
		NeedTool(t, "promtool", "prometheus")
		tests, _ := filepath.Glob(monDir("prometheus", "tests", "*.test.yml"))
		if len(tests) != len(monRuleFiles(t)) {
			t.Errorf("%d rule test files for %d rule files", len(tests), len(monRuleFiles(t)))
		}
		RunCmd(t, nil, append([]string{"promtool", "test", "rules"}, tests...)...)
	})
	t.Run("AlertTestCoverage", func(t *testing.T) {
		out := RunCmd(t, nil, promqlcheck, "coverage",
			"-rules", monDir("prometheus", "rules", "*.rules.yml"),
			"-tests", monDir("prometheus", "tests", "*.test.yml"))
		// One "ok" line per alert: none was skipped.
		if got, want := monCountLines(out, "ok "), len(monAlertExprs(t)); got != want {
			t.Errorf("coverage reported %d alerts tested firing and quiet, the rules have %d:\n%s", got, want, out)
		}
	})
	t.Run("Alertmanager", monitoringAlertmanagerStatic)
	t.Run("BlackboxConfig", func(t *testing.T) {
		NeedTool(t, "prometheus-blackbox-exporter", "prometheus-blackbox-exporter")
		RunCmd(t, nil, "prometheus-blackbox-exporter", "--config.check",
			"--config.file="+monDir("blackbox", "blackbox.yml"))
	})
	t.Run("Stack", monitoringStackStatic)
	t.Run("Loki", monitoringLokiStatic)
	t.Run("Alloy", monitoringAlloyStatic)
	t.Run("Dashboards", monitoringDashboardsStatic)
}

// monCountLines counts the lines of out that start with prefix.
func monCountLines(out, prefix string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

// monRenderAlertmanager runs start.sh as the container does, with "true" in
// place of Alertmanager, and returns its output and error.
func monRenderAlertmanager(urlFile, out string) (string, error) {
	return TryCmd([]string{
		"ALERTMANAGER_TEMPLATE=" + monDir("alertmanager", "alertmanager.yml"),
		"WEBHOOK_URL_FILE=" + urlFile,
		"ALERTMANAGER_CONFIG=" + out,
		"ALERTMANAGER_BIN=true",
	}, "sh", monDir("alertmanager", "start.sh"))
}

// monitoringAlertmanagerStatic checks the configuration start.sh renders,
// with a URL holding the characters sed and YAML care about.
func monitoringAlertmanagerStatic(t *testing.T) {
	const hookURL = "http://127.0.0.1:1/hook?a=1&b=x|y"
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "webhook-url")
	if err := os.WriteFile(urlFile, []byte(hookURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rendered := filepath.Join(dir, "alertmanager.yml")
	// The checks below read the rendered file; RendersWebhookURL says why it is missing.
	renderOut, renderErr := monRenderAlertmanager(urlFile, rendered)
	needRendered := func(t *testing.T) {
		t.Helper()
		if renderErr != nil {
			t.Fatalf("start.sh failed: %v\n%s", renderErr, renderOut)
		}
	}

	t.Run("RendersWebhookURL", func(t *testing.T) {
		needRendered(t)
		var c monAMConfig
		monReadYAML(t, rendered, &c)
		var urls []string
		for _, r := range c.Receivers {
			for _, w := range r.WebhookConfigs {
				urls = append(urls, r.Name+" "+w.URL)
			}
		}
		if diff := cmp.Diff([]string{"webhook " + hookURL}, urls); diff != "" {
			t.Errorf("webhook receivers of the rendered config (-want +got):\n%s", diff)
		}
		if fi, err := os.Stat(rendered); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("rendered config (it holds the secret URL) has mode %v", fi.Mode().Perm())
		}
	})
	t.Run("CheckConfig", func(t *testing.T) {
		needRendered(t)
		NeedTool(t, "amtool", "prometheus-alertmanager")
		RunCmd(t, nil, "amtool", "check-config", rendered)
	})
	t.Run("CriticalRoutesToWebhook", func(t *testing.T) {
		needRendered(t)
		NeedTool(t, "amtool", "prometheus-alertmanager")
		out := RunCmd(t, nil, "amtool", "config", "routes", "test", "--config.file="+rendered,
			"--verify.receivers=webhook", "severity=critical", "alertname=X")
		// The receivers are the last line (a warning about flags may come first).
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if got := lines[len(lines)-1]; got != "webhook" {
			t.Errorf("a critical alert is routed to %q, want webhook", got)
		}
	})
	t.Run("RefusesNonURLSecret", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad-url")
		if err := os.WriteFile(bad, []byte("not a url\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		monRefused(t, bad)
	})
	t.Run("RefusesMissingSecret", func(t *testing.T) {
		monRefused(t, filepath.Join(t.TempDir(), "none"))
	})
}

// monRefused runs start.sh with urlFile and expects it to fail without
// writing a configuration.
func monRefused(t *testing.T, urlFile string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "alertmanager.yml")
	msg, err := monRenderAlertmanager(urlFile, out)
	if err == nil {
		t.Fatalf("start.sh accepted %s:\n%s", urlFile, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("start.sh failed but wrote %s", out)
	}
	if !strings.Contains(msg, "start.sh:") {
		t.Errorf("start.sh failed without saying why: %q", msg)
	}
}
