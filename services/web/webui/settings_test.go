package webui_test

import (
	"net/http"
	"net/url"
	"testing"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// Changing the password ends every session of the user, a copied cookie
// included, keeps this browser signed in with a fresh session, and from
// then on only the new password signs in.
func TestPasswordChangeEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		one, two := newApp(t, db), newApp(t, db)
		c, _ := one.signedIn("alice")
		copied := c.cookie("minitwit_session")
		laptop := two.client()
		wantRedirect(t, laptop.post("/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}}), "/")
		bystander, _ := two.signedIn("bob")

		form := url.Values{"current_password": {"pw-alice"}, "password": {"a new long password"}, "password2": {"a new long password"}}
		r := c.post("/settings", form)
		wantRedirect(t, r, "/settings")
		page := c.follow(r)
		wantStatus(t, page, http.StatusOK)
		mustContain(t, page.Body, flashBox("Your password was changed"))

		if signedInWith(t, one, copied) || signedInWith(t, two, copied) {
			t.Error("a cookie copied before the password change still signs in")
		}
		wantRedirect(t, laptop.get("/"), "/public")
		wantStatus(t, c.get("/"), http.StatusOK) // this browser has a new session
		wantStatus(t, bystander.get("/"), http.StatusOK)

		login := func(pw string) response {
			return one.client().post("/login", url.Values{"username": {"alice"}, "password": {pw}})
		}
		wantRedirect(t, login("a new long password"), "/")
		wantStatus(t, login("pw-alice"), http.StatusOK) // the form again, with an error
	})
}

func TestSettingsForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("carol")
		r := c.get("/settings")
		wantStatus(t, r, http.StatusOK)
		if got := title(t, r.Body); got != "Settings | MiniTwit" {
			t.Errorf("title %q", got)
		}
		mustContain(t, r.Body, `<form method=post action="/settings"`, `name=current_password`, `name=password `, `name=password2 `,
			`<a href="/settings/two-factor">`)

		long := "a good new password"
		tests := []struct {
			name          string
			cur, pw, pw2  string
			wantErrorText string
		}{
			{"wrong current password", "nope", long, long, "The current password is wrong"},
			{"no current password", "", long, long, "The current password is wrong"},
			{"empty new password", "pw-carol", "", "", domain.ErrPasswordEmpty.Error()},
			{"too short", "pw-carol", "short", "short", domain.ErrPasswordTooShort.Error()},
			{"passwords differ", "pw-carol", long, long + "!", "The two passwords do not match"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := c.post("/settings", url.Values{"current_password": {tt.cur}, "password": {tt.pw}, "password2": {tt.pw2}})
				wantStatus(t, r, http.StatusOK)
				mustContain(t, r.Body, errorBox(tt.wantErrorText))
				mustNotContain(t, r.Body, "value=\""+long)
			})
		}
		// Nothing changed: the old password still signs in.
		wantRedirect(t, a.client().post("/login", url.Values{"username": {"carol"}, "password": {"pw-carol"}}), "/")

		t.Run("signed out", func(t *testing.T) {
			out := a.client()
			wantStatus(t, out.get("/settings"), http.StatusUnauthorized)
			wantStatus(t, out.post("/settings", url.Values{"current_password": {"x"}}), http.StatusUnauthorized)
		})
		t.Run("cross-site POST refused", func(t *testing.T) {
			r := c.do("POST", "/settings", url.Values{"current_password": {"pw-carol"}, "password": {long}, "password2": {long}},
				header{"Sec-Fetch-Site": "cross-site"})
			wantStatus(t, r, http.StatusForbidden)
			wantRedirect(t, a.client().post("/login", url.Values{"username": {"carol"}, "password": {"pw-carol"}}), "/")
		})
	})
}

// Wrong current passwords on the settings page count as failed sign-ins
// (the shared throttle), so a stolen session is no faster way to guess the
// password than the sign-in form.
func TestSettingsCountsFailedPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("dave")
		for range 2 {
			r := c.post("/settings", url.Values{"current_password": {"guess"}, "password": {"a good new password"}, "password2": {"a good new password"}})
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r.Body, errorBox("The current password is wrong"))
		}
		var failures int
		if err := db.QueryRow(t, "SELECT failures FROM sign_in_throttle WHERE key = ?", "user:dave").Scan(&failures); err != nil || failures != 2 {
			t.Errorf("failed sign-ins counted for dave: %d, %v; want 2", failures, err)
		}
	})
}
