package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// smoke holds one run: its HTTP client, the unique id its users carry, the
// next latest= id and the results so far.
type smoke struct {
	cfg     config
	http    *http.Client
	auth    string // the simulator's Basic auth header value
	runID   string
	nextID  int64
	out     io.Writer
	results []result
}

type result struct {
	name string
	err  error
}

func newSmoke(cfg config, out io.Writer) *smoke {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &smoke{
		cfg: cfg,
		http: &http.Client{
			Timeout: cfg.timeout,
			Transport: &http.Transport{
				// No proxy: the checks must reach exactly the base URL.
				Proxy:           nil,
				TLSClientConfig: &tls.Config{RootCAs: cfg.roots, InsecureSkipVerify: cfg.insecure}, //nolint:gosec // opt-in by flag
			},
			// Redirects are answers to check, not to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		auth:  basicAuth(cfg.user, cfg.password),
		runID: hex.EncodeToString(b),
		// latest= ids of a run start from the clock, so they grow from one
		// run to the next as the simulator's would.
		nextID: time.Now().Unix(),
		out:    out,
	}
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// check runs fn and prints its one line.
func (s *smoke) check(name string, fn func() error) {
	start := time.Now()
	err := fn()
	s.results = append(s.results, result{name, err})
	el := time.Since(start).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(s.out, "FAIL %s (%s): %v\n", name, el, err)
		return
	}
	fmt.Fprintf(s.out, "ok   %s (%s)\n", name, el)
}

// answer is an HTTP answer with its body read.
type answer struct {
	status      int
	contentType string
	body        []byte
}

func (a answer) String() string {
	const n = 300
	b := a.body
	if len(b) > n {
		b = b[:n]
	}
	return fmt.Sprintf("status %d, body %s", a.status, strconv.Quote(string(b)))
}

// authMode says which Authorization header a request carries.
type authMode int

const (
	simulator authMode = iota // the configured simulator credentials
	noAuth
	wrongAuth // the right user with a wrong password
)

// do sends one request to the gateway. path is already escaped; body, when
// not nil, is sent as JSON.
func (s *smoke) do(ctx context.Context, method, path string, q url.Values, auth authMode, body any) (answer, error) {
	u := *s.cfg.base
	u.RawPath = path
	u.Path, _ = url.PathUnescape(path)
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch auth {
	case simulator:
		req.Header.Set("Authorization", s.auth)
	case wrongAuth:
		req.Header.Set("Authorization", basicAuth(s.cfg.user, s.cfg.password+"-wrong"))
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: reading the body: %w", method, path, err)
	}
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}, nil
}

// latestParam is the latest= query of the next POST, or none with -latest=false.
func (s *smoke) latestParam() url.Values {
	if !s.cfg.latest {
		return nil
	}
	s.nextID++
	return url.Values{"latest": {strconv.FormatInt(s.nextID, 10)}}
}

// expectJSON requires status want, a JSON content type and a body that
// decodes into into (when not nil).
func expectJSON(a answer, want int, into any) error {
	if a.status != want {
		return fmt.Errorf("%s, want status %d", a, want)
	}
	if mt, _, err := mime.ParseMediaType(a.contentType); err != nil || mt != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json (%s)", a.contentType, a)
	}
	if into != nil {
		if err := json.Unmarshal(a.body, into); err != nil {
			return fmt.Errorf("%s: %v", a, err)
		}
	}
	return nil
}

// expectNoContent requires the 204 every successful POST answers.
func expectNoContent(a answer) error {
	if a.status != http.StatusNoContent || len(a.body) != 0 {
		return fmt.Errorf("%s, want 204 with an empty body", a)
	}
	return nil
}

// errorBody is the contract's error shape.
type errorBody struct {
	Status   int    `json:"status"`
	ErrorMsg string `json:"error_msg"`
}

// expectError requires the contract's JSON error answer: status want and,
// when msg is not empty, exactly that error_msg.
func expectError(a answer, want int, msg string) error {
	var got errorBody
	if err := expectJSON(a, want, &got); err != nil {
		return err
	}
	if got.Status != want || (msg != "" && got.ErrorMsg != msg) || got.ErrorMsg == "" {
		return fmt.Errorf("body %q, want {\"status\": %d, \"error_msg\": %q}", a.body, want, msg)
	}
	return nil
}
