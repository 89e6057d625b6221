// Package followclient is the typed HTTP client of the follower service. It
// implements domain.FollowService, so web and api run the same handler code
// whether the follower graph is in-process or a separate service.
package followclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

// Pair is the body of follow, unfollow and is-following calls.
type Pair struct {
	Who  string `json:"who"`
	Whom string `json:"whom"`
}

// ErrorBody is what the follower service answers on failure.
type ErrorBody struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
}

// Client calls a follower service at BaseURL.
type Client struct {
	BaseURL string
	// Token is the shared secret the follower service accepts callers by
	// (FOLLOWER_TOKEN), sent as a bearer token on every call.
	Token string
	HTTP  *http.Client
}

// New returns a client with a pooled transport. The 2 s timeout only stops
// a hung follower service from holding requests open; it is not the
// simulator's 0.3 s budget, which a healthy follower call (about 1 ms) stays
// far inside.
func New(baseURL string) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Transport: tr, Timeout: 2 * time.Second}}
}

var _ domain.FollowService = (*Client)(nil)

// Follow makes who follow whom.
func (c *Client) Follow(ctx context.Context, who, whom string) error {
	return c.do(ctx, http.MethodPost, "/v1/follow", Pair{who, whom}, nil)
}

// Unfollow removes who's follow of whom.
func (c *Client) Unfollow(ctx context.Context, who, whom string) error {
	return c.do(ctx, http.MethodPost, "/v1/unfollow", Pair{who, whom}, nil)
}

// IsFollowing tells whether who follows whom.
func (c *Client) IsFollowing(ctx context.Context, who, whom string) (bool, error) {
	var out struct {
		Following bool `json:"following"`
	}
	q := url.Values{"who": {who}, "whom": {whom}}
	err := c.do(ctx, http.MethodGet, "/v1/is-following?"+q.Encode(), nil, &out)
	return out.Following, err
}

// Following lists at most limit usernames that who follows.
func (c *Client) Following(ctx context.Context, who string, limit int) ([]string, error) {
	var out struct {
		Follows []string `json:"follows"`
	}
	q := url.Values{"who": {who}, "limit": {strconv.Itoa(limit)}}
	if err := c.do(ctx, http.MethodGet, "/v1/following?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	if out.Follows == nil {
		out.Follows = []string{}
	}
	return out.Follows, nil
}

// Ping checks the follower service's readiness and that it accepts this
// client's token, so that a replica holding a wrong token never becomes
// ready (and a rolling update with one stops) instead of failing every
// follow call.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.do(ctx, http.MethodGet, "/readyz", nil, nil); err != nil {
		return err
	}
	return c.do(ctx, http.MethodGet, AuthPath, nil, nil)
}

// AuthPath answers 204 to a caller holding the token, without touching
// the database: the last step of Ping.
const AuthPath = "/v1/auth"

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if id := httpserver.RequestID(ctx); id != "" {
		req.Header.Set(httpserver.RequestIDHeader, id)
	}
	// Every follower call is idempotent (follow and unfollow set a state).
	// Saying so (a nil Idempotency-Key is not sent) lets the transport resend
	// a POST whose pooled connection the follower or its load balancer
	// closed as the request went out, as happens while a replica is
	// replaced; otherwise that request fails with 503.
	req.Header["Idempotency-Key"] = nil
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%w: follower service: %v", domain.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil {
			return json.NewDecoder(resp.Body).Decode(out)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	var e ErrorBody
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
	if err := e.Kind.Err(); err != nil {
		return err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("follower service answered 401: it does not accept this service's FOLLOWER_TOKEN: %s", e.Message)
	}
	return fmt.Errorf("follower service answered %d: %s", resp.StatusCode, e.Message)
}
