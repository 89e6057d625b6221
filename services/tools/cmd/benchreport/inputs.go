package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
)

// loadFigures is what the report needs of one load tool run.
type loadFigures struct {
	Requests, Errors int64
	RPS              float64
	P50, P99         float64 // ms
	// CPU milliseconds per request of the service and of PostgreSQL
	// during the run (0: not recorded).
	ServiceCPU, DBCPU float64
}

// pgbenchFigures is what the report needs of one pgbench run.
type pgbenchFigures struct {
	TPS       float64
	LatencyMs float64
	Failed    int64
}

var (
	pgbenchTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	pgbenchFailed  = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
)

func readPgbench(path string) (pgbenchFigures, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return pgbenchFigures{}, err
	}
	m := pgbenchTPS.FindSubmatch(b)
	if m == nil {
		return pgbenchFigures{}, fmt.Errorf("%s: no tps line", path)
	}
	var f pgbenchFigures
	f.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := pgbenchLatency.FindSubmatch(b); m != nil {
		f.LatencyMs, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := pgbenchFailed.FindSubmatch(b); m != nil {
		f.Failed, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return f, nil
}

// replayAction and replayReport are the parts of replay's -report JSON
// the report uses (docs/replay.md).
type replayAction struct {
	Action string  `json:"action"`
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
}

type replayReport struct {
	ActionsSent int            `json:"actions_sent"`
	Errors      int            `json:"errors"`
	WallSeconds float64        `json:"wall_seconds"`
	PerAction   []replayAction `json:"per_action"`
	Pass        bool           `json:"pass"`
}

func (r replayReport) action(name string) (replayAction, bool) {
	for _, a := range r.PerAction {
		if a.Action == name {
			return a, true
		}
	}
	return replayAction{}, false
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// manifest is the seeder's dataset manifest (the fields the report shows).
type manifest struct {
	Users         int64  `json:"users"`
	Messages      int64  `json:"messages"`
	Follows       int64  `json:"follows"`
	HeavyFollower string `json:"heavy_follower"`
	PopularUser   string `json:"popular_user"`
	HeavyAuthor   string `json:"heavy_author"`
}

// readLoad reads the load tool's -json report of a single-endpoint run
// (services/tools/cmd/load): the "total" entry is that endpoint.
func readLoad(path string) (loadFigures, error) {
	var v struct {
		Total struct {
			Requests   int64   `json:"requests"`
			Errors     int64   `json:"errors"`
			Throughput float64 `json:"throughput_rps"`
			P50        float64 `json:"p50_ms"`
			P99        float64 `json:"p99_ms"`
		} `json:"total"`
	}
	if err := readJSON(path, &v); err != nil {
		return loadFigures{}, err
	}
	t := v.Total
	return loadFigures{Requests: t.Requests, Errors: t.Errors, RPS: t.Throughput, P50: t.P50, P99: t.P99}, nil
}

// readCPU adds the CPU per request that bench.sh recorded around a load
// run: "service_before db_before service_after db_after ticks_per_second".
func readCPU(path string, f *loadFigures) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var sb, db, sa, da, hz float64
	if _, err := fmt.Sscan(string(b), &sb, &db, &sa, &da, &hz); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if hz <= 0 || f.Requests <= 0 {
		return nil
	}
	perReq := func(ticks float64) float64 { return ticks / hz * 1000 / float64(f.Requests) }
	f.ServiceCPU, f.DBCPU = perReq(sa-sb), perReq(da-db)
	return nil
}
