package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// alertNames lists the alerts defined in the rule files.
func alertNames(ruleFiles []string) ([]string, error) {
	var names []string
	for _, path := range ruleFiles {
		doc, err := readRules(path)
		if err != nil {
			return nil, err
		}
		for _, g := range doc.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					names = append(names, r.Alert)
				}
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// checkCoverage fails unless every alert has at least one promtool test case
// expecting it to fire and one expecting it to stay quiet.
func checkCoverage(rulesGlob, testsGlob string) (int, error) {
	ruleFiles, _ := filepath.Glob(rulesGlob)
	testFiles, _ := filepath.Glob(testsGlob)
	if len(ruleFiles) == 0 || len(testFiles) == 0 {
		return 0, fmt.Errorf("no rule files (%q) or no test files (%q)", rulesGlob, testsGlob)
	}
	alerts, err := alertNames(ruleFiles)
	if err != nil {
		return 0, err
	}
	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, f := range testFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var doc struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string `yaml:"alertname"`
					ExpAlerts []any  `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		for _, t := range doc.Tests {
			for _, a := range t.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					quiet[a.Alertname] = true
				}
			}
		}
	}
	failures := 0
	for _, a := range alerts {
		switch {
		case !firing[a]:
			failures++
			fmt.Printf("FAIL %s: no promtool test expects it to fire\n", a)
		case !quiet[a]:
			failures++
			fmt.Printf("FAIL %s: no promtool test expects it to stay quiet\n", a)
		default:
			fmt.Printf("ok   %s: tested firing and quiet\n", a)
		}
	}
	return failures, nil
}
