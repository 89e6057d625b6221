package followhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/sirupsen/logrus"

	"minitwit/follower/followhttp"
	"minitwit/shared/domain"
	"minitwit/shared/followclient"
	"minitwit/shared/httpserver"
	"minitwit/shared/metrics"
	"minitwit/shared/storetest"
)

// TestClientMatchesStore runs one behaviour table against the in-process
// follower graph and against the typed client talking to the follower
// service over HTTP: both must answer alike, errors included.
func TestClientMatchesStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		for _, name := range []string{"Roger Histand", "Zoë Ångström", "a/b%c?d"} {
			if _, err := db.Store.CreateUser(ctx, domain.User{Username: name, Email: "x@y", PwHash: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		log := logrus.New()
		log.SetOutput(io.Discard)
		m := metrics.New("test", "test")
		r := httpserver.NewEngine("follower", logrus.NewEntry(log), m, func(*gin.Context) {})
		(&followhttp.Handler{Svc: db.Store, Log: logrus.NewEntry(log), Metrics: m, Tokens: []string{"client-test-token-0123456789"}}).Mount(r)
		srv := httptest.NewServer(r)
		defer srv.Close()

		client := followclient.New(srv.URL)
		client.Token = "client-test-token-0123456789"
		impls := map[string]domain.FollowService{"local": db.Store, "client": client}
		for _, implName := range []string{"local", "client"} {
			svc := impls[implName]
			t.Run(implName, func(t *testing.T) {
				check := func(what string, err, want error) {
					t.Helper()
					if !errors.Is(err, want) && !(err == nil && want == nil) {
						t.Errorf("%s: got %v, want %v", what, err, want)
					}
				}
				check("follow", svc.Follow(ctx, "Roger Histand", "Zoë Ångström"), nil)
				check("follow again", svc.Follow(ctx, "Roger Histand", "Zoë Ångström"), nil)
				check("follow odd name", svc.Follow(ctx, "Roger Histand", "a/b%c?d"), nil)
				check("follow self", svc.Follow(ctx, "Roger Histand", "Roger Histand"), domain.ErrFollowSelf)
				check("follow ghost", svc.Follow(ctx, "Roger Histand", "ghost"), domain.ErrNotFound)
				check("ghost follows", svc.Follow(ctx, "ghost", "Roger Histand"), domain.ErrNotFound)
				f, err := svc.IsFollowing(ctx, "Roger Histand", "a/b%c?d")
				check("is following", err, nil)
				if !f {
					t.Error("IsFollowing = false after follow")
				}
				names, err := svc.Following(ctx, "Roger Histand", 10)
				check("following", err, nil)
				if diff := cmp.Diff([]string{"Zoë Ångström", "a/b%c?d"}, names); diff != "" {
					t.Errorf("Following (-want +got):\n%s", diff)
				}
				_, err = svc.Following(ctx, "ghost", 10)
				check("following of ghost", err, domain.ErrNotFound)
				check("unfollow", svc.Unfollow(ctx, "Roger Histand", "a/b%c?d"), nil)
				check("unfollow again", svc.Unfollow(ctx, "Roger Histand", "a/b%c?d"), nil)
				check("unfollow ghost", svc.Unfollow(ctx, "Roger Histand", "ghost"), domain.ErrNotFound)
				names, _ = svc.Following(ctx, "Zoë Ångström", 10)
				if names == nil || len(names) != 0 {
					t.Errorf("Following of a user following nobody = %#v, want empty non-nil", names)
				}
				check("cleanup", svc.Unfollow(ctx, "Roger Histand", "Zoë Ångström"), nil)
			})
		}
	})
}
