package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// testGatewayFollowerInternal: the follower service answers its own routes
// (to callers holding its token, Auth) but none is reachable through the
// gateway, and the gateway's configuration never names it.
func testGatewayFollowerInternal(t *testing.T, g *Gateway) {
	g.apiUser(t, "follower e2e")
	t.Run("DirectBaseline", func(t *testing.T) {
		for _, f := range g.Services("follower") {
			u := f.URL + "/v1/following?who=" + url.QueryEscape("follower e2e") + "&limit=10"
			if status, body := followerCall(t, http.MethodGet, u, "", "Bearer "+FollowerToken); status != http.StatusOK {
				t.Errorf("GET %s directly with the token: %d %s, want 200", u, status, body)
			}
		}
	})
	for _, path := range []string{"/v1/following?who=x&limit=10", "/api/v1/following?who=x&limit=10",
		"/api/../v1/following?who=x&limit=10", "/%2e%2e/v1/following?who=x&limit=10", "/v1/is-following?who=x&whom=y"} {
		t.Run("NotThroughGateway"+path, func(t *testing.T) {
			status, body := g.rawGet(t, path, "Authorization: "+gwSimAuth)
			if status == http.StatusOK || strings.Contains(body, `"following"`) {
				t.Errorf("GET %s through the gateway reached the follower: %d %s", path, status, body)
			}
		})
	}
	t.Run("Auth", func(t *testing.T) { testGatewayFollowerAuth(t, g) })
	t.Run("NotInGatewayConfig", func(t *testing.T) {
		b, err := os.ReadFile(g.ConfPath())
		if err != nil {
			t.Fatal(err)
		}
		ports := []int{g.VIPPort}
		for _, f := range g.Services("follower") {
			ports = append(ports, f.Port)
		}
		for _, p := range ports {
			if strings.Contains(string(b), fmt.Sprintf(":%d", p)) {
				t.Errorf("the gateway configuration names the follower's port %d", p)
			}
		}
	})
}
