package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// revoke-sessions ends the named user's sessions and says how many; an
// unknown user is an error (exit status 1), a missing name a usage error.
func TestRevokeSessionsCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t.Setenv("DATABASE_URL", db.URL)
		ctx := context.Background()
		u, err := db.Store.CreateUser(ctx, domain.User{Username: "eve", Email: "e@x", PwHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for _, h := range []string{"s1", "s2", "s3"} {
			if err := db.Store.CreateSession(ctx, h, u.ID, now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		call := func(args ...string) (string, error) {
			var out, errOut bytes.Buffer
			err := run(ctx, args, &out, &errOut)
			return out.String() + errOut.String(), err
		}
		if out, err := call("revoke-sessions", "eve"); err != nil || out != "eve: 3 session(s) ended\n" {
			t.Fatalf("revoke-sessions eve: %v, %q", err, out)
		}
		if _, err := db.Store.SessionUser(ctx, "s1", now); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a session survived revoke-sessions: %v", err)
		}
		if out, err := call("revoke-sessions", "eve"); err != nil || out != "eve: 0 session(s) ended\n" {
			t.Errorf("second revoke-sessions: %v, %q", err, out)
		}
		_, err = call("revoke-sessions", "nobody")
		if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), `no user named "nobody"`) {
			t.Errorf("unknown user: %v, want a plain error (exit 1) naming the user", err)
		}
		for _, args := range [][]string{{"revoke-sessions"}, {"revoke-sessions", "a", "b"}} {
			if _, err := call(args...); !errors.Is(err, errUsage) {
				t.Errorf("%q: %v, want a usage error", args, err)
			}
		}
	})
}
