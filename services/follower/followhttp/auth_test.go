package followhttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sirupsen/logrus"

	"minitwit/follower/followhttp"
	"minitwit/shared/domain"
	"minitwit/shared/followclient"
	"minitwit/shared/httpserver"
	"minitwit/shared/metrics"
	"minitwit/shared/storetest"
)

const (
	current  = "current-token-0123456789abcdef"
	previous = "previous-token-0123456789abcdef"
)

// newServer serves the follower routes with the given accepted tokens,
// the health endpoints and metrics as the binary mounts them.
func newServer(t *testing.T, svc domain.FollowService, tokens ...string) *httptest.Server {
	t.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	m := metrics.New("test", "test")
	r := httpserver.NewEngine("follower", logrus.NewEntry(log), m, followhttp.Internal)
	httpserver.MountHealth(r, map[string]domain.Pinger{})
	(&followhttp.Handler{Svc: svc, Log: logrus.NewEntry(log), Metrics: m, Tokens: tokens}).Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// TestCallersNeedTheToken: every route of the follower API answers 401
// with a JSON error to a caller without the shared token (missing, wrong,
// another scheme, a prefix or an extension of it), and serves a caller
// holding the current or the previous token. Health stays open.
func TestCallersNeedTheToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		for _, name := range []string{"alice", "bob"} {
			if _, err := db.Store.CreateUser(ctx, domain.User{Username: name, Email: name + "@x", PwHash: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		srv := newServer(t, db.Store, current, previous)
		routes := []struct{ method, path, body string }{
			{"POST", "/v1/follow", `{"who":"alice","whom":"bob"}`},
			{"POST", "/v1/unfollow", `{"who":"alice","whom":"bob"}`},
			{"GET", "/v1/is-following?who=alice&whom=bob", ""},
			{"GET", "/v1/following?who=alice&limit=10", ""},
			{"GET", "/v1/auth", ""},
		}
		refused := map[string]string{
			"none":           "",
			"wrong":          "Bearer not-the-token-0123456789abcdef",
			"empty bearer":   "Bearer ",
			"basic scheme":   "Basic " + current,
			"bare token":     current,
			"prefix":         "Bearer " + current[:len(current)-1],
			"extension":      "Bearer " + current + "x",
			"two tokens":     "Bearer " + current + " " + previous,
			"token as realm": `Bearer realm="` + current + `"`,
		}
		accepted := map[string]string{
			"current":         "Bearer " + current,
			"previous":        "Bearer " + previous,
			"scheme any case": "bearer " + current,
		}
		for _, rt := range routes {
			for name, header := range refused {
				t.Run(rt.path+"/"+name, func(t *testing.T) {
					status, h, body := call(t, srv.URL, rt.method, rt.path, rt.body, header)
					if status != http.StatusUnauthorized {
						t.Fatalf("%s %s with %q: %d %s, want 401", rt.method, rt.path, header, status, body)
					}
					var e followclient.ErrorBody
					if err := json.Unmarshal([]byte(body), &e); err != nil || e.Kind != followclient.KindUnauthorized || e.Message == "" {
						t.Errorf("401 body %q, want a JSON error of kind unauthorized", body)
					}
					if got := h.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
					}
				})
			}
			for name, header := range accepted {
				t.Run(rt.path+"/"+name, func(t *testing.T) {
					if status, _, body := call(t, srv.URL, rt.method, rt.path, rt.body, header); status >= 300 {
						t.Errorf("%s %s with the %s token: %d %s, want success", rt.method, rt.path, name, status, body)
					}
				})
			}
		}
		for _, path := range []string{"/healthz", "/readyz", "/startedz"} {
			if status, _, body := call(t, srv.URL, "GET", path, "", ""); status != http.StatusOK {
				t.Errorf("GET %s without a token: %d %s, want 200", path, status, body)
			}
		}
	})
}

// A handler given no token refuses every caller: a follower without a
// configured token fails closed.
func TestNoTokenRefusesAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		srv := newServer(t, db.Store, "", "")
		for _, header := range []string{"", "Bearer ", "Bearer x"} {
			if status, _, body := call(t, srv.URL, "GET", "/v1/auth", "", header); status != http.StatusUnauthorized {
				t.Errorf("GET /v1/auth with %q to a follower without tokens: %d %s, want 401", header, status, body)
			}
		}
	})
}

// The client sends its token; with a wrong one its calls fail with an
// error naming the refusal, and its readiness check fails too, so a
// replica with a wrong token never becomes ready.
func TestClientToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		for _, name := range []string{"alice", "bob"} {
			if _, err := db.Store.CreateUser(ctx, domain.User{Username: name, Email: name + "@x", PwHash: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		srv := newServer(t, db.Store, current)
		good := followclient.New(srv.URL)
		good.Token = current
		if err := good.Ping(ctx); err != nil {
			t.Errorf("Ping with the token: %v", err)
		}
		if err := good.Follow(ctx, "alice", "bob"); err != nil {
			t.Errorf("Follow with the token: %v", err)
		}
		for name, token := range map[string]string{"none": "", "wrong": previous} {
			bad := followclient.New(srv.URL)
			bad.Token = token
			if err := bad.Ping(ctx); err == nil || !strings.Contains(err.Error(), "401") {
				t.Errorf("Ping with %s token: %v, want a 401 error", name, err)
			}
			names, err := bad.Following(ctx, "alice", 10)
			if err == nil || !strings.Contains(err.Error(), "FOLLOWER_TOKEN") {
				t.Errorf("Following with %s token: %v %v, want an error naming FOLLOWER_TOKEN", name, names, err)
			}
		}
		names, err := good.Following(ctx, "alice", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"bob"}, names); diff != "" {
			t.Errorf("Following (-want +got):\n%s", diff)
		}
	})
}

func call(t *testing.T, base, method, path, body, auth string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}
