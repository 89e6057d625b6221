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
// session cookie or the other way round. key signs; previous keys are still
// accepted when decoding, so a key can be rotated (SESSION_KEY_PREVIOUS)
// without signing everybody out or losing pending flashes.
type signer struct {
	key      []byte
	previous [][]byte
}

// newSigner signs with a copy of key and also accepts previous when set.
func newSigner(key, previous []byte) signer {
	s := signer{key: append([]byte(nil), key...)}
	if len(previous) > 0 {
		s.previous = [][]byte{append([]byte(nil), previous...)}
	}
	return s
}

// maxCookieValue stays below the 4 KiB browsers keep per cookie.
const maxCookieValue = 3500

func mac(key []byte, purpose string, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
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
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(mac(s.key, purpose, payload)), nil
}

// decode fills v and reports true only for a value signed for purpose by
// the current key or a previous one.
func (s signer) decode(purpose, value string, v any) bool {
	if len(value) > maxCookieValue {
		return false
	}
	p, m, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	payload, ok := decodeExact(p)
	if !ok {
		return false
	}
	sum, ok := decodeExact(m)
	if !ok || !s.signed(sum, purpose, payload) {
		return false
	}
	return json.Unmarshal(payload, v) == nil
}

// decodeExact decodes unpadded base64url accepting one spelling per value,
// the one the encoder writes: Strict refuses stray bits in the last
// character, and the length check refuses the line breaks the decoder
// would otherwise skip (both found by FuzzCookie).
func decodeExact(s string) ([]byte, bool) {
	enc := base64.RawURLEncoding.Strict()
	b, err := enc.DecodeString(s)
	if err != nil || enc.EncodedLen(len(b)) != len(s) {
		return nil, false
	}
	return b, true
}

func (s signer) signed(sum []byte, purpose string, payload []byte) bool {
	if hmac.Equal(sum, mac(s.key, purpose, payload)) {
		return true
	}
	for _, k := range s.previous {
		if hmac.Equal(sum, mac(k, purpose, payload)) {
			return true
		}
	}
	return false
}

// secureRequest tells whether the browser reached us over HTTPS, directly or
// through a TLS-terminating gateway. The gateway sets X-Forwarded-Proto to
// its own scheme, replacing whatever the client sent, and the services are
// reachable only through it in the stack. A client reaching a service
// directly and lying about it only loses its own cookie on plain HTTP: a
// browser keeps no Secure or __Host- cookie from an http:// page.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// hostPrefix marks a cookie the browser keeps only when it was set over
// HTTPS with Secure, Path=/ and no Domain: a sibling subdomain or a
// plain-HTTP page cannot plant or overwrite it.
const hostPrefix = "__Host-"

// cookieName is the name MiniTwit's cookie name takes on this request:
// with the __Host- prefix over HTTPS, plain on HTTP (a local run), where
// browsers refuse prefixed cookies.
func cookieName(r *http.Request, name string) string {
	if secureRequest(r) {
		return hostPrefix + name
	}
	return name
}

// readCookie returns the value of cookie name under the name this request
// uses (cookieName). Over HTTPS only the __Host- name counts: a plain-name
// cookie there may have been planted by a sibling subdomain (with
// Domain=) to sign the browser in to the planter's account, which is what
// the prefix prevents. Nothing is lost by not reading plain names there:
// sessions made before the prefix carried no server-side token and are
// refused anyway, and flashes last minutes. Sign-out still clears both.
func readCookie(r *http.Request, name string) (string, bool) {
	if ck, err := r.Cookie(cookieName(r, name)); err == nil {
		return ck.Value, true
	}
	return "", false
}

// setCookie writes name=value with the attributes every MiniTwit cookie
// has; maxAge < 0 deletes the cookie, 0 makes it last for the browser
// session. A deletion removes the cookie under both names.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	names := []string{cookieName(r, name)}
	if maxAge < 0 && names[0] != name {
		names = append(names, name)
	}
	for _, n := range names {
		http.SetCookie(w, &http.Cookie{
			Name:     n,
			Value:    value,
			Path:     "/",
			MaxAge:   maxAge,
			HttpOnly: true,
			Secure:   secureRequest(r),
			SameSite: http.SameSiteLaxMode,
		})
	}
}
