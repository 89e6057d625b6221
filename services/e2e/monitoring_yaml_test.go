package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/goccy/go-yaml"
)

// The parts of the monitoring YAML files the checks read. Only what a
// check looks at is declared; the tools themselves (promtool, amtool, ...)
// validate the rest.

// monRuleFile is a Prometheus rule file.
type monRuleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// monAMConfig is Alertmanager's configuration.
type monAMConfig struct {
	Receivers []struct {
		Name           string `yaml:"name"`
		WebhookConfigs []struct {
			URL          string `yaml:"url"`
			SendResolved bool   `yaml:"send_resolved"`
		} `yaml:"webhook_configs"`
	} `yaml:"receivers"`
}

// monLokiConfig holds the Loki settings docs/monitoring.md promises.
type monLokiConfig struct {
	LimitsConfig struct {
		RetentionPeriod        string `yaml:"retention_period"`
		MaxLabelNamesPerSeries *int   `yaml:"max_label_names_per_series"`
	} `yaml:"limits_config"`
	Compactor struct {
		RetentionEnabled bool `yaml:"retention_enabled"`
	} `yaml:"compactor"`
	QueryRange struct {
		ResultsCache struct {
			Cache struct {
				EmbeddedCache monLokiCache `yaml:"embedded_cache"`
			} `yaml:"cache"`
		} `yaml:"results_cache"`
	} `yaml:"query_range"`
	ChunkStoreConfig struct {
		ChunkCacheConfig struct {
			EmbeddedCache monLokiCache `yaml:"embedded_cache"`
		} `yaml:"chunk_cache_config"`
	} `yaml:"chunk_store_config"`
}

type monLokiCache struct {
	Enabled   bool `yaml:"enabled"`
	MaxSizeMB *int `yaml:"max_size_mb"`
}

// monDatasources is Grafana's datasource provisioning file.
type monDatasources struct {
	Datasources []struct {
		Name string `yaml:"name"`
		UID  string `yaml:"uid"`
		Type string `yaml:"type"`
	} `yaml:"datasources"`
}

// monStackFile is the output of `docker stack config`.
type monStackFile struct {
	Services map[string]monStackService `yaml:"services"`
	Networks map[string]any             `yaml:"networks"`
	Configs  map[string]struct {
		Name string `yaml:"name"`
		File string `yaml:"file"`
	} `yaml:"configs"`
}

type monStackService struct {
	Command []string `yaml:"command"`
	Logging *struct {
		Driver  string            `yaml:"driver"`
		Options map[string]string `yaml:"options"`
	} `yaml:"logging"`
	Deploy struct {
		Mode      string `yaml:"mode"`
		Resources struct {
			Limits struct {
				CPUs   string `yaml:"cpus"`
				Memory string `yaml:"memory"`
			} `yaml:"limits"`
		} `yaml:"resources"`
	} `yaml:"deploy"`
}

// monReadYAML decodes a YAML file into v, failing the test on any error.
func monReadYAML(t testing.TB, path string, v any, opts ...yaml.DecodeOption) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalWithOptions(b, v, opts...); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// monRuleFiles are the production rule files.
func monRuleFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(monDir("prometheus", "rules", "*.rules.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in %s (%v)", monDir("prometheus", "rules"), err)
	}
	return files
}

// monAlertExprs maps every alert of the rule files to its expression.
func monAlertExprs(t testing.TB) map[string]string {
	t.Helper()
	exprs := map[string]string{}
	for _, f := range monRuleFiles(t) {
		var rf monRuleFile
		monReadYAML(t, f, &rf)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					exprs[r.Alert] = r.Expr
				}
			}
		}
	}
	return exprs
}

// monRuleNames lists every alerting and recording rule of the rule files, monSorted.
func monRuleNames(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, f := range monRuleFiles(t) {
		var rf monRuleFile
		monReadYAML(t, f, &rf)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				names = append(names, r.Alert+r.Record)
			}
		}
	}
	sort.Strings(names)
	return names
}
