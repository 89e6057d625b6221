package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"minitwit/shared/storetest"
)

func TestRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("taken", "t@example.com", "pw")

		t.Run("form fields in order", func(t *testing.T) {
			r := a.client().get("/register")
			wantStatus(t, r, 200)
			if diff := cmp.Diff([]string{"username", "email", "password", "password2"}, formFields(t, r.Body, "/register")); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})

		all := []string{
			"You have to enter a username",
			"You have to enter a valid email address",
			"You have to enter a password",
			"The two passwords do not match",
			"The username is already taken",
		}
		tests := []struct {
			name                           string
			username, email, pw, pw2, want string
		}{
			{"everything empty", "", "", "", "", all[0]},
			{"no username, the rest wrong too", "", "bad", "a", "b", all[0]},
			{"no email", "new1", "", "a", "a", all[1]},
			{"email without @", "new1", "new1.example.com", "", "x", all[1]},
			{"no password", "new1", "n@example.com", "", "", all[2]},
			{"no password, repeat given", "new1", "n@example.com", "", "a", all[2]},
			{"passwords differ", "taken", "n@example.com", "a", "b", all[3]},
			{"repeat missing", "new1", "n@example.com", "a", "", all[3]},
			{"username taken", "taken", "n@example.com", "secret-pw", "secret-pw", all[4]},
			{"password over bcrypt's 72 bytes", "new1", "n@example.com", strings.Repeat("p", 73), strings.Repeat("p", 73), "The password must be at most 72 bytes long"},
			{"username over 64 characters", strings.Repeat("ü", 65), "n@example.com", "secret-pw", "secret-pw", "The username must be at most 64 characters long"},
			{"password under 8 characters", "new1", "n@example.com", "short", "short", "The password must be at least 8 characters long"},
			{"other case of a taken name", "TAKEN", "n@example.com", "secret-pw", "secret-pw", all[4]},
			{"fullwidth form of a taken name", "ｔａｋｅｎ", "n@example.com", "secret-pw", "secret-pw", all[4]},
			{"trailing space", "taken ", "n@example.com", "secret-pw", "secret-pw", "The username must not start or end with a space"},
			{"zero-width space", "taken\u200b", "n@example.com", "secret-pw", "secret-pw", "The username must not contain control or invisible characters"},
			{"Cyrillic look-alike", "t\u0430ken", "n@example.com", "secret-pw", "secret-pw", "Each word of the username must be written in one alphabet (no Latin, Cyrillic and Greek letters mixed in one word)"},
			{"email over 254 bytes", "new1", strings.Repeat("e", 250) + "@example.com", "secret-pw", "secret-pw", "The email address must be at most 254 bytes long"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := a.client().post("/register", url.Values{
					"username": {tt.username}, "email": {tt.email}, "password": {tt.pw}, "password2": {tt.pw2},
				})
				wantStatus(t, r, http.StatusOK)
				mustContain(t, r.Body, errorBox(tt.want))
				if n := strings.Count(r.Body, "<div class=error>"); n != 1 {
					t.Errorf("%d errors shown, want the first failing one only", n)
				}
				if got := fieldValue(t, r.Body, "username"); got != tt.username {
					t.Errorf("username keeps %q, want %q", got, tt.username)
				}
				if got := fieldValue(t, r.Body, "email"); got != tt.email {
					t.Errorf("email keeps %q, want %q", got, tt.email)
				}
				for _, f := range []string{"password", "password2"} {
					if got := fieldValue(t, r.Body, f); got != "" {
						t.Errorf("%s refilled with %q", f, got)
					}
				}
			})
		}

		t.Run("success", func(t *testing.T) {
			c := a.client()
			r := c.post("/register", url.Values{
				"username": {"newbie"}, "email": {"newbie@example.com"}, "password": {`s3cr"et!`}, "password2": {`s3cr"et!`},
			})
			wantRedirect(t, r, "/login")
			page := c.follow(r)
			mustContain(t, page.Body, flashBox("You were successfully registered and can login now"))
			if c.cookie("minitwit_session") != "" {
				t.Error("registering signed the user in")
			}
			u, err := db.Store.UserByName(context.Background(), "newbie")
			if err != nil {
				t.Fatal(err)
			}
			// The same bcrypt user the API creates.
			if ok, _ := testHasher.Verify(u.PwHash, `s3cr"et!`); !ok || !strings.HasPrefix(u.PwHash, "$2a$04$") {
				t.Errorf("stored hash %q is not a cost-4 bcrypt hash of the password", u.PwHash)
			}
			if u.Email != "newbie@example.com" {
				t.Errorf("email %q", u.Email)
			}
			wantRedirect(t, c.post("/login", url.Values{"username": {"newbie"}, "password": {`s3cr"et!`}}), "/")

			t.Run("already signed in", func(t *testing.T) {
				wantRedirect(t, c.get("/register"), "/")
				wantRedirect(t, c.post("/register", url.Values{"username": {"x"}}), "/")
			})
		})
		if got := testutil.ToFloat64(a.metrics.UsersRegistered.WithLabelValues("web")); got != 1 {
			t.Errorf("users_registered{via=web} = %v, want 1", got)
		}
	})
}

// Composed and decomposed forms of a name are one account: the second
// registration is refused, and the stored name is the composed (NFC) one
// whichever form was typed.
func TestRegisterNormalisesNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		decomposed, composed := "A\u030Angstro\u0308m", "\u00C5ngstr\u00F6m"
		form := func(name string) url.Values {
			return url.Values{"username": {name}, "email": {"a@example.com"}, "password": {"secret-pw"}, "password2": {"secret-pw"}}
		}
		wantRedirect(t, a.client().post("/register", form(decomposed)), "/login")
		u, err := db.Store.UserByName(context.Background(), composed)
		if err != nil || u.Username != composed {
			t.Fatalf("stored %q, %v; want the composed %q", u.Username, err, composed)
		}
		r := a.client().post("/register", form(composed))
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r.Body, errorBox("The username is already taken"))
		wantRedirect(t, a.client().post("/login", url.Values{"username": {decomposed}, "password": {"secret-pw"}}), "/")
	})
}
