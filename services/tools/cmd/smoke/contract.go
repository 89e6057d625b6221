package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// The contract's fixed messages (../shared/contract/simulator-api.md).
const (
	msgUnauthorized = "You are not authorized to use this resource!"
	msgTaken        = "The username is already taken"
	msgNoPassword   = "You have to enter a password"
)

type message struct {
	Content string `json:"content"`
	PubDate int64  `json:"pub_date"` // an integer: a float or string fails to decode
	User    string `json:"user"`
}

type follows struct {
	Follows *[]string `json:"follows"`
}

// contract runs the API contract checks through the gateway with two users
// of this run. Their names carry a space and non-ASCII letters, so the
// gateway's and the API's path handling is part of the check, and the run
// id, so the checks can run against a live system again and again.
func (s *smoke) contract(ctx context.Context) {
	alice := fmt.Sprintf("smoke %s Zoë", s.runID)
	bob := fmt.Sprintf("smoke %s O'Brien", s.runID)
	text := fmt.Sprintf("smoke %s: “quotes” — it’s 🎉 <b>html</b> \\ \"q\"", s.runID)
	api := func(p string) string { return "/api" + p }
	user := func(prefix, name string) string { return api(prefix + url.PathEscape(name)) }
	post := func(path string, body any) error {
		a, err := s.do(ctx, http.MethodPost, path, s.latestParam(), simulator, body)
		if err != nil {
			return err
		}
		return expectNoContent(a)
	}
	register := func(name string) any {
		return map[string]string{"username": name, "email": "smoke-" + s.runID + "@example.org", "pwd": `pa"ss\w[0]rd'{}`}
	}

	s.check("unauthorized GET /api/msgs answers 403 with the contract's body", func() error {
		a, err := s.do(ctx, http.MethodGet, api("/msgs"), nil, noAuth, nil)
		if err != nil {
			return err
		}
		return expectError(a, http.StatusForbidden, msgUnauthorized)
	})
	s.check("register two new users", func() error {
		if err := post(api("/register"), register(alice)); err != nil {
			return err
		}
		return post(api("/register"), register(bob))
	})
	s.check("register a taken name answers 400 taken", func() error {
		a, err := s.do(ctx, http.MethodPost, api("/register"), s.latestParam(), simulator, register(alice))
		if err != nil {
			return err
		}
		return expectError(a, http.StatusBadRequest, msgTaken)
	})
	s.check("register without a password answers 400", func() error {
		body := map[string]string{"username": alice + " 2", "email": "smoke@example.org"}
		a, err := s.do(ctx, http.MethodPost, api("/register"), s.latestParam(), simulator, body)
		if err != nil {
			return err
		}
		return expectError(a, http.StatusBadRequest, msgNoPassword)
	})
	s.check("a wrong simulator password answers 403", func() error {
		a, err := s.do(ctx, http.MethodPost, user("/msgs/", alice), s.latestParam(), wrongAuth, map[string]string{"content": text})
		if err != nil {
			return err
		}
		return expectError(a, http.StatusForbidden, msgUnauthorized)
	})
	s.check("tweet", func() error {
		return post(user("/msgs/", alice), map[string]string{"content": text})
	})
	want := message{Content: text, User: alice}
	s.check("GET /api/msgs/<user> returns the tweet", func() error {
		var got []message
		a, err := s.do(ctx, http.MethodGet, user("/msgs/", alice), url.Values{"no": {"10"}}, simulator, nil)
		if err != nil {
			return err
		}
		if err := expectJSON(a, http.StatusOK, &got); err != nil {
			return err
		}
		if len(got) != 1 || got[0].Content != want.Content || got[0].User != want.User || got[0].PubDate <= 0 {
			return fmt.Errorf("got %+v, want one message %+v with a pub_date", got, want)
		}
		return nil
	})
	s.check("GET /api/msgs lists the tweet", func() error {
		var got []message
		a, err := s.do(ctx, http.MethodGet, api("/msgs"), url.Values{"no": {"200"}}, simulator, nil)
		if err != nil {
			return err
		}
		if err := expectJSON(a, http.StatusOK, &got); err != nil {
			return err
		}
		if !slices.ContainsFunc(got, func(m message) bool { return m.Content == want.Content && m.User == want.User }) {
			return fmt.Errorf("the newest %d messages do not hold %+v", len(got), want)
		}
		return nil
	})
	readFollows := func() ([]string, error) {
		var got follows
		a, err := s.do(ctx, http.MethodGet, user("/fllws/", alice), nil, simulator, nil)
		if err != nil {
			return nil, err
		}
		if err := expectJSON(a, http.StatusOK, &got); err != nil {
			return nil, err
		}
		if got.Follows == nil {
			return nil, fmt.Errorf(`"follows" is missing or null: %s`, a)
		}
		return *got.Follows, nil
	}
	s.check("follow, then GET /api/fllws/<user> lists them", func() error {
		if err := post(user("/fllws/", alice), map[string]string{"follow": bob}); err != nil {
			return err
		}
		got, err := readFollows()
		if err == nil && !slices.Equal(got, []string{bob}) {
			err = fmt.Errorf("follows %q, want [%q]", got, bob)
		}
		return err
	})
	s.check("unfollow, then GET /api/fllws/<user> is []", func() error {
		if err := post(user("/fllws/", alice), map[string]string{"unfollow": bob}); err != nil {
			return err
		}
		got, err := readFollows()
		if err == nil && len(got) != 0 {
			err = fmt.Errorf("follows %q, want []", got)
		}
		return err
	})
	s.check("GET /api/msgs/<unknown user> answers 404", func() error {
		a, err := s.do(ctx, http.MethodGet, user("/msgs/", alice+" nobody"), nil, simulator, nil)
		if err != nil {
			return err
		}
		return expectError(a, http.StatusNotFound, "")
	})
	s.check("GET /api/latest", func() error {
		var got struct {
			Latest *int64 `json:"latest"`
		}
		a, err := s.do(ctx, http.MethodGet, api("/latest"), nil, noAuth, nil)
		if err != nil {
			return err
		}
		if err := expectJSON(a, http.StatusOK, &got); err != nil {
			return err
		}
		switch {
		case got.Latest == nil:
			return fmt.Errorf(`no integer "latest": %s`, a)
		case s.cfg.latest && *got.Latest != s.nextID:
			return fmt.Errorf("latest %d, want %d (the last latest= sent)", *got.Latest, s.nextID)
		}
		return nil
	})
}
