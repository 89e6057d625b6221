package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// testGatewayRollingRestart is the start-first rolling-restart drill: while
// a scenario replay and page views run through the gateway, every process
// of follower, api and web is replaced one at a time. No request may fail,
// every old process must stop cleanly, and the gateway must never have
// answered 5xx.
func testGatewayRollingRestart(t *testing.T, g *Gateway) {
	// Pauses in the scenario (5,000 x 2 ms on average, a floor of 10 s) keep the replay
	// running through all replacements, however fast the machine.
	scenario := gwScenario(t, "-users", "200", "-actions", "5000", "-seed", "8", "-first-id", "1000001", "-delay-mean", "2ms")
	report := filepath.Join(t.TempDir(), "replay.json")
	var replayOut bytes.Buffer
	replay := g.replayCmd(scenario, report)
	replay.Stdout, replay.Stderr = &replayOut, &replayOut
	before := len(g.AccessLog(t))
	if err := replay.Start(); err != nil {
		t.Fatal(err)
	}
	replayDone := make(chan error, 1)
	go func() { replayDone <- replay.Wait() }()
	t.Cleanup(func() {
		if replay.ProcessState == nil {
			_ = replay.Process.Kill()
			<-replayDone
		}
	})

	// Page views, about ten a second, so the web replacement is exercised.
	type pageView struct {
		Status int
		Err    string
	}
	stop := make(chan struct{})
	webViews := make(chan []pageView, 1)
	go func() {
		var views []pageView
		defer func() { webViews <- views }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			var v pageView
			resp, err := g.Client.Get(g.HTTPSURL() + "/public")
			if err == nil {
				v.Status = resp.StatusCode
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err != nil {
				v.Err = err.Error()
			}
			views = append(views, v)
		}
	}()
	Eventually(t, 60*time.Second, "replay traffic through the gateway", func() error {
		if n := len(g.AccessLog(t)) - before; n < 100 {
			return fmt.Errorf("%d requests so far", n)
		}
		return nil
	})

	var steps []RollStep
	for _, name := range gatewayServices {
		steps = append(steps, g.Roll(t, name)...)
	}
	var overlapped bool
	select {
	case err := <-replayDone:
		replayDone <- err
	default:
		overlapped = true
	}
	close(stop)
	views := <-webViews
	var replayErr error
	select {
	case replayErr = <-replayDone:
	case <-time.After(10 * time.Minute):
		t.Fatalf("the replay did not finish within 10 minutes:\n%s", replayOut.String())
	}

	t.Run("EveryProcessReplacedCleanly", func(t *testing.T) {
		if want := len(gatewayServices) * g.replicas; len(steps) != want {
			t.Errorf("%d replacements, want %d", len(steps), want)
		}
		for _, s := range steps {
			if s.OldExit != nil {
				t.Errorf("%s: the old process on port %d exited with %v", s.Service, s.Old, s.OldExit)
			}
		}
	})
	t.Run("ReplayOverlapped", func(t *testing.T) {
		if !overlapped {
			t.Error("the replay had ended before the last replacement finished: the drill ran without API load")
		}
	})
	t.Run("ReplayWithoutErrors", func(t *testing.T) {
		r := gwReadReport(t, report, replayOut.String())
		if replayErr != nil {
			t.Errorf("replay: %v\n%s", replayErr, replayOut.String())
		}
		r.check(t, 5000)
		t.Logf("replay during the rolling restart: %s", r.figures())
	})
	t.Run("PageViewsWithoutErrors", func(t *testing.T) {
		var bad []pageView
		for _, v := range views {
			if v.Status != http.StatusOK || v.Err != "" {
				bad = append(bad, v)
			}
		}
		if len(views) < 10 || len(bad) != 0 {
			t.Errorf("%d page views during the restart, %d failed: %+v", len(views), len(bad), bad)
		}
		t.Logf("%d page views during the restart", len(views))
	})
	t.Run("No5xxInAccessLog", func(t *testing.T) {
		lines := g.AccessLog(t)
		var fivexx []gatewayAccess
		for _, a := range lines {
			if a.StatusCode() >= 500 {
				fivexx = append(fivexx, a)
			}
		}
		if len(fivexx) != 0 {
			t.Errorf("%d of %d requests answered 5xx, e.g. %+v", len(fivexx), len(lines), fivexx[0])
		}
		t.Logf("gateway access log: %d requests, none 5xx", len(lines))
	})
}

// testGatewayShutdown: every process of the system stops cleanly on its
// stop signal, NGINX workers included.
func testGatewayShutdown(t *testing.T, g *Gateway) {
	var workers []int
	for _, p := range []*Proc{g.gw, g.vip} {
		workers = append(workers, gwChildPids(p.Pid())...)
	}
	for name, err := range g.Stop() {
		if err != nil {
			t.Errorf("%s did not stop cleanly: %v", name, err)
		}
	}
	Eventually(t, 30*time.Second, "NGINX workers gone", func() error {
		for _, pid := range workers {
			if gwPidAlive(pid) {
				return fmt.Errorf("worker %d still runs", pid)
			}
		}
		return nil
	})
}
