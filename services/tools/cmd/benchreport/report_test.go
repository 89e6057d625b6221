package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReport writes two datasets' figures as bench.sh leaves them and
// checks the report's verdicts: a read at 80 % of its ceiling meets the
// ratio target, one at 50 % does not, a p50 that doubles fails the growth
// target, and the replay's server time is the difference to the null server.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	write := func(path, body string) {
		t.Helper()
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load := func(rps, p50, p99 string) string {
		return `{"total":{"name":"x","requests":1000,"ok":1000,"errors":0,"throughput_rps":` + rps + `,"p50_ms":` + p50 + `,"p99_ms":` + p99 + `}}`
	}
	pgbench := func(tps string) string { return "tps = " + tps + " (without initial connection time)\n" }
	replay := func(wall, p50 string) string {
		return `{"actions_sent":10,"errors":0,"wall_seconds":` + wall + `,"pass":true,"per_action":[{"action":"tweet","count":10,"errors":0,"p50_ms":` + p50 + `,"p99_ms":1}]}`
	}
	for _, l := range []string{"small", "large"} {
		write(l+"/manifest.json", `{"users":10,"messages":100,"follows":5,"heavy_follower":"h","popular_user":"p","heavy_author":"a"}`)
		write(l+"/replay-null.json", replay("1.0", "0.30"))
	}
	write("small/public.load.json", load("800", "1.0", "5"))
	write("small/public.pgbench.txt", pgbench("1000"))
	write("small/public.cpu.txt", "100 200 150 400 100\n") // 0.5 s and 2 s over 1000 requests
	write("large/public.load.json", load("500", "2.0", "5"))
	write("large/public.pgbench.txt", pgbench("1000"))
	write("small/replay-service.json", replay("1.1", "0.55"))
	write("large/replay-service.json", replay("1.1", "0.60"))
	out := filepath.Join(dir, "performance.md")
	if err := report([]string{"-results", dir, "-datasets", "small,large", "-out", out, "-commit", "abc123"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	md := string(b)
	for _, want := range []string{
		"commit `abc123`",
		"| `GET /public` | 800 | 1.00 | 5.00 | 0 | 1000 | 80 % | 0.50 | 2.00 | ≥ 60 % of pgbench; p99 ≤ 20 ms | yes |",
		"| `GET /public` | 500 | 2.00 | 5.00 | 0 | 1000 | 50 % | – | – | ≥ 60 % of pgbench; p99 ≤ 20 ms | **no** |",
		"| `GET /public` | 1.00 | 2.00 | 2.00× | **no** |",
		"| tweet | 10 | 0 | 0.55 | 1.00 | 0.30 | 1.00 | 0.25 | ≤ 0.4 ms | yes |",
		"| tweet | 10 | 0 | 0.60 | 1.00 | 0.30 | 1.00 | 0.30 | ≤ 0.4 ms | yes |",
		"**1.10×** (target ≤ 1.15×, yes)",
		"Not measured: public-page1000 (load tool)",
		"- `GET /public`: p50 grew 2.00× from small to large (target ≤ 1.2×)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
