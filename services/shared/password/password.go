// Package password hashes and verifies user passwords.
package password

import (
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost keeps one hash at 20-100 ms on one core of the reference
// machine (BenchmarkHash: about 29 ms at 9, 58 ms at 10). 9 rather than 10
// leaves register, which hashes once, far inside the simulator's 0.3 s
// timeout even on a loaded node.
const DefaultCost = 9

// Hasher hashes with bcrypt at Cost.
type Hasher struct {
	Cost int
}

// Hash returns the bcrypt hash of pw. Passwords above bcrypt's 72-byte limit
// are refused rather than silently truncated.
func (h Hasher) Hash(pw string) (string, error) {
	cost := h.Cost
	if cost == 0 {
		cost = DefaultCost
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return "", ErrTooLong
	}
	return string(b), err
}

// ErrTooLong is returned for passwords bcrypt cannot hash in full.
var ErrTooLong = errors.New("password is longer than 72 bytes")

// Verify reports whether pw matches hash, and whether the hash should be
// replaced by a fresh one (an older scheme or a different cost).
func (h Hasher) Verify(hash, pw string) (ok, rehash bool) {
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		if ok, legacy := verifyLegacy(hash, pw); legacy {
			return ok, ok
		}
		return false, false
	}
	cost, err := bcrypt.Cost([]byte(hash))
	want := h.Cost
	if want == 0 {
		want = DefaultCost
	}
	return true, err == nil && cost != want
}

// verifyLegacy checks hashes of earlier MiniTwit deployments. legacy is
// false when hash is in no known legacy format.
func verifyLegacy(hash, pw string) (ok, legacy bool) {
	return verifyWerkzeug(hash, pw)
}
