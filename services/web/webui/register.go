package webui

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/password"
)

// maxFieldChars is the database's limit on usernames and emails.
const maxFieldChars = 255

// maxPasswordBytes is bcrypt's limit; longer passwords would be truncated.
const maxPasswordBytes = 72

type registerData struct {
	layout
	Error    string
	Username string
	Email    string
}

func (h *Handler) registerForm(c *gin.Context) {
	h.render(c, h.pages.register, registerData{layout: h.layout(c)})
}

func (h *Handler) register(c *gin.Context) {
	if !h.parseForm(c) {
		return
	}
	d := registerData{Username: formValue(c, "username"), Email: formValue(c, "email")}
	pw, pw2 := formValue(c, "password"), formValue(c, "password2")
	d.Error = registrationError(d.Username, d.Email, pw, pw2)
	if d.Error == "" {
		var err error
		if d.Error, err = h.createUser(c, d.Username, d.Email, pw); err != nil {
			h.fail(c, err)
			return
		}
	}
	if d.Error != "" {
		d.layout = h.layout(c)
		h.render(c, h.pages.register, d)
		return
	}
	h.metrics.UsersRegistered.WithLabelValues("web").Inc()
	h.addFlash(c, "You were successfully registered and can login now")
	h.redirect(c, "/login")
}

// registrationError is the first failing check of the form, in the order
// the contract fixes, followed by the limits of storage and bcrypt.
func registrationError(name, email, pw, pw2 string) string {
	switch {
	case name == "":
		return "You have to enter a username"
	case email == "" || !strings.Contains(email, "@"):
		return "You have to enter a valid email address"
	case pw == "":
		return "You have to enter a password"
	case pw != pw2:
		return "The two passwords do not match"
	case !storable(name) || utf8.RuneCountInString(name) > maxFieldChars:
		return "The username must be valid text of at most 255 characters"
	case !storable(email) || utf8.RuneCountInString(email) > maxFieldChars:
		return "The email address must be valid text of at most 255 characters"
	case len(pw) > maxPasswordBytes:
		return "The password must be at most 72 bytes long"
	}
	return ""
}

// createUser stores the user with the same bcrypt hash the API uses. It
// returns the form error for a taken name, or err for anything else.
func (h *Handler) createUser(c *gin.Context, name, email, pw string) (formError string, err error) {
	const taken = "The username is already taken"
	ctx := c.Request.Context()
	// Looking first spares a bcrypt hash for a name that is taken; the
	// unique index still decides a race.
	_, err = h.users.UserByName(ctx, name)
	switch {
	case err == nil:
		return taken, nil
	case !errors.Is(err, domain.ErrNotFound):
		return "", err
	}
	hash, err := h.hasher.Hash(pw)
	if errors.Is(err, password.ErrTooLong) {
		return "The password must be at most 72 bytes long", nil
	}
	if err != nil {
		return "", err
	}
	_, err = h.users.CreateUser(ctx, domain.User{Username: name, Email: email, PwHash: hash})
	if errors.Is(err, domain.ErrUsernameTaken) {
		return taken, nil
	}
	return "", err
}
