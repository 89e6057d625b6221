package apihttp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minitwit/shared/storetest"
)

// apiOps are the requests FuzzAPI sends, picked by the input's op byte.
var apiOps = []struct {
	method, path string
	body         func(name, other string) any // the JSON body built from the fields
}{
	{"POST", "/register", func(name, other string) any {
		return map[string]string{"username": name, "email": other, "pwd": "pw"}
	}},
	{"POST", "/msgs/%s", func(_, other string) any { return map[string]string{"content": other} }},
	{"POST", "/fllws/%s", func(_, other string) any { return map[string]string{"follow": other} }},
	{"POST", "/fllws/%s", func(_, other string) any { return map[string]string{"unfollow": other} }},
	{"GET", "/msgs/%s", nil},
	{"GET", "/fllws/%s", nil},
	{"GET", "/msgs", nil},
	{"GET", "/latest", nil},
}

// FuzzAPI sends simulator requests built from the input through the real
// router and middleware, on every engine storetest gives (SQLite always,
// PostgreSQL when MINITWIT_TEST_PG_URL is set), in the same order on each,
// so the databases hold the same state. Properties: never a 5xx (a
// recovered panic is a 500), every answer with a body is JSON, a
// registration the API accepted is a user the API can then read, and both
// engines give the same status to the same request.
//
// op picks the request (apiOps); its bit 0x80 puts name into the path
// as it is (percent escapes included, "a%ffb") instead of escaped; rawBody,
// when not empty, is sent instead of the JSON built from name and other.
func FuzzAPI(f *testing.F) {
	long := strings.Repeat("x", 300)
	seeds := []struct {
		op                 byte
		name, other, query string
		rawBody            string
	}{
		{0, "alice", "alice@example.com", "latest=1", ""},
		{0, "bob", "bob@example.com", "", ""},
		{1, "alice", "hello world", "latest=2", ""},
		{2, "alice", "bob", "", ""},
		{3, "alice", "bob", "", ""},
		{4, "alice", "", "no=5", ""},
		{5, "alice", "", "no=-1", ""},
		{6, "", "", "no=99999999999999999999", ""},
		{7, "", "", "", ""},
		// The findings of issue 9: 500 on PostgreSQL, 204 on SQLite.
		{0, long, "l@example.com", "", ""},
		{0, "n", long + "@example.com", "", ""},
		{0, "a\x00b", "nul@example.com", "", ""},
		{0, "nulmail", "a\x00b@example.com", "", ""},
		{1, "alice", "a\x00b", "", ""},
		{0x80 | 4, "a%ffb", "", "", ""},
		{0x80 | 5, "a%ffb", "", "", ""},
		{2, "alice", "a\x00b", "", ""},
		// Look-alikes, control characters, big and odd numbers.
		{0, "Alice", "A@example.com", "", ""},
		{0, "аlice", "cyr@example.com", "", ""},
		{0, "alice\u200b", "zw@example.com", "", ""},
		{0, "Ångström", "ang@example.com", "", ""},
		{0, "A\u030angstro\u0308m", "ang2@example.com", "", ""},
		{0, "\xff\xfe", "bad@example.com", "", ""},
		{1, "alice", strings.Repeat("ü", 2000), "", ""},
		{4, "alice", "", "no=9223372036854775808&latest=-9223372036854775808", ""},
		{7, "", "", "latest=abc", ""},
		{0x80 | 4, "..%2f..%2fetc%2fpasswd", "", "", ""},
		{0x80 | 1, "alice%00", "x", "", ""},
		// Raw bodies: malformed, wrong shapes, trailing data, deep nesting.
		{0, "", "", "", `{"username":`},
		{0, "", "", "", `[]`},
		{0, "", "", "", `{"username":1,"email":true,"pwd":null}`},
		{0, "", "", "", `{"username":"u","email":"u@x","pwd":"p"}{}`},
		{1, "alice", "", "", `{"content":"\ud800"}`},
		{2, "alice", "", "", `{"follow":"bob","unfollow":"bob"}`},
		{2, "alice", "", "", `{"follow":""}`},
		{2, "alice", "", "", strings.Repeat("[", 10000)},
		{1, "alice", "", "", "{\"content\":\"\xff\"}"},
	}
	for _, s := range seeds {
		f.Add(s.op, s.name, s.other, s.query, []byte(s.rawBody))
	}

	type engine struct {
		name string
		srv  string
		c    *http.Client
	}
	var engines []engine
	for _, db := range storetest.Open(f) {
		srv := newServer(f, db)
		engines = append(engines, engine{db.Name, srv.URL, srv.Client()})
	}

	f.Fuzz(func(t *testing.T, op byte, name, other, query string, rawBody []byte) {
		o := apiOps[int(op&0x7f)%len(apiOps)]
		path := o.path
		if strings.Contains(path, "%s") {
			seg := url.PathEscape(name)
			if op&0x80 != 0 {
				seg = name
			}
			path = fmt.Sprintf(path, seg)
		}
		if strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return // no valid request line holds these: net/http's own 400 answers it, before any handler
		}
		target := path
		if query != "" {
			target += "?" + query
		}
		var body []byte
		switch {
		case len(rawBody) > 0:
			body = rawBody
		case o.body != nil:
			var err error
			if body, err = json.Marshal(o.body(name, other)); err != nil {
				t.Fatal(err)
			}
		}

		var statuses []string
		for _, e := range engines {
			u, err := url.Parse(e.srv + target)
			if err != nil {
				return // not a request a client can send
			}
			status, ct, resp := fuzzSend(t, e.c, o.method, u, body)
			if status < 0 {
				return
			}
			statuses = append(statuses, fmt.Sprintf("%s: %d", e.name, status))
			where := fmt.Sprintf("%s %s on %s (body %q)", o.method, u.RequestURI(), e.name, body)
			if status >= 500 {
				t.Fatalf("%s: status %d, body %s", where, status, resp)
			}
			if len(resp) > 0 && status/100 != 3 {
				if !strings.HasPrefix(ct, "application/json") {
					t.Errorf("%s: status %d with Content-Type %q, want JSON: %s", where, status, ct, resp)
				}
				if !json.Valid(resp) {
					t.Errorf("%s: status %d, body is not JSON: %q", where, status, resp)
				}
			}
			if status == http.StatusNoContent && o.path == "/register" {
				// The user just registered must be one the API can serve
				// (by the name as JSON decoding gave it to the server).
				var reg struct{ Username string }
				_ = json.Unmarshal(body, &reg)
				read, _ := url.Parse(e.srv + "/msgs/" + url.PathEscape(reg.Username))
				if st, _, r := fuzzSend(t, e.c, "GET", read, nil); st != http.StatusOK {
					t.Errorf("%s: registered, but GET %s answers %d %s", where, read.RequestURI(), st, r)
				}
			}
		}
		if len(statuses) > 1 && !allSameStatus(statuses) {
			t.Errorf("%s %s (body %q): the engines disagree: %v", o.method, target, body, statuses)
		}
	})
}

// fuzzSend makes one request with the simulator's credentials; status is -1 when
// the client refused to send it.
func fuzzSend(t *testing.T, c *http.Client, method string, u *url.URL, body []byte) (status int, ct string, resp []byte) {
	t.Helper()
	req := &http.Request{Method: method, URL: u, Header: http.Header{}, Host: u.Host}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", simAuth)
	res, err := c.Do(req)
	if err != nil {
		if strings.Contains(err.Error(), "invalid") { // e.g. a URL net/http will not write
			return -1, "", nil
		}
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, u, err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

func allSameStatus(s []string) bool {
	code := func(x string) string { return x[strings.LastIndex(x, " ")+1:] }
	for _, x := range s[1:] {
		if code(x) != code(s[0]) {
			return false
		}
	}
	return true
}
