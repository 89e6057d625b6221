package main

import (
	"fmt"
	"regexp"
	"strings"
)

var fdatasync = regexp.MustCompile(`(?m)^\s*fdatasync\s+([0-9.]+) ops/sec\s+([0-9.]+) usecs/op`)

func render(info runInfo, machine string, sets []dataset) string {
	var b strings.Builder
	var unmet []string
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("# Performance\n\n")
	w("Written by `scripts/bench.sh` (the figures) and `benchreport` (this page); rerun with\n")
	w("`scripts/bench.sh` on a quiet machine to refresh it. Targets are those of issue 10.\n\n")
	if info.Quick {
		w("> **BENCH_QUICK run**: tiny datasets and short runs, for checking the script only. These\n> figures say nothing about the targets.\n\n")
	}
	w("- Date: %s; commit `%s`\n", info.Date, info.Commit)
	w("- Machine: %s\n", machine)
	if info.LoadAvg != "" {
		w("- Load average when the run started (`/proc/loadavg`): %s — a value near or above the CPU count means other work shared the machine and every figure below is lower and noisier than the machine allows\n", info.LoadAvg)
	}
	if m := fdatasync.FindStringSubmatch(info.Fsync); m != nil {
		w("- Durable commit cost: `pg_test_fsync` fdatasync %s ops/s (%s µs per 8 kB write)\n", m[1], m[2])
	}
	w("- %s, fsync on, synchronous_commit on (every acknowledged write is durable); the all-in-one `minitwit` binary on it, one process, default pool\n", orDefault(info.PgVersion, "PostgreSQL"))
	w("- Every row: the load tool at %d connections (keep-alive) for %d s, then `pgbench -M prepared -c %d -j 2 -T %d` with the statements the service issued for that request, captured from the server log (`scripts/bench/<endpoint>.sql`). Client, service and database share the machine in both.\n", info.Connections, info.Seconds, info.Connections, info.Seconds)
	w("- Ratio: the service's req/s over pgbench's tps, the share of what the database alone answers that the service delivers (target ≥ %.0f %% for reads, p99 ≤ %.0f ms).\n", minCeilingShare*100, maxReadP99ms)
	w("- CPU ms/req: CPU time the `minitwit` process and the PostgreSQL cluster used during the load run, per request (from `/proc`; the load tool's own CPU is not in it). 1000 over the sum is what one core would answer if nothing else ran on it.\n\n")

	for _, d := range sets {
		w("## Dataset %s\n\n", d.Label)
		m := d.Manifest
		w("%d users, %d messages, %d follows; heavy follower `%s`, popular user `%s`, heavy author `%s`.\n\n",
			m.Users, m.Messages, m.Follows, m.HeavyFollower, m.PopularUser, m.HeavyAuthor)
		if d.DBBytes > 0 {
			w("On disk: database %s; messages %s with its indexes (%s without).\n\n", size(d.DBBytes), size(d.MessagesBytes), size(d.MessagesHeap))
		}
		w("| Endpoint | req/s | p50 ms | p99 ms | errors | pgbench tps | ratio | service CPU ms/req | db CPU ms/req | target | met? |\n")
		w("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n")
		for _, e := range endpoints {
			l, okL := d.Load[e.Name]
			p, okP := d.Pgbench[e.Name]
			if !okL {
				w("| %s | – | – | – | – | %s | – | – | – | – | not measured |\n", e.What, tps(p, okP))
				continue
			}
			ratio := "–"
			if okP && p.TPS > 0 {
				ratio = fmt.Sprintf("%.0f %%", 100*l.RPS/p.TPS)
			}
			target, met := targetOf(e, d, sets, l, p, okP)
			if met != "yes" {
				unmet = append(unmet, fmt.Sprintf("%s, dataset %s: %s (%s)", e.What, d.Label, target, met))
			}
			w("| %s | %.0f | %.2f | %.2f | %d | %s | %s | %s | %s | %s | %s |\n", e.What, l.RPS, l.P50, l.P99, l.Errors, tps(p, okP), ratio, cpu(l.ServiceCPU), cpu(l.DBCPU), target, met)
		}
		if len(d.Missing) > 0 {
			w("\nNot measured: %s.\n", strings.Join(d.Missing, ", "))
		}
		w("\n")
		profileSection(&b, d)
		replaySection(&b, d, info, &unmet)
	}

	if len(sets) >= 2 {
		small, large := sets[0], sets[len(sets)-1]
		w("## Cost growth %s → %s messages\n\n", small.Label, large.Label)
		w("p50 at %d messages over p50 at %d (target ≤ %.1f×).\n\n", large.Manifest.Messages, small.Manifest.Messages, maxGrowth)
		w("| Endpoint | p50 ms %s | p50 ms %s | growth | met? |\n|---|--:|--:|--:|---|\n", small.Label, large.Label)
		for _, e := range endpoints {
			a, ok1 := small.Load[e.Name]
			z, ok2 := large.Load[e.Name]
			if !ok1 || !ok2 || a.P50 <= 0 {
				w("| %s | – | – | – | not measured |\n", e.What)
				continue
			}
			g := z.P50 / a.P50
			met := yesNo(g <= maxGrowth)
			if met != "yes" {
				unmet = append(unmet, fmt.Sprintf("%s: p50 grew %.2f× from %s to %s (target ≤ %.1f×)", e.What, g, small.Label, large.Label, maxGrowth))
			}
			w("| %s | %.2f | %.2f | %.2f× | %s |\n", e.What, a.P50, z.P50, g, met)
		}
		w("\n")
	}

	w("## Targets not met\n\n")
	if len(unmet) == 0 {
		w("None: every measured figure meets its target.\n")
	}
	for _, u := range unmet {
		w("- %s\n", u)
	}
	if len(unmet) > 0 {
		w("\nWhy, and what the figures mean for capacity: [scaling.md](scaling.md).\n")
	}
	return b.String()
}

