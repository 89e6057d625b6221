package webui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"minitwit/shared/storetest"
)

// Failed sign-ins are counted in the database, so two replicas share the
// count: five wrong passwords for one account, spread over both, block the
// sixth attempt on either, even with the right password, with 429, a clear
// message on the form and Retry-After. A success after the block resets
// the account's count.
func TestSignInThrottledAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		// A clock that stands still: on a slow machine the 1 s block
		// could otherwise run out between the fifth failure and the check.
		clk := &clock{t: time.Now()}
		one, two := newApp(t, db, withClock(clk)), newApp(t, db, withClock(clk))
		one.createUser("carol", "carol@example.com", "right-password")
		replicas := []*app{one, two}
		for i := range 5 {
			r := replicas[i%2].client().post("/login", url.Values{"username": {"carol"}, "password": {"wrong"}})
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r.Body, errorBox("Invalid password"))
		}
		for _, a := range replicas {
			r := a.client().post("/login", url.Values{"username": {"Carol"}, "password": {"right-password"}})
			wantStatus(t, r, http.StatusTooManyRequests)
			mustContain(t, r.Body, "Too many failed sign-ins; try again in ")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("Retry-After %q, want whole seconds", r.Header.Get("Retry-After"))
			}
			if got := fieldValue(t, r.Body, "username"); got != "Carol" {
				t.Errorf("username field keeps %q", got)
			}
		}
		// Another account from the same address is not blocked.
		one.createUser("dave", "dave@example.com", "dave-password")
		wantRedirect(t, two.client().post("/login", url.Values{"username": {"dave"}, "password": {"dave-password"}}), "/")

		// The block running out (moved into the past here rather than
		// waited for) lets the right password in and clears the count.
		db.Exec(t, `UPDATE sign_in_throttle SET blocked_until = 0`)
		wantRedirect(t, two.client().post("/login", url.Values{"username": {"carol"}, "password": {"right-password"}}), "/")
		var n int64
		if err := db.QueryRow(t, `SELECT COUNT(*) FROM sign_in_throttle WHERE key LIKE 'user:%'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("account rows after a success = %d (%v), want 0", n, err)
		}
		r := one.client().post("/login", url.Values{"username": {"carol"}, "password": {"wrong"}})
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r.Body, errorBox("Invalid password"))
	})
}

// Failures from one client address block it after 20, whatever names it
// tries; the address comes from the gateway's X-Forwarded-For only because
// the test's peer is loopback, and another address is not affected.
func TestSignInThrottledPerClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db, withClock(&clock{t: time.Now()}))
		a.createUser("erin", "erin@example.com", "erin-password")
		from := func(ip string) header { return header{"X-Forwarded-For": ip} }
		login := func(ip, name, pw string) response {
			return a.client().do(http.MethodPost, "/login", url.Values{"username": {name}, "password": {pw}}, from(ip))
		}
		for i := range 20 {
			wantStatus(t, login("203.0.113.7", "ghost"+strconv.Itoa(i), "x"), http.StatusOK)
		}
		wantStatus(t, login("203.0.113.7", "erin", "erin-password"), http.StatusTooManyRequests)
		wantRedirect(t, login("198.51.100.9", "erin", "erin-password"), "/")
	})
}
