package apihttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"minitwit/shared/storetest"
)

// BenchmarkAPI measures tweet, follow and unfollow as the simulator sends
// them (new connection per request, Basic auth, latest=<id>) on every
// database storetest provides, and reports p50/p99 per request. The target
// on PostgreSQL is a p99 below 10 ms.
//
//	cd services/api && MINITWIT_TEST_PG_URL=postgres://... go test -run '^$' -bench API -benchtime 2000x ./apihttp
func BenchmarkAPI(b *testing.B) {
	for _, db := range storetest.Open(b) {
		srv := newServer(b, db)
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 300 * time.Millisecond}
		const users = 200
		for i := range users {
			body := fmt.Sprintf(`{"username":"user %d","email":"u%d@x","pwd":"p"}`, i, i)
			if status := send(b, client, srv.URL+"/register", body); status != 204 {
				b.Fatalf("register: %d", status)
			}
		}
		id := 0
		action := func(kind string, i int) (string, string) {
			who := url.PathEscape(fmt.Sprintf("user %d", i%users))
			other := fmt.Sprintf("user %d", (i*7+1)%users)
			if other == fmt.Sprintf("user %d", i%users) {
				other = fmt.Sprintf("user %d", (i+1)%users)
			}
			switch kind {
			case "tweet":
				return "/msgs/" + who, fmt.Sprintf(`{"content":"message “%d” — 😀"}`, i)
			case "follow":
				return "/fllws/" + who, fmt.Sprintf(`{"follow":%q}`, other)
			}
			return "/fllws/" + who, fmt.Sprintf(`{"unfollow":%q}`, other)
		}
		for _, kind := range []string{"tweet", "follow", "unfollow"} {
			b.Run(db.Name+"/"+kind, func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				i := 0
				for b.Loop() {
					path, body := action(kind, i)
					i++
					id++
					start := time.Now()
					if status := send(b, client, fmt.Sprintf("%s%s?latest=%d", srv.URL, path, id), body); status != 204 {
						b.Fatalf("%s: status %d", kind, status)
					}
					lat = append(lat, time.Since(start))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

func send(b *testing.B, c *http.Client, u, body string) int {
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Authorization", simAuth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
