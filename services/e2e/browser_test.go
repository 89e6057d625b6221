package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowser drives the web UI in Debian's headless Chromium, with
// JavaScript off, the way people use it: typing into forms and clicking
// links and buttons. Every check runs against both deployments of the real
// binaries: the split web, api and follower services on PostgreSQL (the
// follow button then goes through the follower service), and the
// one-process minitwit on SQLite. Each check gets a fresh database and a
// fresh browser profile; Chromium and PostgreSQL are shared.
func TestBrowser(t *testing.T) {
	browser := brStartChromium(t)
	pg := StartPostgres(t, PostgresOpts{})
	// LOG_LEVEL=info: the web binary logs each cross-site refusal at info.
	deployments := []struct {
		name  string
		start func(t *testing.T, db string) *brSite
	}{
		{"Split", func(t *testing.T, db string) *brSite {
			dbURL := pg.CreateDB(t, db)
			s := StartSplit(t, dbURL, "LOG_LEVEL=info")
			site := brServe(t, s.Web, s.API.URL)
			site.DB = dbURL
			return site
		}},
		{"OneProcess", func(t *testing.T, db string) *brSite {
			path := filepath.Join(t.TempDir(), db+".db")
			m := StartService(t, "minitwit", ServiceOpts{
				DatabaseURL: path,
				Env:         []string{"LOG_LEVEL=info"},
			})
			site := brServe(t, m, m.URL+"/api")
			site.DB = path
			return site
		}},
	}
	for _, check := range []struct {
		name string
		run  func(t *testing.T, browser context.Context, s *brSite)
	}{
		{"Journey", brJourney},
		{"CrossSite", brCrossSite},
		{"Sessions", brSessions},
		{"Avatars", brAvatars},
		{"TwoFactor", brTwoFactor},
	} {
		t.Run(check.name, func(t *testing.T) {
			for _, d := range deployments {
				t.Run(d.name, func(t *testing.T) {
					check.run(t, browser, d.start(t, "browser_"+strings.ToLower(check.name)))
				})
			}
		})
	}
}
