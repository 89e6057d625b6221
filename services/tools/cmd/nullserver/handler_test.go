package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandler checks that the null server gives every simulator action the
// answer the contract (and so the replayer) expects.
func TestHandler(t *testing.T) {
	srv := httptest.NewServer(newHandler("/api", "simulator", "super_safe!"))
	defer srv.Close()
	auth := "Basic " + basic("simulator", "super_safe!")
	steps := []struct {
		name, method, path, auth, body string
		status                         int
		want                           string
	}{
		{"latest before anything", "GET", "/api/latest", "", "", 200, `{"latest":-1}`},
		{"register", "POST", "/api/register?latest=1", auth, `{"username":"Zoë Ångström","email":"z@x","pwd":"p"}`, 204, ""},
		{"register taken, other case", "POST", "/api/register?latest=2", auth, `{"username":"zoë ångström","email":"z@x","pwd":"p"}`, 400, `{"status":400,"error_msg":"The username is already taken"}`},
		{"tweet", "POST", "/api/msgs/Zo%C3%AB?latest=3", auth, `{"content":"hi"}`, 204, ""},
		{"follow", "POST", "/api/fllws/Zo%C3%AB?latest=4", auth, `{"follow":"b"}`, 204, ""},
		{"unfollow", "POST", "/api/fllws/Zo%C3%AB?latest=5", auth, `{"unfollow":"b"}`, 204, ""},
		{"wrong credentials", "POST", "/api/msgs/x?latest=6", "Basic eDp5", `{"content":"hi"}`, 403, `{"status":403,"error_msg":"You are not authorized to use this resource!"}`},
		{"bad JSON", "POST", "/api/msgs/x", auth, `{"content":`, 400, `{"status":400,"error_msg":"invalid JSON body"}`},
		{"messages", "GET", "/api/msgs?no=10", auth, "", 200, `[]`},
		{"follows", "GET", "/api/fllws/x", auth, "", 200, `{"follows":[]}`},
		{"latest", "GET", "/api/latest", "", "", 200, `{"latest":6}`},
		{"unknown path", "GET", "/api/nothing", auth, "", 404, `{"status":404,"error_msg":"not found"}`},
	}
	for _, s := range steps {
		req, err := http.NewRequest(s.method, srv.URL+s.path, strings.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		if s.auth != "" {
			req.Header.Set("Authorization", s.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != s.status || sb.String() != s.want {
			t.Errorf("%s: got %d %q, want %d %q", s.name, resp.StatusCode, sb.String(), s.status, s.want)
		}
	}
}
