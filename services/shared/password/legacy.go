package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Earlier MiniTwit deployments (Flask) stored Werkzeug hashes:
//
//	pbkdf2:<digest>:<iterations>$<salt>$<hex of PBKDF2-HMAC, digest-sized key>
//	scrypt:<N>:<r>:<p>$<salt>$<hex of a 64-byte scrypt key>
//
// The salt is used as its ASCII text, not decoded. Limits on the cost
// parameters keep a corrupted or hostile row from stalling a sign-in.
const (
	maxPBKDF2Iterations = 10_000_000
	maxScryptMemory     = 1 << 30 // bytes: 128 * N * r * p
	werkzeugScryptKey   = 64
)

var pbkdf2Digests = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha224": sha256.New224,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

// verifyWerkzeug checks pw against a Werkzeug hash. legacy is true when hash
// starts like one, even if it is malformed: such a hash never signs anyone in.
func verifyWerkzeug(hashed, pw string) (ok, legacy bool) {
	method, rest, found := strings.Cut(hashed, "$")
	if !found {
		return false, false
	}
	kind, params, _ := strings.Cut(method, ":")
	if kind != "pbkdf2" && kind != "scrypt" {
		return false, false
	}
	salt, hexKey, found := strings.Cut(rest, "$")
	if !found || salt == "" {
		return false, true
	}
	want, err := hex.DecodeString(hexKey)
	if err != nil {
		return false, true
	}
	var got []byte
	switch kind {
	case "pbkdf2":
		got = werkzeugPBKDF2(params, salt, pw, len(want))
	case "scrypt":
		got = werkzeugScrypt(params, salt, pw, len(want))
	}
	if got == nil {
		return false, true
	}
	return subtle.ConstantTimeCompare(got, want) == 1, true
}

// werkzeugPBKDF2 derives the key for params "<digest>:<iterations>", or nil
// when params are unusable or keyLen is not the digest size Werkzeug writes
// (a shorter stored key would make guessing easier).
func werkzeugPBKDF2(params, salt, pw string, keyLen int) []byte {
	name, iterText, found := strings.Cut(params, ":")
	if !found {
		// Werkzeug always records the iteration count; its default
		// changed between releases, so a hash without one cannot be checked.
		return nil
	}
	newHash, known := pbkdf2Digests[name]
	iter, err := strconv.Atoi(iterText)
	if !known || err != nil || iter < 1 || iter > maxPBKDF2Iterations || keyLen != newHash().Size() {
		return nil
	}
	key, err := pbkdf2.Key(newHash, pw, []byte(salt), iter, keyLen)
	if err != nil {
		return nil
	}
	return key
}

// werkzeugScrypt derives the key for params "<N>:<r>:<p>" (empty: Werkzeug's
// defaults 2^15, 8, 1), or nil when they are unusable.
func werkzeugScrypt(params, salt, pw string, keyLen int) []byte {
	n, r, p := 1<<15, 8, 1
	if params != "" {
		parts := strings.Split(params, ":")
		if len(parts) != 3 {
			return nil
		}
		vals := make([]int, 3)
		for i, s := range parts {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				return nil
			}
			vals[i] = v
		}
		n, r, p = vals[0], vals[1], vals[2]
	}
	if keyLen != werkzeugScryptKey || int64(128)*int64(n)*int64(r)*int64(p) > maxScryptMemory {
		return nil
	}
	key, err := scrypt.Key([]byte(pw), []byte(salt), n, r, p, keyLen)
	if err != nil {
		return nil
	}
	return key
}
