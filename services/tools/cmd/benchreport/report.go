package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// dataset holds one dataset's figures as bench.sh left them in
// DIR/<label>/.
type dataset struct {
	Label    string
	Manifest manifest
	Load     map[string]loadFigures
	Pgbench  map[string]pgbenchFigures
	Service  *replayReport     // replay against minitwit
	Null     *replayReport     // the same scenario against nullserver
	Missing  []string          // inputs that were not there, named in the report
	Profiles map[string]string // endpoint -> `go tool pprof -top` of the service under its load
	// Sizes in bytes after seeding: the database, messages with its
	// indexes, messages alone (0: not recorded).
	DBBytes, MessagesBytes, MessagesHeap int64
}

type runInfo struct {
	Date, Commit, PgVersion, Fsync, LoadAvg string
	Seconds, Connections                    int
	Quick                                   bool
	Replay                                  string // the replay's scenario, e.g. "300 users, 10000 actions"
}

// report is "benchreport report -results DIR -datasets 10k,5M -out FILE ...".
func report(args []string) error {
	fls := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fls.String("results", "", "directory bench.sh wrote the figures to")
	labels := fls.String("datasets", "", "comma-separated dataset labels (subdirectories of -results), smallest first")
	out := fls.String("out", "-", "markdown file to write")
	var info runInfo
	fls.StringVar(&info.Commit, "commit", "", "commit measured")
	fls.StringVar(&info.PgVersion, "pg-version", "", "PostgreSQL version")
	fls.IntVar(&info.Seconds, "seconds", 10, "seconds per load tool and pgbench run")
	fls.IntVar(&info.Connections, "connections", 32, "connections of each run")
	fls.BoolVar(&info.Quick, "quick", false, "BENCH_QUICK run (tiny datasets, short runs)")
	fls.StringVar(&info.Replay, "replay", "", "the replayed scenario, in words")
	if err := fls.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *labels == "" {
		return errors.New("report needs -results and -datasets")
	}
	info.Date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	info.Fsync = readText(filepath.Join(*dir, "pg_test_fsync.txt"))
	info.LoadAvg = strings.TrimSpace(readText(filepath.Join(*dir, "loadavg.start")))
	var sets []dataset
	for _, l := range strings.Split(*labels, ",") {
		d, err := readDataset(filepath.Join(*dir, l), l)
		if err != nil {
			return err
		}
		sets = append(sets, d)
	}
	md := render(info, machineFacts(), sets)
	if *out == "-" {
		_, err := os.Stdout.WriteString(md)
		return err
	}
	return os.WriteFile(*out, []byte(md), 0o644)
}

func readDataset(dir, label string) (dataset, error) {
	d := dataset{Label: label, Load: map[string]loadFigures{}, Pgbench: map[string]pgbenchFigures{}, Profiles: map[string]string{}}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &d.Manifest); err != nil {
		return d, err
	}
	for _, e := range endpoints {
		if f, err := readLoad(filepath.Join(dir, e.Name+".load.json")); err == nil {
			if err := readCPU(filepath.Join(dir, e.Name+".cpu.txt"), &f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return d, err
			}
			d.Load[e.Name] = f
		} else if errors.Is(err, fs.ErrNotExist) {
			d.Missing = append(d.Missing, e.Name+" (load tool)")
		} else {
			return d, err
		}
		if f, err := readPgbench(filepath.Join(dir, e.Name+".pgbench.txt")); err == nil {
			d.Pgbench[e.Name] = f
		} else if errors.Is(err, fs.ErrNotExist) {
			d.Missing = append(d.Missing, e.Name+" (pgbench)")
		} else {
			return d, err
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dbsize.txt")); err == nil {
		_, _ = fmt.Sscanf(strings.ReplaceAll(string(b), "|", " "), "%d %d %d", &d.DBBytes, &d.MessagesBytes, &d.MessagesHeap)
	}
	for _, e := range endpoints {
		if b, err := os.ReadFile(filepath.Join(dir, e.Name+".pprof.txt")); err == nil {
			d.Profiles[e.Name] = string(b)
		}
	}
	for _, r := range []struct {
		file string
		to   **replayReport
	}{{"replay-service.json", &d.Service}, {"replay-null.json", &d.Null}} {
		var rep replayReport
		err := readJSON(filepath.Join(dir, r.file), &rep)
		switch {
		case err == nil:
			*r.to = &rep
		case errors.Is(err, fs.ErrNotExist):
			d.Missing = append(d.Missing, r.file)
		default:
			return d, err
		}
	}
	return d, nil
}

// machineFacts describes the machine the report is written on (bench.sh
// writes it right after measuring).
func machineFacts() string {
	cpu := "unknown CPU"
	for line := range strings.Lines(readText("/proc/cpuinfo")) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			cpu = strings.TrimSpace(v)
			break
		}
	}
	mem := ""
	for line := range strings.Lines(readText("/proc/meminfo")) {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			_, _ = fmt.Sscan(strings.TrimSpace(v), &kb)
			mem = fmt.Sprintf(", %.1f GiB memory", float64(kb)/(1<<20))
		}
	}
	kernel := strings.TrimSpace(readText("/proc/sys/kernel/osrelease"))
	return fmt.Sprintf("%s, %d logical CPUs%s, Linux %s, %s/%s", cpu, runtime.NumCPU(), mem, kernel, runtime.GOOS, runtime.GOARCH)
}

func readText(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
