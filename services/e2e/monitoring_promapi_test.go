package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// monProm is a client of Prometheus' HTTP API.
type monProm struct{ base string }

var monHTTP = &http.Client{Timeout: 10 * time.Second}

// monSeries is one series of an instant query's answer.
type monSeries struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"` // [time, "value"]
}

type monTarget struct {
	Labels    map[string]string `json:"labels"`
	ScrapeURL string            `json:"scrapeUrl"`
	Health    string            `json:"health"`
	LastError string            `json:"lastError"`
}

type monRuleGroup struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Rules []struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
	} `json:"rules"`
}

// call GETs an API path with params and decodes the "data" of a successful answer.
func (p monProm) call(path string, params url.Values, data any) error {
	resp, err := monHTTP.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("%s: %s: %v: %.300s", path, resp.Status, err, b)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, resp.Status, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

// query evaluates an instant vector expression now.
func (p monProm) query(expr string) ([]monSeries, error) {
	var data struct {
		ResultType string      `json:"resultType"`
		Result     []monSeries `json:"result"`
	}
	if err := p.call("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("%s: result type %s, want vector", expr, data.ResultType)
	}
	return data.Result, nil
}

// count is how many series expr yields now.
func (p monProm) count(expr string) (int, error) {
	s, err := p.query(expr)
	return len(s), err
}

// nonEmpty is an Eventually condition: expr yields at least one series.
func (p monProm) nonEmpty(expr string) func() error {
	return func() error {
		n, err := p.count(expr)
		if err == nil && n == 0 {
			err = fmt.Errorf("no series for %s", strings.Join(strings.Fields(expr), " "))
		}
		return err
	}
}

func (p monProm) targets() ([]monTarget, error) {
	var data struct {
		ActiveTargets []monTarget `json:"activeTargets"`
	}
	err := p.call("/api/v1/targets", nil, &data)
	return data.ActiveTargets, err
}

func (p monProm) rules() ([]monRuleGroup, error) {
	var data struct {
		Groups []monRuleGroup `json:"groups"`
	}
	err := p.call("/api/v1/rules", nil, &data)
	return data.Groups, err
}

// monLabelValues lists one label's value in every series, sorted (e.g. the jobs of an alert's series).
func monLabelValues(series []monSeries, label string) []string {
	var out []string
	for _, s := range series {
		out = append(out, s.Metric[label])
	}
	return monSorted(out)
}
