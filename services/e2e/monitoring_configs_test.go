package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// monitoringLokiStatic checks the Loki settings docs/monitoring.md
// promises: 14 days of retention, few labels, bounded caches. Loki has no
// Debian package, so its configuration is not run here.
func monitoringLokiStatic(t *testing.T) {
	var c monLokiConfig
	monReadYAML(t, monDir("loki", "loki.yml"), &c)
	if c.LimitsConfig.RetentionPeriod != "336h" {
		t.Errorf("limits_config.retention_period is %q, want 336h", c.LimitsConfig.RetentionPeriod)
	}
	if !c.Compactor.RetentionEnabled {
		t.Error("compactor.retention_enabled is off: retention_period would not delete anything")
	}
	if n := c.LimitsConfig.MaxLabelNamesPerSeries; n == nil || *n > 5 {
		t.Errorf("limits_config.max_label_names_per_series is %v, want at most 5", monIntOrUnset(n))
	}
	for name, cache := range map[string]monLokiCache{
		"query_range.results_cache.cache.embedded_cache":       c.QueryRange.ResultsCache.Cache.EmbeddedCache,
		"chunk_store_config.chunk_cache_config.embedded_cache": c.ChunkStoreConfig.ChunkCacheConfig.EmbeddedCache,
	} {
		if cache.MaxSizeMB == nil || *cache.MaxSizeMB > 128 {
			t.Errorf("%s.max_size_mb is %v, want at most 128", name, monIntOrUnset(cache.MaxSizeMB))
		}
	}
}

func monIntOrUnset(p *int) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// monitoringAlloyStatic checks the contract between Alloy's configuration
// and the rules: the counter ErrorLogBurst reads and the two labels it and
// the dashboards use. Alloy has no Debian package; its configuration is not
// run here.
func monitoringAlloyStatic(t *testing.T) {
	b, err := os.ReadFile(monDir("alloy", "config.alloy"))
	if err != nil {
		t.Fatal(err)
	}
	alloy := string(b)
	for what, re := range map[string]string{
		"a counter named log_lines_total (exported as loki_process_custom_log_lines_total)": `name\s*=\s*"log_lines_total"`,
		"a relabel rule setting the service label":                                          `target_label\s*=\s*"service"`,
		"the level label taken from the JSON line":                                          `values\s*=\s*\{\s*level\s*=\s*""\s*\}`,
	} {
		if !regexp.MustCompile(re).MatchString(alloy) {
			t.Errorf("config.alloy lacks %s (/%s/)", what, re)
		}
	}
	expr, ok := monAlertExprs(t)["ErrorLogBurst"]
	if !ok {
		t.Fatal("no ErrorLogBurst alert in the rules")
	}
	for _, want := range []string{"loki_process_custom_log_lines_total", "by (service)", "level=~"} {
		if !strings.Contains(expr, want) {
			t.Errorf("ErrorLogBurst does not use %q: %s", want, expr)
		}
	}
}
