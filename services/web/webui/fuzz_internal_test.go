package webui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
)

// FuzzCookie feeds any string to the cookie decoder. Properties: no panic;
// a value decodes only if it is exactly what the encoder writes for the
// decoded payload under this key and purpose (no second spelling of a
// signed value, no value signed for another purpose, no unsigned payload);
// the payload is JSON.
func FuzzCookie(f *testing.F) {
	s := signer{key: []byte("fuzz-cookie-key-0123456789abcdef")}
	other := signer{key: []byte("another-key-0123456789abcdef0000")}
	for _, v := range []struct {
		s       signer
		purpose string
		value   any
	}{
		{s, "session", map[string]int64{"uid": 1, "exp": 1 << 40}},
		{s, "flash", []string{"You were logged in", "<b>x</b>"}},
		{s, "session", "a token"},
		{s, "flash", nil},
		{other, "session", map[string]int64{"uid": 1, "exp": 1 << 40}},
	} {
		enc, err := v.s.encode(v.purpose, v.value)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("session", enc)
		f.Add("flash", enc)
		f.Add("session", enc+"x")
		f.Add("session", strings.Replace(enc, ".", "..", 1))
	}
	f.Add("session", "")
	f.Add("session", ".")
	f.Add("session", "e30.")
	f.Add("session", strings.Repeat("A", maxCookieValue+1))

	f.Fuzz(func(t *testing.T, purpose, value string) {
		var raw json.RawMessage
		if !s.decode(purpose, value, &raw) {
			return
		}
		p, _, _ := strings.Cut(value, ".")
		payload, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			t.Fatalf("decoded %q although its payload is not base64: %v", value, err)
		}
		// The wire format, stated here on its own: HMAC-SHA256 over the
		// purpose, a zero byte and the JSON payload.
		m := hmac.New(sha256.New, s.key)
		m.Write([]byte(purpose))
		m.Write([]byte{0})
		m.Write(payload)
		enc := base64.RawURLEncoding
		canonical := enc.EncodeToString(payload) + "." + enc.EncodeToString(m.Sum(nil))
		if value != canonical {
			t.Errorf("decoded %q for purpose %q, which the encoder never writes (it writes %q)", value, purpose, canonical)
		}
		if !json.Valid(raw) {
			t.Errorf("decoded %q into a payload that is not JSON: %q", value, raw)
		}
		var v any
		if !s.decode(purpose, value, &v) {
			t.Errorf("%q decodes as raw JSON but not as a value", value)
		}
	})
}

// FuzzCursor: the "older messages" cursor parser never panics; a cursor
// formatted from a message parses back to that message's (pub_date, id);
// and whatever it accepts formats and parses back to the same cursor.
func FuzzCursor(f *testing.F) {
	f.Add(int64(1700000000), int64(42), "1700000000_42")
	f.Add(int64(0), int64(1), "0_1")
	f.Add(int64(-1), int64(9223372036854775807), "-1_9223372036854775807")
	f.Add(int64(-9223372036854775808), int64(1), "+5_07")
	f.Add(int64(9223372036854775807), int64(0), "_")
	f.Add(int64(1), int64(-1), "1_0")
	f.Add(int64(1), int64(2), "1_2_3")
	f.Add(int64(1), int64(2), "99999999999999999999_1")
	f.Add(int64(1), int64(2), "1_\x00")

	f.Fuzz(func(t *testing.T, date, id int64, s string) {
		if id > 0 {
			m := domain.Message{ID: id, PubDate: time.Unix(date, 0)}
			got, err := parseCursor(formatCursor(m))
			want := domain.Cursor{PubDate: m.PubDate.Unix(), ID: id}
			if err != nil || got != want {
				t.Errorf("cursor of message (%d, %d) is %q, parsed back as %+v (%v), want %+v",
					date, id, formatCursor(m), got, err, want)
			}
		}
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		if c.ID <= 0 {
			t.Errorf("parseCursor(%q) accepted id %d", s, c.ID)
		}
		again, err := parseCursor(formatCursor(domain.Message{ID: c.ID, PubDate: time.Unix(c.PubDate, 0)}))
		if err != nil || again != c {
			t.Errorf("parseCursor(%q) = %+v, but its formatted form parses as %+v (%v)", s, c, again, err)
		}
	})
}
