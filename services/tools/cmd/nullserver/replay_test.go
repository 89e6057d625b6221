package main

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"minitwit/tools/replay"
	"minitwit/tools/scenario/gen"
)

// TestReplayPasses replays a generated scenario against the null server as
// bench.sh does (no read-back: it stores no messages or follows). Every
// action must get the answer the simulator expects, including the
// re-registrations of taken names, or the null baseline would count errors.
func TestReplayPasses(t *testing.T) {
	srv := httptest.NewServer(newHandler("/api", "simulator", "super_safe!"))
	defer srv.Close()
	acts, err := gen.Generate(gen.Options{Users: 100, Actions: 2000, Seed: 3, FirstID: 1, Start: time.Unix(1_700_000_000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	rep := replay.Run(context.Background(), replay.Options{
		Base: srv.URL + "/api", User: "simulator", Password: "super_safe!",
		Timeout: 5 * time.Second, CheckTimeout: 5 * time.Second, Fresh: true, Scenario: "generated",
	}, acts, io.Discard, io.Discard)
	if !rep.Pass || rep.Errors != 0 || rep.Sent != len(acts) {
		t.Fatalf("replay against the null server: pass=%v, %d errors, %d of %d sent: %v", rep.Pass, rep.Errors, rep.Sent, len(acts), rep.ErrorLines)
	}
}
