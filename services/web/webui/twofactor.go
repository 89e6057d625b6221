package webui

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Two-factor sign-in: TOTP (RFC 6238; 30 s steps, 6 digits, SHA-1, the
// parameters every authenticator app supports) through pquerna/otp, plus
// one-time recovery codes. The pages are in twofactor_settings.go and
// twofactor_login.go.

// TwoFactorStore keeps users' two-factor state (store.Store implements
// it). The secret is opaque to the store: the web UI seals it first. The
// conditional updates report false when the state is no longer what the
// caller read.
type TwoFactorStore interface {
	// TwoFactor returns the sealed secret ("" when off), the last accepted
	// step and the hashes of the unused recovery codes.
	TwoFactor(ctx context.Context, userID int64) (secret string, lastStep int64, recoveryHashes []string, err error)
	// EnableTOTP refuses when two-factor sign-in is on already.
	EnableTOTP(ctx context.Context, userID int64, secret string, step int64, recoveryHashes []string) (bool, error)
	DisableTOTP(ctx context.Context, userID int64) error
	// AcceptTOTPStep refuses unless step is later than the last accepted
	// one and secret is still the user's.
	AcceptTOTPStep(ctx context.Context, userID int64, secret string, step int64) (bool, error)
	ReplaceTOTPSecret(ctx context.Context, userID int64, old, replacement string) (bool, error)
	// UseRecoveryCode refuses unless hash is among the unused codes.
	UseRecoveryCode(ctx context.Context, userID int64, hash string) (bool, error)
}

const (
	totpIssuer      = "MiniTwit"
	totpSecretBytes = 20 // 160 bits, RFC 4226's recommendation
	totpPeriod      = 30
	// totpSkew accepts the previous and the next step too, for clocks that
	// are a little off and codes typed as they change.
	totpSkew          = 1
	recoveryCodeCount = 10
	// A recovery code is 16 characters of a 32-letter alphabet (80 bits):
	// too many to guess, and to search for by the stored unsalted hash.
	recoveryCodeChars = 16
	recoveryAlphabet  = "abcdefghjkmnpqrstuvwxyz023456789"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// errCodeRefused is a wrong, reused or expired second-factor code, shown
// on the form as codeRefusedText.
var errCodeRefused = errors.New("invalid second-factor code")

const codeRefusedText = "Invalid code"

// secretBox seals TOTP secrets with AES-256-GCM under a key derived from
// the session key, bound to the user's id, before they reach the database:
// a copy of the database or of a backup alone yields no secret. Secrets
// sealed under the previous session key still open during a rotation and
// are sealed anew at the next use.
type secretBox struct {
	aeads []cipher.AEAD // the current key's first
}

func newSecretBox(key []byte, previous ...[]byte) (secretBox, error) {
	var b secretBox
	for _, k := range append([][]byte{key}, previous...) {
		if len(k) == 0 {
			continue
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte("minitwit two-factor secret sealing v1"))
		block, err := aes.NewCipher(m.Sum(nil))
		if err != nil {
			return secretBox{}, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return secretBox{}, err
		}
		b.aeads = append(b.aeads, aead)
	}
	if len(b.aeads) == 0 {
		return secretBox{}, errors.New("webui: no key to seal two-factor secrets with")
	}
	return b, nil
}

func boxLabel(userID int64) []byte { return []byte("totp:" + strconv.FormatInt(userID, 10)) }

// seal returns base64url(nonce | ciphertext): 64 characters for a 20-byte
// secret, the width of users.totp_secret.
func (b secretBox) seal(userID int64, secret []byte) (string, error) {
	aead := b.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, secret, boxLabel(userID))), nil
}

// open returns the secret sealed for userID and whether it was sealed
// under the current key.
func (b secretBox) open(userID int64, sealed string) (secret []byte, current bool, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, false, false
	}
	for i, aead := range b.aeads {
		if len(raw) < aead.NonceSize() {
			return nil, false, false
		}
		if s, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], boxLabel(userID)); err == nil {
			return s, i == 0, true
		}
	}
	return nil, false, false
}

