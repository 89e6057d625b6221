package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// monCall is one request of the generated traffic and its answer.
type monCall struct {
	What   string
	Status int // 0: no answer (the error is in What)
}

// monTraffic records the traffic's requests with the status each should
// get and the status it got.
type monTraffic struct {
	Want, Got []monCall
	// Cookies are the values of every cookie the web service set.
	Cookies map[string]bool
}

func (tr *monTraffic) record(what string, want int, resp *http.Response, err error) {
	tr.Want = append(tr.Want, monCall{what, want})
	got := monCall{What: what}
	if err != nil {
		got.What += " (" + err.Error() + ")"
	} else {
		got.Status = resp.StatusCode
		if tr.Cookies == nil {
			tr.Cookies = map[string]bool{}
		}
		for _, c := range resp.Cookies() {
			if c.Value != "" {
				tr.Cookies[c.Value] = true
			}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	tr.Got = append(tr.Got, got)
}

// monClient talks to the test's self-signed gateway and to the services;
// it never follows redirects, so each answer is checked as sent.
func monClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Timeout:   15 * time.Second,
		Jar:       jar,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// apiCall sends one simulator API request with the simulator's credentials
// (auth "" sends none).
func (tr *monTraffic) apiCall(base, auth, method, path string, body any, want int) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	what := fmt.Sprintf("%s %s%s", method, base, path)
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		tr.record(what, want, nil, err)
		return
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := monClient(nil).Do(req)
	tr.record(what, want, resp, err)
}

// apiRound sends simulator-like actions to an API base URL (ending in /api).
// Users are named for the round and the target (suffix), so the rounds and
// targets, which share one database, never collide. Each round has 3 answers
// 403 and one 404 among 15 authorized calls: enough for SimulatorAPIErrors.
func (tr *monTraffic) apiRound(base, suffix, auth, password string, n int) {
	name := func(u string) string { return fmt.Sprintf("%s%d%s", u, n, suffix) }
	latest := func(k int) string { return fmt.Sprintf("latest=%d", n*100+k) }
	for _, u := range []string{"alice", "bob", "carol"} {
		tr.apiCall(base, auth, "POST", "/register?"+latest(1),
			map[string]string{"username": name(u), "email": name(u) + "@example.com", "pwd": password}, 204)
	}
	tr.apiCall(base, auth, "POST", "/register?"+latest(2),
		map[string]string{"username": name("alice"), "email": "a@example.com", "pwd": "x"}, 400)
	for i := 1; i <= 5; i++ {
		tr.apiCall(base, auth, "POST", fmt.Sprintf("/msgs/%s?%s", name("alice"), latest(10+i)),
			map[string]string{"content": fmt.Sprintf("hello %d", i)}, 204)
	}
	tr.apiCall(base, auth, "POST", "/fllws/"+name("alice")+"?"+latest(20), map[string]string{"follow": name("bob")}, 204)
	tr.apiCall(base, auth, "POST", "/fllws/"+name("alice")+"?"+latest(21), map[string]string{"unfollow": name("bob")}, 204)
	tr.apiCall(base, auth, "POST", "/fllws/"+name("alice")+"?"+latest(22), map[string]string{"follow": name("carol")}, 204)
	tr.apiCall(base, auth, "GET", "/msgs?no=10&"+latest(23), nil, 200)
	tr.apiCall(base, auth, "GET", "/msgs/"+name("alice")+"?no=5", nil, 200)
	tr.apiCall(base, auth, "GET", "/fllws/"+name("alice"), nil, 200)
	tr.apiCall(base, auth, "GET", "/msgs/nobody", nil, 404)
	tr.apiCall(base, "", "GET", "/latest", nil, 200)
	for range 3 {
		tr.apiCall(base, "", "GET", "/msgs", nil, 403)
	}
}

// webSession signs up, fails one sign-in, signs in, posts, and follows and
// unfollows another user, the follow with a known request id.
func (tr *monTraffic) webSession(base, user, password, follow, requestID string) {
	jar, _ := cookiejar.New(nil)
	c := monClient(jar)
	form := func(path string, want int, kv ...string) {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		resp, err := c.PostForm(base+path, v)
		tr.record("POST "+base+path, want, resp, err)
	}
	get := func(path string, want int, header ...string) {
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			tr.record("GET "+base+path, want, nil, err)
			return
		}
		for i := 0; i < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		tr.record("GET "+base+path, want, resp, err)
	}
	get("/public", 200)
	form("/register", 302, "username", user, "email", user+"@example.com", "password", password, "password2", password)
	form("/login", 200, "username", user, "password", "wrong-password")
	form("/login", 302, "username", user, "password", password)
	form("/add_message", 302, "text", "hello from "+user)
	get("/"+follow+"/follow", 302, "X-Request-ID", requestID)
	get("/", 200)
	get("/"+follow+"/unfollow", 302)
}
