package main

import (
	"slices"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

func TestSubstitute(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{`rate(x{service=~"$service"}[$__rate_interval])`, `rate(x{service=~".+"}[1m])`, false},
		{`increase(x[${__range}])`, `increase(x[1h])`, false},
		{`x[$__unknown]`, "", true},
		{`up`, `up`, false},
	}
	for _, tt := range tests {
		got, err := substitute(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("substitute(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestMetricNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (service) (rate(a_total{status=~"5.."}[5m])) / sum by (service) (rate(a_total[5m]))`, []string{"a_total"}},
		{`label_replace(absent(up{job="web"} == 1), "job", "web", "", "")`, []string{"up"}},
		{`{__name__="b"} * on (instance) group_left (nodename) node_uname_info`, []string{"b", "node_uname_info"}},
		{`deriv(max(c)[5m:30s]) + time()`, []string{"c"}},
	}
	p := parser.NewParser(parser.Options{})
	for _, tt := range tests {
		e, err := p.ParseExpr(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if got := metricNames(e); !slices.Equal(got, tt.want) {
			t.Errorf("metricNames(%s) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestLabelValuesVariable(t *testing.T) {
	m := labelValues.FindStringSubmatch(`label_values(minitwit_http_requests_total{service=~"$service"}, route)`)
	if m == nil || m[1] != `minitwit_http_requests_total{service=~"$service"}` {
		t.Fatalf("label_values not understood: %q", m)
	}
}