// targetOf names the targets of one row and whether they are met.
func targetOf(e endpoint, d dataset, sets []dataset, l loadFigures, p pgbenchFigures, okP bool) (string, string) {
	var want []string
	ok := true
	if e.Write {
		want = append(want, fmt.Sprintf("≥ %.0f req/s, 0 errors", e.MinRPS))
		ok = l.RPS >= e.MinRPS && l.Errors == 0
		return strings.Join(want, "; "), yesNo(ok)
	}
	want = append(want, fmt.Sprintf("≥ %.0f %% of pgbench", minCeilingShare*100), fmt.Sprintf("p99 ≤ %.0f ms", maxReadP99ms))
	if okP && p.TPS > 0 {
		ok = ok && l.RPS >= minCeilingShare*p.TPS
	} else {
		ok = false
	}
	ok = ok && l.P99 <= maxReadP99ms && l.Errors == 0
	if e.MinRPS > 0 && (!e.LargeOnly || d.Label == sets[len(sets)-1].Label) {
		want = append(want, fmt.Sprintf("≥ %.0f req/s", e.MinRPS))
		ok = ok && l.RPS >= e.MinRPS
	}
	return strings.Join(want, "; "), yesNo(ok)
}

func replaySection(b *strings.Builder, d dataset, info runInfo, unmet *[]string) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	if d.Service == nil || d.Null == nil {
		return
	}
	s, n := d.Service, d.Null
	w("### Simulator replay, dataset %s\n\n", d.Label)
	w("The same generated scenario (%s; sequential, a new connection per action, as the course simulator) against `minitwit` and against `nullserver`, a do-nothing server answering the same status codes. Server time = service p50 − null p50.\n\n", orDefault(info.Replay, "scenariogen"))
	w("| Action | count | errors | p50 ms | p99 ms | null p50 ms | null p99 ms | server p50 ms | target | met? |\n")
	w("|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n")
	for _, a := range s.PerAction {
		na, _ := n.action(a.Action)
		server := a.P50 - na.P50
		target, met := "–", "–"
		switch a.Action {
		case "tweet", "follow", "unfollow":
			target = fmt.Sprintf("≤ %.1f ms", maxWriteP50ms)
			met = yesNo(server <= maxWriteP50ms && a.Errors == 0)
			if met != "yes" {
				*unmet = append(*unmet, fmt.Sprintf("replay %s, dataset %s: server p50 %.2f ms with %d errors (target ≤ %.1f ms, 0 errors)", a.Action, d.Label, server, a.Errors, maxWriteP50ms))
			}
		}
		w("| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n", a.Action, a.Count, a.Errors, a.P50, a.P99, na.P50, na.P99, server, target, met)
	}
	ratio := 0.0
	if n.WallSeconds > 0 {
		ratio = s.WallSeconds / n.WallSeconds
	}
	met := yesNo(ratio > 0 && ratio <= maxReplayRatio && s.Pass)
	if met != "yes" {
		*unmet = append(*unmet, fmt.Sprintf("replay wall time, dataset %s: %.2f× the null server's (target ≤ %.2f×; the replay itself %s)", d.Label, ratio, maxReplayRatio, passed(s.Pass)))
	}
	w("\nWall time: %.2f s against the service, %.2f s against the null server: **%.2f×** (target ≤ %.2f×, %s); replay %s (%d errors; read-back checks on the service run).",
		s.WallSeconds, n.WallSeconds, ratio, maxReplayRatio, met, passWord(s.Pass), s.Errors)
	if n.Errors > 0 {
		w(" The null server's run had %d errors too: requests that took longer than the simulator's 0.3 s against a server that does nothing mean the machine itself was saturated.", n.Errors)
	}
	w("\n\n")
}

func tps(p pgbenchFigures, ok bool) string {
	if !ok {
		return "–"
	}
	if p.Failed > 0 {
		return fmt.Sprintf("%.0f (%d failed)", p.TPS, p.Failed)
	}
	return fmt.Sprintf("%.0f", p.TPS)
}

func size(b int64) string {
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

func cpu(ms float64) string {
	if ms <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", ms)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func passWord(ok bool) string {
	if ok {
		return "passed"
	}
	return "**failed**"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// profileLines is how many of a profile's heaviest functions the report shows.
const profileLines = 30

// profileSection shows where the service's CPU went under the load of the
// endpoints bench.sh profiled (a separate short run, so the measured
// figures above carry no profiling overhead).
func profileSection(b *strings.Builder, d dataset) {
	for _, e := range endpoints {
		prof, ok := d.Profiles[e.Name]
		if !ok {
			continue
		}
		fmt.Fprintf(b, "#### Where `minitwit`'s CPU goes: %s, dataset %s\n\n", e.What, d.Label)
		b.WriteString("`go tool pprof -top -cum` of a CPU profile taken during a separate load run of this endpoint (cum = in the function and what it calls, flat = in the function itself):\n\n```\n")
		n := 0
		for line := range strings.Lines(prof) {
			if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Type:") || strings.HasPrefix(line, "Time:") {
				continue
			}
			b.WriteString(line)
			if strings.Contains(line, "flat%") {
				n = 1
			} else if n > 0 {
				n++
			}
			if n > profileLines {
				break
			}
		}
		b.WriteString("```\n\n")
	}
}

// passed words a replay's own verdict for the list of unmet targets.
func passed(ok bool) string {
	if ok {
		return "passed"
	}
	return "failed"
}
