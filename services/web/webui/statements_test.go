package webui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"minitwit/shared/storetest"
)

// webCall is one request of the statement-count table, sent by a guest or
// by a signed-in user ("one" follows one user, "many" follows 50).
type webCall struct {
	as     string // "", "one" or "many"
	method string
	path   string
	form   url.Values
}

// TestStatementsPerRequest fails when a page's number of SQL statements grows
// with the number of messages it shows or with how many users the viewer
// follows: each row runs the same route on a small and a large case and
// wants the same count, within a budget that is the count today. An N+1 query
// (one statement per message, author or followee) makes the large case cost
// more.
func TestStatementsPerRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		log := &storetest.StatementLog{}
		if err := db.Store.OnStatement(log.Add); err != nil {
			t.Fatal(err)
		}
		a := newApp(t, db)
		clients := map[string]*client{"": a.client()}
		for _, name := range []string{"one", "many"} {
			c, _ := a.signedIn(name)
			clients[name] = c
		}
		heavy := a.createUser("heavy", "heavy@example.com", "pw-heavy")
		light := a.createUser("light", "light@example.com", "pw-light")
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 100 {
			a.postAt(heavy, fmt.Sprintf("message %d", i), at.Add(time.Duration(i)*time.Minute))
		}
		a.postAt(light, "only message", at)
		for i := range 50 {
			name := fmt.Sprintf("f%d", i)
			u := a.createUser(name, name+"@example.com", "pw")
			a.postAt(u, "hello from "+name, at.Add(time.Duration(i)*time.Second))
			for _, who := range []string{"one", "many"} {
				if who == "one" && i > 0 {
					continue
				}
				if err := db.Store.Follow(t.Context(), who, name); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := db.Store.Follow(t.Context(), "many", "heavy"); err != nil {
			t.Fatal(err)
		}
		// The second pages of heavy's and of the public timeline.
		older, olderPublic := "", ""
		if r := clients[""].get("/heavy"); r.Status == http.StatusOK {
			older = olderLink(t, r.Body)
		}
		if r := clients[""].get("/public"); r.Status == http.StatusOK {
			olderPublic = olderLink(t, r.Body)
		}
		if older == "" || olderPublic == "" {
			t.Fatal("a full timeline has no link to an older page")
		}

		do := func(w webCall) int {
			t.Helper()
			log.Take()
			r := clients[w.as].do(w.method, w.path, w.form, nil)
			if r.Status >= 400 {
				t.Fatalf("%s %s as %q: status %d:\n%s", w.method, w.path, w.as, r.Status, r.Body)
			}
			return len(log.Take())
		}
		msg := url.Values{"text": {"a message"}}
		rows := []struct {
			name         string
			small, large webCall
			budget       int // statements today; more is a regression to look at
		}{
			{"public as guest by page", webCall{"", "GET", olderPublic, nil}, webCall{"", "GET", "/public", nil}, 1},
			{"public by viewer's follows", webCall{"one", "GET", "/public", nil}, webCall{"many", "GET", "/public", nil}, 2},
			{"home by follows", webCall{"one", "GET", "/", nil}, webCall{"many", "GET", "/", nil}, 2},
			{"user page as guest by page fill", webCall{"", "GET", "/light", nil}, webCall{"", "GET", "/heavy", nil}, 2},
			{"user page by viewer's follows", webCall{"one", "GET", "/heavy", nil}, webCall{"many", "GET", "/heavy", nil}, 4},
			{"user page older page", webCall{"many", "GET", "/light", nil}, webCall{"many", "GET", older, nil}, 4},
			{"post message by follows", webCall{"one", "POST", "/add_message", msg}, webCall{"many", "POST", "/add_message", msg}, 2},
			{"follow by follows", webCall{"one", "POST", "/light/follow", nil}, webCall{"many", "POST", "/light/follow", nil}, 2},
			{"unfollow by follows", webCall{"one", "POST", "/light/unfollow", nil}, webCall{"many", "POST", "/light/unfollow", nil}, 2},
			{"sign-in form", webCall{"", "GET", "/login", nil}, webCall{"", "GET", "/register", nil}, 0},
			// One statement: the session row is deleted, so a copied cookie dies too.
			{"sign out", webCall{"one", "GET", "/logout", nil}, webCall{"many", "GET", "/logout", nil}, 1},
		}
		for _, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				small, large := do(r.small), do(r.large)
				t.Logf("%d and %d statements", small, large)
				if small == 0 && r.budget > 0 {
					t.Fatalf("%s %s sent no statement: the counting hook saw nothing", r.small.method, r.small.path)
				}
				if large > small {
					t.Errorf("%s %s as %q sends %d statements, %s %s as %q sends %d: the count grows with the data (an N+1 query?)",
						r.large.method, r.large.path, r.large.as, large, r.small.method, r.small.path, r.small.as, small)
				}
				if small > r.budget || large > r.budget {
					t.Errorf("%d and %d statements, budget %d: a new round trip on this page", small, large, r.budget)
				}
			})
		}
		// Sign-in and sign-up last: they sign the clients out or in anew.
		// Each from a fresh guest (a signed-in client is only redirected).
		// Four statements: the user by name, the throttle state of the
		// account and the address in one (account.Service, issue 9), the
		// user's two-factor state, and the session row written. The purge
		// of expired sessions adds one at most once an hour per replica
		// (it ran at the first sign-in above). A wrong password adds the
		// failure count and no session.
		t.Run("sign in by follows", func(t *testing.T) {
			clients["guest1"], clients["guest2"] = a.client(), a.client()
			small := do(webCall{"guest1", "POST", "/login", url.Values{"username": {"one"}, "password": {"pw-one"}}})
			large := do(webCall{"guest2", "POST", "/login", url.Values{"username": {"many"}, "password": {"pw-many"}}})
			t.Logf("%d and %d statements", small, large)
			if small == 0 || large != small || large > 4 {
				t.Errorf("sign-in sends %d and %d statements, want the same, at most 4", small, large)
			}
		})
	})
}
