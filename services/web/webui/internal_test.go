package webui

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

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

// Sessions and flashes stop being honoured when they expire, whatever the
// browser does with Max-Age.
func TestCookieExpiry(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &Handler{cookies: signer{key: []byte("0123456789abcdef0123")}, now: func() time.Time { return now }}

	sess, err := h.cookies.encode(sessionPurpose, session{UserID: 7, Expires: now.Add(sessionLifetime).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	fl, err := h.cookies.encode(flashPurpose, flashes{Messages: []string{"hi"}, Expires: now.Add(flashLifetime).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	c := testContext(&http.Cookie{Name: sessionCookie, Value: sess}, &http.Cookie{Name: flashCookie, Value: fl})

	if id, ok := h.sessionUserID(c); !ok || id != 7 {
		t.Fatalf("fresh session: %d %v", id, ok)
	}
	if diff := cmp.Diff([]string{"hi"}, h.pendingFlashes(c)); diff != "" {
		t.Errorf("fresh flashes (-want +got):\n%s", diff)
	}
	now = now.Add(flashLifetime)
	if got := h.pendingFlashes(c); got != nil {
		t.Errorf("expired flashes shown: %q", got)
	}
	now = now.Add(sessionLifetime)
	if _, ok := h.sessionUserID(c); ok {
		t.Error("expired session honoured")
	}
}

// A flash cookie signature never passes as a session.
func TestCookiePurposesDiffer(t *testing.T) {
	s := signer{key: []byte("0123456789abcdef0123")}
	v, err := s.encode(flashPurpose, session{UserID: 1, Expires: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	var got session
	if s.decode(sessionPurpose, v, &got) {
		t.Error("a flash-signed value decoded as a session")
	}
	if !s.decode(flashPurpose, v, &got) {
		t.Error("the value does not decode for its own purpose")
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
