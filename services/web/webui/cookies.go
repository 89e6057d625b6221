package webui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// signer seals small values into cookies as base64(json) "." base64(mac).
// The MAC covers a purpose word too, so a flash cookie can never pass as a
// session cookie or the other way round.
type signer struct {
	key []byte
}

// maxCookieValue stays below the 4 KiB browsers keep per cookie.
const maxCookieValue = 3500

func (s signer) mac(purpose string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

func (s signer) encode(purpose string, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(purpose, payload)), nil
}

// decode fills v and reports true only for a value this key signed for purpose.
func (s signer) decode(purpose, value string, v any) bool {
	if len(value) > maxCookieValue {
		return false
	}
	p, m, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	enc := base64.RawURLEncoding
	payload, err := enc.DecodeString(p)
	if err != nil {
		return false
	}
	mac, err := enc.DecodeString(m)
	if err != nil || !hmac.Equal(mac, s.mac(purpose, payload)) {
		return false
	}
	return json.Unmarshal(payload, v) == nil
}

// secureRequest tells whether the browser reached us over HTTPS, directly or
// through a TLS-terminating gateway. A client lying about it only loses its
// own cookie on plain HTTP.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// setCookie writes name=value with the attributes every MiniTwit cookie
// has; maxAge < 0 deletes the cookie, 0 makes it last for the browser session.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   secureRequest(r),
		SameSite: http.SameSiteLaxMode,
	})
}
