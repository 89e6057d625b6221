package webui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// formOps are the forms FuzzForms fills, picked by the input's op byte.
var formOps = []struct {
	path   string
	signed bool // sent by the signed-in client
	form   func(a, b, c string) url.Values
}{
	{"/register", false, func(a, b, c string) url.Values {
		return url.Values{"username": {a}, "email": {b}, "password": {c}, "password2": {c}}
	}},
	{"/register", false, func(a, b, c string) url.Values {
		return url.Values{"username": {a}, "email": {b}, "password": {c}, "password2": {b}}
	}},
	{"/login", false, func(a, _, c string) url.Values {
		return url.Values{"username": {a}, "password": {c}}
	}},
	{"/add_message", true, func(a, _, _ string) url.Values { return url.Values{"text": {a}} }},
}

// webEngine is one web replica on one database, with a guest client and a
// client signed in as "fuzz author".
type webEngine struct {
	db            storetest.DB
	url           string
	guest, signed *http.Client
}

// FuzzForms posts the sign-up, sign-in and new-message forms built from the
// input through the real engine, on every engine storetest gives, in the
// same order on each. Properties: never a 5xx (a recovered panic is a 500),
// a sign-up the UI accepted is a user the store finds by that name, and
// both databases give sign-up and posting the same status.
//
// op picks the form (formOps); its bit 0x80 sends a as the raw body instead
// of the encoded form, so percent escapes, bare "&" and invalid UTF-8 reach
// the form parser.
func FuzzForms(f *testing.F) {
	long := strings.Repeat("x", 300)
	seeds := []struct {
		op      byte
		a, b, c string
	}{
		{0, "alice", "alice@example.com", "secret-pw"},
		{1, "bob", "bob@example.com", "secret-pw"},
		{2, "alice", "", "secret-pw"},
		{2, "alice", "", "wrong"},
		{3, "hello <b>world</b>", "", ""},
		{0, long, "l@example.com", "secret-pw"},
		{0, "n", long + "@example.com", "secret-pw"},
		{0, "a\x00b", "nul@example.com", "secret-pw"},
		{0, "\xff\xfe", "bad@example.com", "secret-pw"},
		{0, "Alice", "A@example.com", "secret-pw"},
		{0, "аlice", "cyr@example.com", "secret-pw"},
		{0, "alice\u200b", "zw@example.com", "secret-pw"},
		{0, "alice ", "sp@example.com", "secret-pw"},
		{0, "A\u030angstro\u0308m", "ang@example.com", "secret-pw"},
		{0, "p", "p@example.com", "x"},
		{0, "q", "q@example.com", strings.Repeat("ü", 50)},
		{2, "a\x00b", "", "pw"},
		{2, "\xff", "", "pw"},
		{3, "a\x00b", "", ""},
		{3, "\xff\xfe", "", ""},
		{3, strings.Repeat("ü", 3000), "", ""},
		{0x80, "username=a%ffb&email=a@b&password=p&password2=p", "", ""},
		{0x80, "username=%zz&email", "", ""},
		{0x80 | 2, "username=alice&password=%00", "", ""},
		{0x80 | 3, "text=%00%ff;&text=x", "", ""},
		{0x80 | 3, strings.Repeat("&", 5000), "", ""},
	}
	for _, s := range seeds {
		f.Add(s.op, s.a, s.b, s.c)
	}

	var engines []webEngine
	for _, db := range storetest.Open(f) {
		r, _ := newEngine(f, db, io.Discard)
		srv := httptest.NewServer(r)
		f.Cleanup(srv.Close)
		engines = append(engines, webEngine{db: db, url: srv.URL, guest: fuzzClient(nil), signed: signIn(f, srv.URL, db)})
	}

	f.Fuzz(func(t *testing.T, op byte, a, b, c string) {
		o := formOps[int(op&0x7f)%len(formOps)]
		body := o.form(a, b, c).Encode()
		if op&0x80 != 0 {
			body = a
		}
		var statuses []string
		for _, e := range engines {
			cl := e.guest
			if o.signed {
				cl = e.signed
			}
			req, err := http.NewRequest("POST", e.url+o.path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := cl.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", o.path, err)
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			where := fmt.Sprintf("POST %s on %s with %q", o.path, e.db.Name, body)
			if res.StatusCode >= 500 {
				t.Fatalf("%s: status %d\n%s", where, res.StatusCode, page)
			}
			if o.signed && res.StatusCode == http.StatusFound && res.Header.Get("Location") == "/login" {
				t.Fatalf("%s: the signed-in client was sent to sign in", where)
			}
			if o.path != "/login" {
				statuses = append(statuses, fmt.Sprint(res.StatusCode))
			}
			if o.path == "/register" && res.StatusCode == http.StatusFound {
				name := a
				if op&0x80 != 0 {
					q, _ := url.ParseQuery(a)
					name = q.Get("username")
				}
				if _, err := e.db.Store.UserByName(context.Background(), name); err != nil {
					t.Errorf("%s: signed up, but the store does not find %q: %v", where, name, err)
				}
			}
		}
		for _, s := range statuses[min(1, len(statuses)):] {
			if s != statuses[0] {
				t.Errorf("POST %s with %q: the engines disagree: %v", o.path, body, statuses)
			}
		}
	})
}

// fuzzClient follows no redirects, so a form's own answer is what is checked.
func fuzzClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// signIn creates "fuzz author" in the store and returns a client signed in
// as that user through the sign-in form.
func signIn(tb testing.TB, base string, db storetest.DB) *http.Client {
	tb.Helper()
	const name, pw = "fuzz author", "fuzz author's password"
	hash, err := testHasher.Hash(pw)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Store.CreateUser(context.Background(), domain.User{Username: name, Email: "fuzz@example.com", PwHash: hash}); err != nil {
		tb.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	c := fuzzClient(jar)
	res, err := c.PostForm(base+"/login", url.Values{"username": {name}, "password": {pw}})
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/" {
		tb.Fatalf("sign-in as %q: status %d, location %q", name, res.StatusCode, res.Header.Get("Location"))
	}
	return c
}
