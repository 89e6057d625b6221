package webui

import (
	"errors"

	"github.com/gin-gonic/gin"

	"minitwit/shared/account"
	"minitwit/shared/domain"
)

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
	var err error
	if d.Error, err = h.createUser(c, d.Username, d.Email, pw, pw2); err != nil {
		h.fail(c, err)
		return
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

// createUser registers the user through the account service, the same
// one the API uses, with the web's minimum password length. It returns the
// form error (the contract's texts, in its order, then the rule set's),
// or err for anything else.
func (h *Handler) createUser(c *gin.Context, name, email, pw, pw2 string) (formError string, err error) {
	_, err = h.accounts().Register(c.Request.Context(), account.Registration{
		Username: name, Email: email, Password: pw, Password2: &pw2,
		MinPasswordRunes: domain.MinWebPasswordRunes,
	})
	var rule *domain.RuleError
	switch {
	case err == nil:
		return "", nil
	case errors.As(err, &rule):
		return rule.Error(), nil
	case errors.Is(err, account.ErrPasswordMismatch):
		return "The two passwords do not match", nil
	case errors.Is(err, domain.ErrUsernameTaken):
		return "The username is already taken", nil
	}
	return "", err
}
