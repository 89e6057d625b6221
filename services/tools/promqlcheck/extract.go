package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// query is one PromQL expression and where it was found.
type query struct {
	Source string // file and rule or panel title
	Expr   string // as written, Grafana variables not yet substituted
}

// ruleFile is the part of a Prometheus rule file the checks read.
type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// readRules parses one rule file.
func readRules(path string) (ruleFile, error) {
	var f ruleFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ruleQueries reads the expr of every alerting and recording rule.
func ruleQueries(path string) ([]query, error) {
	f, err := readRules(path)
	if err != nil {
		return nil, err
	}
	var qs []query
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			qs = append(qs, query{Source: filepath.Base(path) + ": " + r.Alert + r.Record, Expr: r.Expr})
		}
	}
	return qs, nil
}

var labelValues = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)

// dashboardQueries reads every Prometheus expression of a Grafana dashboard:
// panel targets (rows' nested panels included) and query variables, whose
// label_values(selector, label) is checked as the selector. Loki queries
// are returned apart: no LogQL engine runs in the test.
func dashboardQueries(path, promUID string) (prom []query, other []query, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	type target struct {
		Expr       string `json:"expr"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	}
	type panel struct {
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []target `json:"targets"`
		Panels  []panel  `json:"panels"`
	}
	var d struct {
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string          `json:"name"`
				Type       string          `json:"type"`
				Query      json.RawMessage `json:"query"`
				Datasource *struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	name := filepath.Base(path)
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				uid := ""
				if p.Datasource != nil {
					uid = p.Datasource.UID
				}
				if t.Datasource != nil {
					uid = t.Datasource.UID
				}
				q := query{Source: name + ": " + p.Title, Expr: t.Expr}
				if uid == promUID {
					prom = append(prom, q)
				} else {
					q.Source += " [datasource " + uid + "]"
					other = append(other, q)
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" || v.Datasource == nil || v.Datasource.UID != promUID {
			continue
		}
		var s string
		if err := json.Unmarshal(v.Query, &s); err != nil {
			return nil, nil, fmt.Errorf("%s: variable %s: query is not a string", path, v.Name)
		}
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			return nil, nil, fmt.Errorf("%s: variable %s: only label_values(selector, label) is supported, got %q", path, v.Name, s)
		}
		prom = append(prom, query{Source: name + ": variable " + v.Name, Expr: m[1]})
	}
	return prom, other, nil
}

// grafanaVars are Grafana's built-in interval variables, replaced with fixed
// durations; dashboard variables ($service, ...) only ever appear in =~
// matchers and become ".+".
var grafanaVars = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "30s",
	"__range":         "1h",
}

var varRef = regexp.MustCompile(`\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?`)

// substitute replaces Grafana variables so the expression is plain PromQL.
func substitute(expr string) (string, error) {
	var unknown []string
	out := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		name := varRef.FindStringSubmatch(ref)[1]
		if v, ok := grafanaVars[name]; ok {
			return v
		}
		if strings.HasPrefix(name, "__") {
			unknown = append(unknown, name)
			return ref
		}
		return ".+"
	})
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return "", fmt.Errorf("unknown Grafana variable(s) %v", unknown)
	}
	return out, nil
}
