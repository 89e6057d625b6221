package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Injection strings that must be stored verbatim and shown escaped.
const (
	gwInjectSQL  = `Robert'); DROP TABLE messages; -- "x" OR 1=1`
	gwInjectHTML = `<script>alert("xss")</script><img src=x onerror=alert(1)>`
)

// gwHostileRow is one hostile request sent raw (the target exactly as
// written, no client-side cleaning) over HTTPS through the gateway.
type gwHostileRow struct {
	name    string
	method  string
	target  string
	body    string
	headers []string
	want    int
	// notAPI: the answer is not the API's even though the target starts
	// with /api/ (NGINX refused it first, or it normalizes to a page path).
	notAPI bool
}

// hostile sends a row and returns the answer.
func (g *Gateway) hostile(t testing.TB, r gwHostileRow) gwAnswer {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n", r.method, r.target, g.HTTPSPort)
	for _, h := range r.headers {
		b.WriteString(h + "\r\n")
	}
	if r.method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("\r\n" + r.body)
	return g.gwRaw(t, false, b.String())
}

func gwJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// gwRegisterBody is a POST /api/register body.
func gwRegisterBody(name, email string) string {
	return gwJSON(map[string]string{"username": name, "email": email, "pwd": "pw"})
}

// testGatewayHostile sends hostile input through NGINX (HTTPS) to the split
// services on PostgreSQL: each request gets its documented 4xx (or is cut
// off), never a 5xx, and afterwards a known user's data reads back
// unchanged, injection text is stored verbatim and shown escaped.
func testGatewayHostile(t *testing.T, g *Gateway) {
	auth := "Authorization: " + gwSimAuth
	js := "Content-Type: application/json"
	const known, friend1, friend2 = "hostile known", "hostile friend one", "hostile friend two"
	const knownPath = "hostile%20known"
	for _, u := range []string{known, friend1, friend2} {
		g.apiUser(t, u)
	}
	for i := range 3 {
		g.apiPost(t, "/api/msgs/"+knownPath, gwJSON(map[string]string{"content": fmt.Sprintf("known message %d", i)}))
	}
	g.apiPost(t, "/api/fllws/"+knownPath, gwJSON(map[string]string{"follow": friend1}))
	g.apiPost(t, "/api/fllws/"+knownPath, gwJSON(map[string]string{"follow": friend2}))
	// latest is stored by this valid request; non-integer values leave it.
	if a := g.get(t, g.HTTPSURL()+"/api/msgs?no=1&latest=4242", auth); a.Status != 200 {
		t.Fatalf("GET /api/msgs?latest=4242: %d %s", a.Status, a.Body)
	}
	snapshot := func() [3]string {
		return [3]string{
			g.get(t, g.HTTPSURL()+"/api/msgs/"+knownPath+"?no=100", auth).Body,
			g.get(t, g.HTTPSURL()+"/api/fllws/"+knownPath+"?no=100", auth).Body,
			g.get(t, g.HTTPSURL()+"/api/latest").Body,
		}
	}
	before := snapshot()

	sqlName, htmlName := gwInjectSQL, gwInjectHTML
	sqlPath, htmlPath := url.PathEscape(sqlName), url.PathEscape(htmlName)
	rows := []gwHostileRow{
		// Malformed, oversized and mistyped bodies.
		{"MalformedJSONRegister", "POST", "/api/register", `{"username": "x", "email":`, []string{js}, 400, false},
		{"MalformedJSONMessage", "POST", "/api/msgs/" + knownPath, `{content: unquoted}`, []string{js, auth}, 400, false},
		{"JSONArrayNotObject", "POST", "/api/fllws/" + knownPath, `["follow"]`, []string{js, auth}, 400, false},
		{"OversizedForService", "POST", "/api/msgs/" + knownPath,
			`{"content":"` + strings.Repeat("a", 3<<19) + `"}`, []string{js, auth}, 413, false},
		{"OversizedForGateway", "POST", "/api/register",
			`{"username":"` + strings.Repeat("a", 3<<20) + `"}`, []string{js}, 413, false},
		{"FormEncodedNotJSON", "POST", "/api/register", "username=x&email=x%40y&pwd=z",
			[]string{"Content-Type: application/x-www-form-urlencoded"}, 400, false},
		{"XMLNotJSON", "POST", "/api/msgs/" + knownPath, `<content>hi</content>`, []string{"Content-Type: application/xml", auth}, 400, false},
		{"EmptyBody", "POST", "/api/msgs/" + knownPath, "", []string{js, auth}, 400, false},
		// Query parameters.
		{"NoNegative", "GET", "/api/msgs?no=-1", "", []string{auth}, 400, false},
		{"NoHuge", "GET", "/api/msgs?no=99999999999", "", []string{auth}, 200, false},
		{"NoOverflowsInt64", "GET", "/api/msgs?no=99999999999999999999999", "", []string{auth}, 200, false},
		{"NoNotANumber", "GET", "/api/msgs?no=abc", "", []string{auth}, 200, false},
		{"LatestNotANumber", "GET", "/api/msgs?no=1&latest=abc", "", []string{auth}, 200, false},
		{"LatestEscapedGarbage", "GET", "/api/fllws/" + knownPath + "?latest=%ff%00", "", []string{auth}, 200, false},
		// Names with control characters, invalid UTF-8, invisible characters
		// or no length bound (need H1's rules: 500 or 204 before).
		{"RegisterNUL", "POST", "/api/register", gwRegisterBody("a\u0000b", "nul@example.org"), []string{js}, 400, false},
		{"RegisterLongName", "POST", "/api/register", gwRegisterBody(strings.Repeat("n", 300), "long@example.org"), []string{js}, 400, false},
		{"RegisterLongEmail", "POST", "/api/register", gwRegisterBody("hostile long email", strings.Repeat("e", 300)+"@example.org"), []string{js}, 400, false},
		{"RegisterZeroWidth", "POST", "/api/register", gwRegisterBody("hostile\u200bknown", "zw@example.org"), []string{js}, 400, false},
		{"RegisterControl", "POST", "/api/register", gwRegisterBody("hostile\u0007bell", "bell@example.org"), []string{js}, 400, false},
		{"MessageNUL", "POST", "/api/msgs/" + knownPath, gwJSON(map[string]string{"content": "a\u0000b"}), []string{js, auth}, 400, false},
		{"MessageTooLong", "POST", "/api/msgs/" + knownPath, gwJSON(map[string]string{"content": strings.Repeat("m", 1001)}), []string{js, auth}, 400, false},
		{"FollowNUL", "POST", "/api/fllws/" + knownPath, gwJSON(map[string]string{"follow": "a\u0000b"}), []string{js, auth}, 404, false},
		{"MsgsInvalidUTF8", "GET", "/api/msgs/a%ffb", "", []string{auth}, 404, false},
		{"FllwsInvalidUTF8", "GET", "/api/fllws/a%ffb", "", []string{auth}, 404, false},
		{"TweetInvalidUTF8", "POST", "/api/msgs/a%ffb", `{"content":"x"}`, []string{js, auth}, 404, false},
		// NGINX refuses an escaped NUL in any path before routing (HTML 400).
		{"MsgsEscapedNUL", "GET", "/api/msgs/a%00b", "", []string{auth}, 400, true},
		{"WebInvalidUTF8", "GET", "/a%ffb", "", nil, 404, false},
		{"WebEscapedNUL", "GET", "/a%00b", "", nil, 400, false},
		{"WebRegisterNUL", "POST", "/register", url.Values{"username": {"a\x00b"}, "email": {"w@example.org"},
			"password": {"secret-password"}, "password2": {"secret-password"}}.Encode(),
			[]string{"Content-Type: application/x-www-form-urlencoded"}, 200, false},
		// Path traversal: never a file. NGINX resolves dot segments (escaped
		// ones too) before routing, so these are web paths (404 pages).
		{"DotDotAPI", "GET", "/api/../etc/passwd", "", nil, 404, true},
		{"EscapedDotDotAPI", "GET", "/api/%2e%2e/etc/passwd", "", nil, 404, true},
		{"EscapedDotDotInUsername", "GET", "/api/msgs/..%2f..%2fetc%2fpasswd", "", []string{auth}, 404, true},
		{"DoubleSlash", "GET", "//etc/passwd", "", nil, 404, false},
		{"AboveRoot", "GET", "/static/../../../etc/passwd", "", nil, 400, false},
		{"EscapedAboveRoot", "GET", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "", nil, 400, false},
		// SQL and HTML injection: plain data.
		{"RegisterSQL", "POST", "/api/register", gwRegisterBody(sqlName, "sql@example.org"), []string{js}, 204, false},
		{"RegisterHTML", "POST", "/api/register", gwRegisterBody(htmlName, "html@example.org"), []string{js}, 204, false},
		{"TweetSQL", "POST", "/api/msgs/" + sqlPath, gwJSON(map[string]string{"content": gwInjectSQL}), []string{js, auth}, 204, false},
		{"TweetHTML", "POST", "/api/msgs/" + htmlPath, gwJSON(map[string]string{"content": gwInjectHTML}), []string{js, auth}, 204, false},
		{"FollowSQLTautology", "POST", "/api/fllws/" + knownPath, gwJSON(map[string]string{"follow": "x' OR '1'='1"}), []string{js, auth}, 404, false},
		{"MsgsSQLTautology", "GET", "/api/msgs/x'%20OR%20'1'='1", "", []string{auth}, 404, false},
		{"UnfollowSQLTautology", "POST", "/api/fllws/" + knownPath, gwJSON(map[string]string{"unfollow": "' OR 1=1 --"}), []string{js, auth}, 404, false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			a := g.hostile(t, r)
			if a.Status >= 500 || a.Status != r.want {
				t.Errorf("%s %.80s: %d %.200q, want %d", r.method, r.target, a.Status, a.Body, r.want)
			}
			if strings.HasPrefix(r.target, "/api/") && !r.notAPI && a.Status >= 400 {
				var e gwAPIError
				if err := json.Unmarshal([]byte(a.Body), &e); err != nil || e.Status != a.Status || e.ErrorMsg == "" {
					t.Errorf("API error body %.200q is not the contract's JSON error (%v)", a.Body, err)
				}
			}
		})
	}

	t.Run("SpoofedForwarding", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "10.0.0.1"}, func(t *testing.T) {
			for _, h := range []string{"X-Forwarded-For: 10.0.0.1", "X-Real-IP: 10.0.0.1", "Forwarded: for=10.0.0.1",
				"X-Forwarded-For: 10.0.0.1, 10.0.0.1", "X-Client-IP: 10.0.0.1", "True-Client-IP: 10.0.0.1"} {
				a := g.hostile(t, gwHostileRow{method: "POST", target: "/api/msgs/" + knownPath,
					body: `{"content":"spoofed"}`, headers: []string{js, auth, h}})
				if a.Status != http.StatusForbidden {
					t.Errorf("POST with %q from a refused client: %d %q, want 403", h, a.Status, a.Body)
				}
			}
		})
	})
	t.Run("SlowClient", func(t *testing.T) {
		id := fmt.Sprintf("hostile-slow-%d", time.Now().UnixNano())
		conn := g.gwStalledBody(t, "/api/msgs/"+knownPath, id)
		gwClosedWithin(t, conn, 40*time.Second)
	})

	t.Run("DataIntact", func(t *testing.T) {
		if d := cmp.Diff(before, snapshot()); d != "" {
			t.Errorf("the known user's messages, follows or latest changed (-before +after):\n%s", d)
		}
	})
	t.Run("InjectionStoredVerbatim", func(t *testing.T) {
		for _, c := range []struct{ name, path string }{{sqlName, sqlPath}, {htmlName, htmlPath}} {
			a := g.get(t, g.HTTPSURL()+"/api/msgs/"+c.path+"?no=5", auth)
			var msgs []gwMessage
			if err := json.Unmarshal([]byte(a.Body), &msgs); err != nil || a.Status != 200 {
				t.Fatalf("GET /api/msgs/%s: %d %q (%v)", c.path, a.Status, a.Body, err)
			}
			if len(msgs) != 1 || msgs[0].User != c.name || (msgs[0].Content != gwInjectSQL && msgs[0].Content != gwInjectHTML) {
				t.Errorf("messages of %q: %+v", c.name, msgs)
			}
		}
	})
	t.Run("InjectionEscapedOnWeb", func(t *testing.T) {
		page := g.get(t, g.HTTPSURL()+"/public").Body
		for _, s := range []string{gwInjectHTML, gwInjectSQL} {
			if esc := template.HTMLEscapeString(s); !strings.Contains(page, esc) {
				t.Errorf("/public lacks the escaped %q", esc)
			}
		}
		if strings.Contains(page, "<script>alert(") || strings.Contains(page, "<img src=x") {
			t.Errorf("/public contains the injected markup unescaped")
		}
	})
}
