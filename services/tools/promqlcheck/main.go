// Command promqlcheck evaluates every PromQL expression of MiniTwit's alert
// rules and Grafana dashboards against a running Prometheus, and fails when
// an expression does not parse or evaluate, or names a metric that no
// scraped target exposes. Metrics that cannot exist in the test (their
// exporter is not run) are listed with -exclude NAME=REASON and reported.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type exclusions map[string]string

func (e exclusions) String() string { return fmt.Sprint(map[string]string(e)) }

func (e exclusions) Set(s string) error {
	name, reason, ok := strings.Cut(s, "=")
	if !ok || name == "" || reason == "" {
		return fmt.Errorf("want NAME=REASON, got %q", s)
	}
	e[name] = reason
	return nil
}

const usage = `usage:
  promqlcheck coverage -rules GLOB -tests GLOB
      every alert has a promtool test expecting it to fire and one expecting it quiet
  promqlcheck query -prometheus URL -rules GLOB -dashboards GLOB [-exclude NAME=REASON ...]
      every expression evaluates; every metric it names is exposed or excluded`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	excluded := exclusions{}
	promURL := fs.String("prometheus", "http://127.0.0.1:9090", "Prometheus base URL")
	rules := fs.String("rules", "", "glob of rule files")
	tests := fs.String("tests", "", "glob of promtool rule test files")
	dashboards := fs.String("dashboards", "", "glob of Grafana dashboard JSON files")
	promUID := fs.String("datasource", "prometheus", "uid of the Prometheus datasource in dashboards")
	fs.Var(excluded, "exclude", "NAME=REASON: a metric no target in the test can expose (repeatable)")
	_ = fs.Parse(os.Args[2:])

	var failures int
	var err error
	switch os.Args[1] {
	case "coverage":
		failures, err = checkCoverage(*rules, *tests)
	case "query":
		failures, err = run(*promURL, *rules, *dashboards, *promUID, excluded)
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "promqlcheck:", err)
		os.Exit(2)
	}
	if failures > 0 {
		fmt.Printf("FAIL: %d problem(s)\n", failures)
		os.Exit(1)
	}
	fmt.Println("PASS")
}

func run(promURL, rulesGlob, dashGlob, promUID string, excluded exclusions) (int, error) {
	var qs, other []query
	ruleFiles, _ := filepath.Glob(rulesGlob)
	dashFiles, _ := filepath.Glob(dashGlob)
	if len(ruleFiles) == 0 || len(dashFiles) == 0 {
		return 0, fmt.Errorf("no rule files (%q) or no dashboards (%q)", rulesGlob, dashGlob)
	}
	for _, f := range ruleFiles {
		q, err := ruleQueries(f)
		if err != nil {
			return 0, err
		}
		qs = append(qs, q...)
	}
	for _, f := range dashFiles {
		p, o, err := dashboardQueries(f, promUID)
		if err != nil {
			return 0, err
		}
		qs, other = append(qs, p...), append(other, o...)
	}

	client := &promClient{base: strings.TrimRight(promURL, "/")}
	exposed, err := client.metricNames()
	if err != nil {
		return 0, err
	}
	failures := 0
	used := map[string]bool{}
	p := parser.NewParser(parser.Options{})
	for _, q := range qs {
		expr, err := substitute(q.Expr)
		if err == nil {
			var ast parser.Expr
			if ast, err = p.ParseExpr(expr); err == nil {
				for _, name := range metricNames(ast) {
					if reason, ok := excluded[name]; ok {
						used[name] = true
						fmt.Printf("EXCLUDED %s (%s) in %s\n", name, reason, q.Source)
					} else if !exposed[name] {
						err = fmt.Errorf("metric %s is exposed by no target", name)
						break
					}
				}
			}
		}
		var n int
		if err == nil {
			n, err = client.query(expr)
		}
		if err != nil {
			failures++
			fmt.Printf("FAIL %s: %v\n     %s\n", q.Source, err, oneLine(q.Expr))
			continue
		}
		fmt.Printf("ok   %s: %d series\n", q.Source, n)
	}
	for name := range excluded {
		if !used[name] {
			failures++
			fmt.Printf("FAIL exclusion %s is not used by any expression: remove it\n", name)
		}
	}
	for _, q := range other {
		fmt.Printf("NOT EVALUATED (no Loki here) %s: %s\n", q.Source, oneLine(q.Expr))
	}
	fmt.Printf("%d PromQL expressions checked, %d failed, %d LogQL expressions not evaluated\n", len(qs), failures, len(other))
	return failures, nil
}

// metricNames lists the metric names an expression selects.
func metricNames(e parser.Expr) []string {
	seen := map[string]bool{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if vs.Name != "" {
			seen[vs.Name] = true
		}
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
				seen[m.Value] = true
			}
		}
		return nil
	})
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
