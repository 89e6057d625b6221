// Command benchreport is the Go half of scripts/bench.sh:
//
//	benchreport capture -log server.log -offset N -title T -out scripts/bench/x.sql
//	    turns the statements PostgreSQL logged for one request into a pgbench script;
//	benchreport report -results DIR -out docs/performance.md
//	    writes the performance report from the load tool's JSON, pgbench's
//	    output and the replays' JSON reports that bench.sh left in DIR.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchreport capture|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "capture":
		err = capture(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "benchreport: unknown command %q (want capture or report)\n", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}
