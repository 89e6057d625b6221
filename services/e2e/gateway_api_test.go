package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testGatewayPathEscapes: a username with an escaped space, slash, percent,
// question mark, hash and UTF-8 reaches the API exactly through the
// gateway's /api prefix strip; dot segments are refused, not guessed.
func testGatewayPathEscapes(t *testing.T, g *Gateway) {
	const name = "Gate Way/ü%x?#"
	const escaped = "Gate%20Way%2F%C3%BC%25x%3F%23"
	auth := "Authorization: " + gwSimAuth
	t.Run("Register", func(t *testing.T) {
		body, _ := json.Marshal(map[string]string{"username": name, "email": "gw@example.org", "pwd": `p"w\[]`})
		a := g.do(t, http.MethodPost, g.HTTPSURL()+"/api/register", string(body), "Content-Type: application/json")
		if a.Status != http.StatusNoContent {
			t.Fatalf("register %q: %d %s", name, a.Status, a.Body)
		}
	})
	t.Run("TweetAndReadBack", func(t *testing.T) {
		a := g.do(t, http.MethodPost, g.HTTPSURL()+"/api/msgs/"+escaped, `{"content":"through the gateway"}`,
			auth, "Content-Type: application/json")
		if a.Status != http.StatusNoContent {
			t.Fatalf("POST /api/msgs/%s: %d %s", escaped, a.Status, a.Body)
		}
		a = g.get(t, g.HTTPSURL()+"/api/msgs/"+escaped+"?no=5", auth)
		var msgs []gwMessage
		if err := json.Unmarshal([]byte(a.Body), &msgs); err != nil || a.Status != 200 {
			t.Fatalf("GET /api/msgs/%s: %d %s (%v)", escaped, a.Status, a.Body, err)
		}
		want := []gwMessage{{User: name, Content: "through the gateway"}}
		if d := cmp.Diff(want, msgs); d != "" {
			t.Errorf("messages of %q (-want +got):\n%s", name, d)
		}
	})
	t.Run("DotSegmentsRefused", func(t *testing.T) {
		// Sent raw, so no client cleans the path first.
		status, body := g.rawGet(t, "/x/../api/msgs", auth)
		var got gwAPIError
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("GET /x/../api/msgs: %d %q: %v", status, body, err)
		}
		if d := cmp.Diff(gwAPIError{400, "Malformed request path"}, got); d != "" || status != 400 {
			t.Errorf("GET /x/../api/msgs: %d (-want +got):\n%s", status, d)
		}
	})
}

// gwAPIError is the API's JSON error body (the gateway answers in it too).
type gwAPIError struct {
	Status   int    `json:"status"`
	ErrorMsg string `json:"error_msg"`
}

// gwMessage is one message of GET /api/msgs (the fields checked here).
type gwMessage struct {
	User    string `json:"user"`
	Content string `json:"content"`
}

// rawGet sends one HTTP/1.1 GET with the request target exactly as given
// (no client-side path cleaning) and returns the status and body.
func (g *Gateway) rawGet(t testing.TB, target string, headers ...string) (int, string) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp",
		net.JoinHostPort("127.0.0.1", strconv.Itoa(g.HTTPSPort)), &tls.Config{RootCAs: g.Cert.Pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n", target, g.HTTPSPort)
	for _, h := range headers {
		req += h + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return resp.StatusCode, string(b)
}
