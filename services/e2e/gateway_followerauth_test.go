package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// followerCall is one request straight to a follower process or its
// balancer, as anything on the overlay network could send it.
func followerCall(t *testing.T, method, u, body, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := insecureClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// testGatewayFollowerAuth: the follower service answers its API only to
// callers holding FOLLOWER_TOKEN. Without it, or with a wrong one, every
// route answers 401 with the JSON error and a follow sent that way changes
// nothing; with it, the same calls work. Health and metrics, which Swarm,
// the container health check and Prometheus call without a token, stay
// open. Meanwhile web and api (which hold the token) keep following
// through it.
func testGatewayFollowerAuth(t *testing.T, g *Gateway) {
	g.apiUser(t, "fauth a")
	g.apiUser(t, "fauth b")
	pair := `{"who":"fauth a","whom":"fauth b"}`
	isFollowing := "/v1/is-following?who=" + url.QueryEscape("fauth a") + "&whom=" + url.QueryEscape("fauth b")
	wantRefusal := map[string]string{
		"kind":    "unauthorized",
		"message": "a bearer token the follower service accepts (FOLLOWER_TOKEN) is required",
	}
	bases := []string{g.VIPURL()}
	for _, f := range g.Services("follower") {
		bases = append(bases, f.URL)
	}
	for _, base := range bases {
		for name, auth := range map[string]string{
			"NoToken":    "",
			"WrongToken": "Bearer " + strings.ToUpper(FollowerToken),
			"Basic":      "Basic " + FollowerToken,
		} {
			for _, rt := range []struct{ method, path, body string }{
				{http.MethodPost, "/v1/follow", pair},
				{http.MethodPost, "/v1/unfollow", pair},
				{http.MethodGet, isFollowing, ""},
				{http.MethodGet, "/v1/following?who=" + url.QueryEscape("fauth a") + "&limit=10", ""},
			} {
				status, body := followerCall(t, rt.method, base+rt.path, rt.body, auth)
				var got map[string]string
				_ = json.Unmarshal([]byte(body), &got)
				if status != http.StatusUnauthorized {
					t.Errorf("%s: %s %s%s: %d %s, want 401", name, rt.method, base, rt.path, status, body)
				} else if d := cmp.Diff(wantRefusal, got); d != "" {
					t.Errorf("%s: %s %s%s: body (-want +got):\n%s", name, rt.method, base, rt.path, d)
				}
			}
		}
		for _, path := range []string{"/healthz", "/readyz", "/startedz"} {
			if status, body := followerCall(t, http.MethodGet, base+path, "", ""); status != http.StatusOK {
				t.Errorf("GET %s%s without a token: %d %s, want 200", base, path, status, body)
			}
		}
	}
	for _, f := range g.Services("follower") {
		if status, _ := followerCall(t, http.MethodGet, f.MetricsURL, "", ""); status != http.StatusOK {
			t.Errorf("GET %s without a token: %d, want 200", f.MetricsURL, status)
		}
	}

	// The refused follows changed nothing; with the token the same calls work.
	token := "Bearer " + FollowerToken
	if status, body := followerCall(t, http.MethodGet, g.VIPURL()+isFollowing, "", token); status != http.StatusOK || body != `{"following":false}` {
		t.Errorf("after refused follows: %d %s, want 200 {\"following\":false}", status, body)
	}
	if status, body := followerCall(t, http.MethodPost, g.VIPURL()+"/v1/follow", pair, token); status != http.StatusNoContent {
		t.Errorf("follow with the token: %d %s, want 204", status, body)
	}
	if status, body := followerCall(t, http.MethodGet, g.VIPURL()+isFollowing, "", token); status != http.StatusOK || body != `{"following":true}` {
		t.Errorf("after the follow with the token: %d %s, want 200 {\"following\":true}", status, body)
	}
	// The simulator API reaches the follower through its token.
	g.apiPost(t, "/api/fllws/"+url.PathEscape("fauth b"), `{"follow":"fauth a"}`)
	if status, body := followerCall(t, http.MethodGet, g.VIPURL()+"/v1/following?who="+url.QueryEscape("fauth b")+"&limit=10", "", token); status != http.StatusOK || body != `{"follows":["fauth a"]}` {
		t.Errorf("after the API's follow: %d %s, want the follow recorded", status, body)
	}
}
