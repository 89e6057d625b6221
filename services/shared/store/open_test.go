package store_test

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

// A database that answers slowly at first (here: a port that takes
// connections and says nothing for a second, as a loaded machine doing TLS
// handshakes can) must not make a service or a migrate job give up at its
// first attempt: Open keeps trying within store.StartTimeout. A wrong
// password is answered at once and ends the attempts at once.
func TestOpenWaitsForASlowDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		if db.Name != "postgres" {
			return // SQLite opens a file
		}
		u, err := url.Parse(db.URL)
		if err != nil {
			t.Fatal(err)
		}
		proxy := startStallingProxy(t, u.Host, time.Second)
		slow := *u
		slow.Host = proxy
		st, err := store.Open(slow.String())
		if err != nil {
			t.Fatalf("Open through a database that stalls for 1 s: %v", err)
		}
		st.Close()

		wrong := *u
		wrong.User = url.UserPassword("nobody_here", "wrong")
		start := time.Now()
		if _, err := store.Open(wrong.String()); err == nil {
			t.Fatal("Open as an unknown role succeeded")
		} else if time.Since(start) > store.StartTimeout/2 {
			t.Errorf("a refusal by the server was retried for %s: %v", time.Since(start).Round(time.Millisecond), err)
		}
	})
}

// startStallingProxy forwards TCP to target, except that connections made
// during the first stall are held open without a byte in either direction.
func startStallingProxy(t *testing.T, target string, stall time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	until := time.Now().Add(stall)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if time.Now().Before(until) {
				continue // held, never answered
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); copyClose(up, c) }()
			go func() { defer wg.Done(); copyClose(c, up) }()
		}
	}()
	return ln.Addr().String()
}

// copyClose copies until either side closes, then closes dst.
func copyClose(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
}
