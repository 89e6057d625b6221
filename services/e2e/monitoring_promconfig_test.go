package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/goccy/go-yaml"
)

// monPromConfig is prometheus.yml. It is decoded strictly: a setting added
// to the production file that this type does not know fails the test
// instead of silently vanishing from the configuration the test runs.
type monPromConfig struct {
	Global struct {
		ScrapeInterval     string            `yaml:"scrape_interval"`
		ScrapeTimeout      string            `yaml:"scrape_timeout"`
		EvaluationInterval string            `yaml:"evaluation_interval"`
		ExternalLabels     map[string]string `yaml:"external_labels,omitempty"`
	} `yaml:"global"`
	RuleFiles []string `yaml:"rule_files"`
	Alerting  struct {
		Alertmanagers []monPromTargets `yaml:"alertmanagers"`
	} `yaml:"alerting"`
	ScrapeConfigs []monScrapeConfig `yaml:"scrape_configs"`
}

type monPromTargets struct {
	DNSSDConfigs  []monDNSSD  `yaml:"dns_sd_configs,omitempty"`
	StaticConfigs []monStatic `yaml:"static_configs,omitempty"`
}

type monDNSSD struct {
	Names []string `yaml:"names"`
	Type  string   `yaml:"type"`
	Port  int      `yaml:"port"`
}

type monStatic struct {
	Targets []string `yaml:"targets"`
}

type monScrapeConfig struct {
	JobName        string              `yaml:"job_name"`
	MetricsPath    string              `yaml:"metrics_path,omitempty"`
	Params         map[string][]string `yaml:"params,omitempty"`
	DNSSDConfigs   []monDNSSD          `yaml:"dns_sd_configs,omitempty"`
	StaticConfigs  []monStatic         `yaml:"static_configs,omitempty"`
	RelabelConfigs []monRelabel        `yaml:"relabel_configs,omitempty"`
}

type monRelabel struct {
	SourceLabels []string `yaml:"source_labels,omitempty"`
	Separator    string   `yaml:"separator,omitempty"`
	Regex        string   `yaml:"regex,omitempty"`
	TargetLabel  string   `yaml:"target_label,omitempty"`
	Replacement  string   `yaml:"replacement,omitempty"`
	Action       string   `yaml:"action,omitempty"`
}

// monNotRun are the jobs of prometheus.yml whose programs have no Debian
// package (docs/monitoring.md); LogShippingDown is expected to see them absent.
var monNotRun = map[string]bool{"alloy": true, "loki": true}

// monWritePromConfig writes the production prometheus.yml with the same
// jobs, relabelling and rules, Swarm DNS discovery replaced by the loopback
// addresses in targets (job -> host:port), fast intervals, the blackbox job
// probing probeURL through blackbox, and the all-in-one binary (which the
// stack does not deploy) as one more job.
func monWritePromConfig(t testing.TB, path string, targets map[string]string, probeURL, blackbox, alertmanager string) {
	t.Helper()
	var c monPromConfig
	monReadYAML(t, monDir("prometheus", "prometheus.yml"), &c, yaml.DisallowUnknownField())
	c.Global.ScrapeInterval, c.Global.EvaluationInterval, c.Global.ScrapeTimeout = "2s", "2s", "2s"
	c.RuleFiles = []string{monDir("prometheus", "rules", "*.rules.yml")}
	c.Alerting.Alertmanagers = []monPromTargets{{StaticConfigs: []monStatic{{Targets: []string{alertmanager}}}}}
	var jobs []monScrapeConfig
	for _, j := range c.ScrapeConfigs {
		switch {
		case monNotRun[j.JobName]:
			continue
		case j.JobName == "blackbox":
			j.StaticConfigs = []monStatic{{Targets: []string{probeURL}}}
			replaced := false
			for i, r := range j.RelabelConfigs {
				if r.TargetLabel == "__address__" {
					j.RelabelConfigs[i].Replacement, replaced = blackbox, true
				}
			}
			if !replaced {
				t.Fatal("prometheus.yml: the blackbox job does not set __address__ to the exporter")
			}
		default:
			addr, ok := targets[j.JobName]
			if !ok {
				t.Fatalf("prometheus.yml has a job %q the test does not run: add it to the test or to monNotRun", j.JobName)
			}
			j.DNSSDConfigs = nil
			j.StaticConfigs = []monStatic{{Targets: []string{addr}}}
		}
		jobs = append(jobs, j)
	}
	jobs = append(jobs, monScrapeConfig{JobName: "minitwit", StaticConfigs: []monStatic{{Targets: []string{targets["minitwit"]}}}})
	c.ScrapeConfigs = jobs
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func monAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
