package replay

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"minitwit/tools/scenario"
)

// KindStats aggregates one action type. Latencies are kept for every
// request that got an HTTP answer, whatever its status; timeouts and
// connection errors only count as errors, since their "latency" is the
// timeout or nothing at all.
type KindStats struct {
	Action string  `json:"action"`
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	Taken  int     `json:"taken"`
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
	lat    []time.Duration
}

type stats struct {
	byKind map[scenario.Kind]*KindStats
	all    KindStats
}

func newStats() *stats {
	s := &stats{byKind: map[scenario.Kind]*KindStats{}, all: KindStats{Action: "all"}}
	for _, k := range scenario.Kinds {
		s.byKind[k] = &KindStats{Action: string(k)}
	}
	return s
}

func (s *stats) add(k scenario.Kind, ans answer, ok, taken bool) {
	for _, ks := range []*KindStats{s.byKind[k], &s.all} {
		ks.Count++
		if !ok {
			ks.Errors++
		}
		if taken {
			ks.Taken++
		}
		if ans.Status != 0 {
			ks.lat = append(ks.lat, ans.Elapsed)
		}
	}
}

// rows computes the percentiles and returns one row per action type, then
// the total.
func (s *stats) rows() []KindStats {
	out := make([]KindStats, 0, len(scenario.Kinds)+1)
	for _, k := range scenario.Kinds {
		out = append(out, s.byKind[k].finish())
	}
	return append(out, s.all.finish())
}

func (ks *KindStats) finish() KindStats {
	slices.Sort(ks.lat)
	r := *ks
	r.P50, r.P90, r.P99 = ms(percentile(ks.lat, 50)), ms(percentile(ks.lat, 90)), ms(percentile(ks.lat, 99))
	if n := len(ks.lat); n > 0 {
		r.Max = ms(ks.lat[n-1])
	}
	return r
}

// percentile uses the nearest-rank method on sorted data: the smallest
// value with at least p% of the samples at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

func printTable(w io.Writer, rows []KindStats) {
	const format = "%-9s %7s %7s %6s %8s %8s %8s %8s\n"
	fmt.Fprintf(w, format, "action", "count", "errors", "taken", "p50 ms", "p90 ms", "p99 ms", "max ms")
	for _, r := range rows {
		fmt.Fprintf(w, format, r.Action, strconv.Itoa(r.Count), strconv.Itoa(r.Errors), strconv.Itoa(r.Taken),
			f1(r.P50), f1(r.P90), f1(r.P99), f1(r.Max))
	}
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
