package apihttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// apiCall is one request of the statement-count table.
type apiCall struct{ method, path, body string }

// TestStatementsPerRequest fails when an endpoint's number of SQL statements
// grows with the page size or with how many users someone follows: each row
// runs the same endpoint on a small and a large case and wants the same
// count, within a budget that is the count today. An N+1 query (one
// statement per message, author or followee) makes the large case cost more.
func TestStatementsPerRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		log := &storetest.StatementLog{}
		if err := db.Store.OnStatement(log.Add); err != nil {
			t.Fatal(err)
		}
		seedStatementWorld(t, db)
		srv := newServer(t, db)
		do := func(c apiCall) int {
			t.Helper()
			log.Take()
			req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", simAuth)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 300 {
				t.Fatalf("%s %s: status %d: %s", c.method, c.path, res.StatusCode, body)
			}
			return len(log.Take())
		}

		rows := []struct {
			name         string
			small, large apiCall
			budget       int // statements today; more is a regression to look at
		}{
			{"latest", apiCall{"GET", "/latest", ""}, apiCall{"GET", "/latest", ""}, 1},
			{"register", apiCall{"POST", "/register?latest=1", `{"username":"new1","email":"n1@x","pwd":"p"}`},
				apiCall{"POST", "/register?latest=2", `{"username":"new2","email":"n2@x","pwd":"p"}`}, 3},
			{"public msgs by page size", apiCall{"GET", "/msgs?no=10&latest=3", ""}, apiCall{"GET", "/msgs?no=100&latest=4", ""}, 2},
			{"user msgs by page size", apiCall{"GET", "/msgs/heavy?no=10", ""}, apiCall{"GET", "/msgs/heavy?no=100", ""}, 2},
			{"follows by follow count", apiCall{"GET", "/fllws/one?no=100", ""}, apiCall{"GET", "/fllws/many?no=100", ""}, 1},
			{"follows by page size", apiCall{"GET", "/fllws/many?no=5", ""}, apiCall{"GET", "/fllws/many?no=100", ""}, 1},
			{"tweet by follow count", apiCall{"POST", "/msgs/one?latest=5", `{"content":"hi"}`}, apiCall{"POST", "/msgs/many?latest=6", `{"content":"hi"}`}, 3},
			{"follow by follow count", apiCall{"POST", "/fllws/one?latest=7", `{"follow":"heavy"}`}, apiCall{"POST", "/fllws/many?latest=8", `{"follow":"heavy"}`}, 2},
			{"unfollow by follow count", apiCall{"POST", "/fllws/one?latest=9", `{"unfollow":"heavy"}`}, apiCall{"POST", "/fllws/many?latest=10", `{"unfollow":"heavy"}`}, 2},
		}
		for _, r := range rows {
			t.Run(r.name, func(t *testing.T) {
				small, large := do(r.small), do(r.large)
				t.Logf("%d and %d statements", small, large)
				if small == 0 {
					t.Fatalf("%s %s sent no statement: the counting hook saw nothing", r.small.method, r.small.path)
				}
				if large > small {
					t.Errorf("%s %s sends %d statements, %s %s sends %d: the count grows with the data (an N+1 query?)",
						r.large.method, r.large.path, large, r.small.method, r.small.path, small)
				}
				if small > r.budget || large > r.budget {
					t.Errorf("%d and %d statements, budget %d: a new round trip on this endpoint", small, large, r.budget)
				}
			})
		}
	})
}

// seedStatementWorld stores "heavy" with 120 messages, "one" following one
// user and "many" following 50.
func seedStatementWorld(t *testing.T, db storetest.DB) {
	t.Helper()
	ctx := context.Background()
	st := db.Store
	mk := func(name string) domain.User {
		u, err := st.CreateUser(ctx, domain.User{Username: name, Email: name + "@example.com", PwHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	heavy := mk("heavy")
	mk("one")
	mk("many")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 120 {
		if _, err := st.PostMessage(ctx, heavy.ID, fmt.Sprintf("message %d", i), at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		name := fmt.Sprintf("f%d", i)
		mk(name)
		if err := st.Follow(ctx, "many", name); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Follow(ctx, "one", "f0"); err != nil {
		t.Fatal(err)
	}
}