// newTOTPKey makes a fresh secret and its otpauth:// key for username.
func newTOTPKey(username string) ([]byte, *otp.Key, error) {
	secret := make([]byte, totpSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, nil, err
	}
	key, err := totpKey(username, secret)
	return secret, key, err
}

func totpKey(username string, secret []byte) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{
		Issuer: totpIssuer, AccountName: username, Secret: secret,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// totpStep returns the step whose code code is, among the steps around now
// later than lastStep; false when none matches. The step is what makes a
// code single-use (store AcceptTOTPStep).
func totpStep(secret []byte, code string, now time.Time, lastStep int64) (int64, bool) {
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	b32 := base32NoPad.EncodeToString(secret)
	cur := now.Unix() / totpPeriod
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(b32, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// newRecoveryCodes returns recoveryCodeCount codes as shown to the user
// (groups of four) and their hashes as stored.
func newRecoveryCodes() (codes, hashes []string, err error) {
	buf := make([]byte, recoveryCodeChars)
	for range recoveryCodeCount {
		if _, err := rand.Read(buf); err != nil {
			return nil, nil, err
		}
		var sb strings.Builder
		for i, b := range buf {
			if i > 0 && i%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(b)%len(recoveryAlphabet)])
		}
		code := sb.String()
		codes = append(codes, code)
		hashes = append(hashes, recoveryHash(code))
	}
	return codes, hashes, nil
}

// recoveryHash is the stored form of a recovery code as typed: case,
// spaces and dashes do not matter.
func recoveryHash(typed string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, typed)
	sum := sha256.Sum256([]byte("minitwit recovery code\x00" + norm))
	return hex.EncodeToString(sum[:])
}

// isTOTPCode tells a typed TOTP code (six digits) from a recovery code.
func isTOTPCode(s string) bool {
	if len(s) != int(otp.DigitsSix) {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// normalizeCode trims what people paste around a code and the space some
// apps show in the middle of one.
func normalizeCode(s string) string {
	s = strings.TrimSpace(s)
	if t := strings.ReplaceAll(s, " ", ""); isTOTPCode(t) {
		return t
	}
	return s
}

// qrCode is a QR code as an inline SVG path: the page's Content-Security-
// Policy allows images from this site only, which rules out data: URLs,
// and inline markup needs no second request carrying the secret.
type qrCode struct {
	Size int    // modules per side, the quiet zone included
	Path string // one unit square per dark module
}

const qrQuietZone = 4

func newQRCode(content string) (qrCode, error) {
	bc, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return qrCode{}, err
	}
	b := bc.Bounds()
	var sb strings.Builder
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := bc.At(x, y).RGBA(); r == 0 {
				sb.WriteString("M" + strconv.Itoa(x-b.Min.X+qrQuietZone) + " " + strconv.Itoa(y-b.Min.Y+qrQuietZone) + "h1v1h-1z")
			}
		}
	}
	return qrCode{Size: b.Dx() + 2*qrQuietZone, Path: sb.String()}, nil
}

// groupSecret shows a base32 secret in groups of four for typing.
func groupSecret(b32 string) string {
	var parts []string
	for len(b32) > 4 {
		parts = append(parts, b32[:4])
		b32 = b32[4:]
	}
	return strings.Join(append(parts, b32), " ")
}

// twoFactorPages are this part's pages, parsed once at start.
type twoFactorPages struct {
	settings *template.Template // off, set-up, on, and the new recovery codes
	code     *template.Template // the second step of signing in
}

func parseTwoFactorPages() (twoFactorPages, error) {
	settings, err := parsePage("twofactor.html")
	if err != nil {
		return twoFactorPages{}, err
	}
	code, err := parsePage("twofactor_login.html")
	if err != nil {
		return twoFactorPages{}, err
	}
	return twoFactorPages{settings: settings, code: code}, nil
}
