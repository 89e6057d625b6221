package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"text/tabwriter"
	"time"
)

// Report is the JSON written by -json; the schema is in the package doc.
type Report struct {
	Target      string           `json:"target"`
	API         string           `json:"api"`
	Mode        string           `json:"mode"` // "closed" or "open"
	Connections int              `json:"connections"`
	Rate        float64          `json:"rate"`
	KeepAlive   bool             `json:"keep_alive"`
	PageSize    int              `json:"page_size"`
	Mix         string           `json:"mix"`
	Started     time.Time        `json:"started"`
	DurationS   float64          `json:"duration_s"`
	LateStarts  int64            `json:"late_starts"`
	Endpoints   []EndpointReport `json:"endpoints"`
	Total       EndpointReport   `json:"total"`
}

// EndpointReport is one endpoint's figures (or the total's).
type EndpointReport struct {
	Name         string           `json:"name"`
	Requests     int64            `json:"requests"` // OK + errors
	OK           int64            `json:"ok"`
	Errors       int64            `json:"errors"`
	ErrorsByKind map[string]int64 `json:"errors_by_kind"`
	Throughput   float64          `json:"throughput_rps"` // successful requests per second
	MeanMs       float64          `json:"mean_ms"`
	P50Ms        float64          `json:"p50_ms"`
	P90Ms        float64          `json:"p90_ms"`
	P99Ms        float64          `json:"p99_ms"`
	MaxMs        float64          `json:"max_ms"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *runner) report(started time.Time, elapsed time.Duration) Report {
	o := r.opt
	rep := Report{
		Target: o.base.String(), API: o.api.String(), Mode: "closed", Connections: o.conc,
		Rate: o.rate, KeepAlive: !o.closeConns, PageSize: o.pageSize, Mix: mixString(o.mix),
		Started: started.UTC(), DurationS: elapsed.Seconds(), LateStarts: r.late.Load(),
	}
	if o.rate > 0 {
		rep.Mode = "open"
	}
	var total hist
	totalErrs := map[string]int64{}
	for _, name := range endpointNames {
		st, ok := r.stats[name]
		if !ok {
			continue
		}
		total.merge(&st.ok)
		st.mu.Lock()
		errs := maps.Clone(st.errors)
		st.mu.Unlock()
		for k, v := range errs {
			totalErrs[k] += v
		}
		rep.Endpoints = append(rep.Endpoints, endpointReport(name, &st.ok, errs, elapsed))
	}
	rep.Total = endpointReport("total", &total, totalErrs, elapsed)
	return rep
}

func endpointReport(name string, h *hist, errs map[string]int64, elapsed time.Duration) EndpointReport {
	e := EndpointReport{Name: name, OK: h.n.Load(), ErrorsByKind: errs}
	for _, v := range errs {
		e.Errors += v
	}
	e.Requests = e.OK + e.Errors
	if s := elapsed.Seconds(); s > 0 {
		e.Throughput = float64(e.OK) / s
	}
	e.MeanMs, e.P50Ms, e.P90Ms, e.P99Ms, e.MaxMs = ms(h.mean()), ms(h.quantile(0.50)), ms(h.quantile(0.90)), ms(h.quantile(0.99)), ms(h.max())
	return e
}

// printText writes the report as a table, errors by kind under it.
func printText(w io.Writer, rep Report) {
	mode := fmt.Sprintf("closed loop, %d connections", rep.Connections)
	if rep.Mode == "open" {
		mode = fmt.Sprintf("open loop at %.0f/s, at most %d in flight, %d late starts", rep.Rate, rep.Connections, rep.LateStarts)
	}
	conns := "keep-alive"
	if !rep.KeepAlive {
		conns = "a new connection per request"
	}
	fmt.Fprintf(w, "%s, %s, %s, %.2fs, mix %s\n", rep.Target, mode, conns, rep.DurationS, rep.Mix)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\trequests\terrors\treq/s\tmean ms\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for _, e := range append(slices.Clone(rep.Endpoints), rep.Total) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n",
			e.Name, e.Requests, e.Errors, e.Throughput, e.MeanMs, e.P50Ms, e.P90Ms, e.P99Ms, e.MaxMs)
	}
	tw.Flush()
	for _, e := range rep.Endpoints {
		for _, k := range slices.Sorted(maps.Keys(e.ErrorsByKind)) {
			fmt.Fprintf(w, "  %s errors: %d %s\n", e.Name, e.ErrorsByKind[k], k)
		}
	}
}

func writeJSON(path string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
