package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	replicaDrillReaders  = 4               // concurrent clients reading through the gateway
	replicaDrillWarm     = 2 * time.Second // load before the kill
	replicaDrillAfter    = 5 * time.Second // load after the kill
	replicaDrillMaxCalls = 20000           // bound on one reader's requests
)

// testDrillsReplicaKill: the gateway harness with two processes of web,
// api and follower behind real NGINX (the product's rendered gateway
// configuration; the follower behind the harness's stand-in for Swarm's
// virtual IP). Readers GET the public timeline, a user's page and the
// API's message and follow lists; mid-load one process of each service is
// killed with SIGKILL. NGINX must retry every GET that met the dead
// process on the live one: every answer is a 200.
func testDrillsReplicaKill(t *testing.T) {
	g := StartGateway(t, GatewayOpts{Replicas: 2})
	base := g.HTTPSURL()

	const author, fan = "drill author", "drill fan"
	for _, u := range []string{author, fan} {
		body, _ := json.Marshal(map[string]string{"username": u, "email": "d@example.org", "pwd": "pw"})
		if c := drillDo(g.Client, -1, "POST", base, "/api/register", loadAuth, string(body)); c.Status != http.StatusNoContent {
			t.Fatalf("setup: %s", c)
		}
	}
	for i := range 5 {
		body, _ := json.Marshal(map[string]string{"content": fmt.Sprintf("drill reading %d", i)})
		if c := drillDo(g.Client, -1, "POST", base, "/api/msgs/"+url.PathEscape(author), loadAuth, string(body)); c.Status != http.StatusNoContent {
			t.Fatalf("setup: %s", c)
		}
	}
	if c := drillDo(g.Client, -1, "POST", base, "/api/fllws/"+url.PathEscape(fan), loadAuth, `{"follow":"drill author"}`); c.Status != http.StatusNoContent {
		t.Fatalf("setup: %s", c)
	}

	reads := []struct{ path, auth string }{
		{"/public", ""},
		{"/" + url.PathEscape(author), ""},
		{"/api/msgs?no=20", loadAuth},
		{"/api/msgs/" + url.PathEscape(author) + "?no=20", loadAuth},
		{"/api/fllws/" + url.PathEscape(fan), loadAuth}, // through the follower service
	}
	var (
		log  drillLog
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	for w := range replicaDrillReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < replicaDrillMaxCalls && !stop.Load(); i++ {
				r := reads[(w+i)%len(reads)]
				log.add(drillDo(g.Client, w, "GET", base, r.path, r.auth, ""))
			}
		}()
	}
	stopLoad := func() {
		stop.Store(true)
		wg.Wait()
	}
	defer stopLoad()

	started := time.Now()
	time.Sleep(replicaDrillWarm)
	killed := time.Now()
	var victims []string
	for _, name := range gatewayServices {
		s := g.Services(name)[0]
		if err := s.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %s: %v", s.Name, err)
		}
		victims = append(victims, fmt.Sprintf("%s (pid %d, port %d)", name, s.Pid(), s.Port))
	}
	for _, name := range gatewayServices {
		if err := g.Services(name)[0].Wait(10 * time.Second); err == nil {
			t.Fatalf("%s exited cleanly after SIGKILL", name)
		}
	}
	t.Logf("killed with SIGKILL: %v", victims)
	time.Sleep(replicaDrillAfter)
	stopLoad()
	ended := time.Now()

	calls := log.snapshot()
	var failed []drillCall
	before, after := 0, 0
	for _, c := range calls {
		if c.Start.Before(killed) {
			before++
		} else {
			after++
		}
		if c.Err != nil || c.Status != http.StatusOK {
			failed = append(failed, c)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d GETs failed:%s", len(failed), len(calls), listSome(failed, 20))
	}
	if before == 0 || after == 0 {
		t.Errorf("the kill was not inside the load: %d requests before it, %d after", before, after)
	}
	t.Logf("ReplicaKill figures (shared 2-core machine, noisy):\n"+
		"  GETs %d through the gateway (%d readers), failed %d\n"+
		"  load %s; kill at %s into it, %s of load after it; %d requests before the kill, %d after",
		len(calls), replicaDrillReaders, len(failed),
		ended.Sub(started).Round(time.Millisecond), killed.Sub(started).Round(time.Millisecond),
		ended.Sub(killed).Round(time.Millisecond), before, after)
}
