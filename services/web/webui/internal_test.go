package webui

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/sirupsen/logrus"

	"minitwit/shared/domain"
)

// A page that sets no title gets the contract's default.
func TestDefaultTitle(t *testing.T) {
	tpl, err := template.New("layout.html").ParseFS(assets, "templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.New("content").Parse("<p>body</p>"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, layout{}); err != nil {
		t.Fatal(err)
	}
	if want := "<title>Welcome | MiniTwit</title>"; !bytes.Contains(buf.Bytes(), []byte(want)) {
		t.Errorf("no %q in\n%s", want, buf.String())
	}
}

func testContext(cookies ...*http.Cookie) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	for _, ck := range cookies {
		c.Request.AddCookie(ck)
	}
	return c
}

// Flashes stop being shown when they expire, whatever the browser does
// with Max-Age. (A session's expiry is on the server: store.SessionUser.)
func TestCookieExpiry(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &Handler{cookies: signer{key: []byte("0123456789abcdef0123")}, now: func() time.Time { return now }}
	fl, err := h.cookies.encode(flashPurpose, flashes{Messages: []string{"hi"}, Expires: now.Add(flashLifetime).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	c := testContext(&http.Cookie{Name: flashCookie, Value: fl})
	if diff := cmp.Diff([]string{"hi"}, h.pendingFlashes(c)); diff != "" {
		t.Errorf("fresh flashes (-want +got):\n%s", diff)
	}
	now = now.Add(flashLifetime)
	if got := h.pendingFlashes(c); got != nil {
		t.Errorf("expired flashes shown: %q", got)
	}
}

// A session cookie holds nothing but a signed 256-bit token; the decoder
// refuses every other shape.
func TestDecodeSessionCookie(t *testing.T) {
	s := signer{key: []byte("0123456789abcdef0123")}
	token := bytes.Repeat([]byte{7}, sessionTokenBytes)
	enc := func(purpose string, v any) string {
		t.Helper()
		out, err := s.encode(purpose, v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	good := enc(sessionPurpose, sessionCookieValue{Token: base64.RawURLEncoding.EncodeToString(token)})
	if got, ok := decodeSessionCookie(s, good); !ok || !bytes.Equal(got, token) {
		t.Fatalf("good cookie: %x %v", got, ok)
	}
	for name, v := range map[string]string{
		"flash purpose":  enc(flashPurpose, sessionCookieValue{Token: base64.RawURLEncoding.EncodeToString(token)}),
		"short token":    enc(sessionPurpose, sessionCookieValue{Token: base64.RawURLEncoding.EncodeToString(token[:16])}),
		"not base64":     enc(sessionPurpose, sessionCookieValue{Token: "!!"}),
		"old uid cookie": enc(sessionPurpose, map[string]int64{"uid": 1, "exp": 1 << 40}),
		"another key": func() string {
			v, _ := signer{key: []byte("another-key-0123456789")}.encode(sessionPurpose, sessionCookieValue{Token: base64.RawURLEncoding.EncodeToString(token)})
			return v
		}(),
		"empty":   "",
		"garbage": "a.b",
	} {
		if _, ok := decodeSessionCookie(s, v); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Key rotation: values signed with the previous key still decode; new ones
// are signed with the current key only.
func TestSignerRotation(t *testing.T) {
	oldKey, newKey := []byte("the-old-key-0123456789"), []byte("the-new-key-0123456789")
	before := newSigner(oldKey, nil)
	during := newSigner(newKey, oldKey)
	after := newSigner(newKey, nil)
	oldValue, _ := before.encode(flashPurpose, "x")
	newValue, _ := during.encode(flashPurpose, "x")
	var v string
	for _, tt := range []struct {
		name  string
		s     signer
		value string
		want  bool
	}{
		{"old value during rotation", during, oldValue, true},
		{"new value during rotation", during, newValue, true},
		{"new value after rotation", after, newValue, true},
		{"old value after rotation", after, oldValue, false},
		{"new value on a replica not yet rotated", before, newValue, false},
	} {
		if got := tt.s.decode(flashPurpose, tt.value, &v); got != tt.want {
			t.Errorf("%s: decoded %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Flashes too large for a cookie drop the oldest first.
func TestFlashCookieStaysSmall(t *testing.T) {
	h := &Handler{cookies: signer{key: []byte("0123456789abcdef0123")}, now: time.Now}
	c := testContext()
	long := string(bytes.Repeat([]byte("ü"), 600))
	for i := range 5 {
		h.addFlash(c, string(rune('a'+i))+long)
	}
	h.commitFlashes(c)
	cookies := (&http.Response{Header: c.Writer.Header()}).Cookies()
	if len(cookies) != 1 || len(cookies[0].Value) > maxCookieValue {
		t.Fatalf("cookies %d, value length %d", len(cookies), len(cookies[0].Value))
	}
	c2 := testContext(cookies[0])
	got := h.pendingFlashes(c2)
	if len(got) == 0 || len(got) == 5 {
		t.Fatalf("kept %d of 5 flashes", len(got))
	}
	if got[len(got)-1][0] != 'e' {
		t.Errorf("the newest flash was dropped")
	}
}

func TestCursor(t *testing.T) {
	m := domain.Message{ID: 42, PubDate: time.Unix(1700000000, 0)}
	got, err := parseCursor(formatCursor(m))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(domain.Cursor{PubDate: 1700000000, ID: 42}, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// purgeStore counts purge calls and answers full batches while rows are left.
type purgeStore struct {
	SessionStore
	left, calls int
}

func (p *purgeStore) PurgeExpiredSessions(_ context.Context, _ time.Time, limit int) (int64, error) {
	p.calls++
	n := min(p.left, limit)
	p.left -= n
	return int64(n), nil
}

// Expired sessions are purged one bounded batch at a time: once per
// purgeEvery, or on every sign-in while full batches show more are left.
func TestPurgeKeepsUp(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ps := &purgeStore{left: 2*purgeBatch + 10}
	h := &Handler{sessions: ps, log: logrus.NewEntry(logrus.New()), now: func() time.Time { return now }}
	c := testContext()
	for range 5 {
		h.purgeExpiredSessions(c, now)
	}
	if ps.calls != 3 || ps.left != 0 {
		t.Errorf("5 sign-ins with %d expired rows: %d purges, %d rows left; want 3 and 0", 2*purgeBatch+10, ps.calls, ps.left)
	}
	now = now.Add(purgeEvery - time.Second)
	h.purgeExpiredSessions(c, now)
	if ps.calls != 3 {
		t.Errorf("purged again within purgeEvery of a partial batch")
	}
	now = now.Add(time.Second)
	h.purgeExpiredSessions(c, now)
	if ps.calls != 4 {
		t.Errorf("no purge after purgeEvery")
	}
}
