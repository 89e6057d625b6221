package replay

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"minitwit/tools/scenario"
)

// client sends requests the way the simulator does: a fresh TCP connection
// per request (Connection: close), a hard per-request timeout covering the
// whole exchange, Basic auth on every request and JSON bodies.
type client struct {
	base string
	auth string
	http *http.Client
}

func newClient(o Options, timeout time.Duration) *client {
	tr := &http.Transport{
		// No proxy: replays must reach exactly the base URL given.
		Proxy:             nil,
		DisableKeepAlives: true,
		DialContext:       (&net.Dialer{Timeout: timeout}).DialContext,
		// The gateway's local certificate is self-signed: trust it through
		// RootCAs, or skip verification with Insecure (the -insecure flag).
		TLSClientConfig:     &tls.Config{RootCAs: o.RootCAs, InsecureSkipVerify: o.Insecure}, //nolint:gosec // opt-in by flag
		TLSHandshakeTimeout: timeout,
	}
	return &client{
		base: strings.TrimRight(o.Base, "/"),
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(o.User+":"+o.Password)),
		http: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			// A redirect is not the answer the contract promises; report it
			// as the status it is instead of following it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

type registerBody struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Pwd      string `json:"pwd"`
}

type tweetBody struct {
	Content string `json:"content"`
}

type followBody struct {
	Follow string `json:"follow"`
}

type unfollowBody struct {
	Unfollow string `json:"unfollow"`
}

// actionRequest builds the POST for one scenario action, with the action id
// as the latest parameter.
func (c *client) actionRequest(ctx context.Context, a scenario.Action) (*http.Request, error) {
	var path string
	var body any
	switch a.Kind {
	case scenario.Register:
		path, body = "/register", registerBody{a.Username, a.Email, a.Password}
	case scenario.Tweet:
		path, body = "/msgs/"+url.PathEscape(a.Username), tweetBody{a.Text}
	case scenario.Follow:
		path, body = "/fllws/"+url.PathEscape(a.Username), followBody{a.Other}
	case scenario.Unfollow:
		path, body = "/fllws/"+url.PathEscape(a.Username), unfollowBody{a.Other}
	default:
		return nil, fmt.Errorf("unknown action %q", a.Kind)
	}
	b, err := marshalASCII(body)
	if err != nil {
		return nil, err
	}
	req, err := c.request(ctx, http.MethodPost, path, url.Values{"latest": {strconv.FormatInt(a.ID, 10)}}, b)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (c *client) request(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Close = true
	req.Header.Set("Authorization", c.auth)
	return req, nil
}

// answer is what came back for one request. Status is 0 when no HTTP
// answer arrived (Err says why).
type answer struct {
	Status      int
	ContentType string
	Body        []byte
	Err         error
	Elapsed     time.Duration
}

// maxBody bounds what is kept of an answer; error bodies are small and list
// answers in spot-checks are at most a few MB.
const maxBody = 16 << 20

func (c *client) do(req *http.Request) answer {
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{Err: err, Elapsed: time.Since(start)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	// The elapsed time includes reading the body: the simulator's timeout
	// covers the whole exchange, and so does this figure.
	return answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body, Err: err, Elapsed: time.Since(start)}
}

// describeErr shortens transport errors to the two the contract names and
// keeps anything else as is.
func describeErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	return err.Error()
}

// marshalASCII encodes v as JSON with every non-ASCII character written as
// a \u escape (surrogate pairs above U+FFFF), as the reference simulator's
// Python json.dumps does by default. A server must decode these to the same
// text it would get from raw UTF-8, and surrogate pairs for emoji are where
// hand-rolled decoders go wrong.
func marshalASCII(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	raw := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	out := make([]byte, 0, len(raw)+len(raw)/2)
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		raw = raw[size:]
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xFFFF:
			r -= 0x10000
			out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out, nil
}
