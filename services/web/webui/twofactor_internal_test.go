package webui

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSecretBox(t *testing.T) {
	oldKey, newKey := []byte("old-session-key-0123456789"), []byte("new-session-key-0123456789")
	before, err := newSecretBox(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	during, _ := newSecretBox(newKey, oldKey)
	after, _ := newSecretBox(newKey)
	secret := bytes.Repeat([]byte{0xa5}, totpSecretBytes)

	sealed, err := before.seal(7, secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) > 64 {
		t.Errorf("sealed secret is %d characters; users.totp_secret holds 64", len(sealed))
	}
	if again, _ := before.seal(7, secret); again == sealed {
		t.Error("sealing twice gave the same text: the nonce is not random")
	}
	for _, tt := range []struct {
		name          string
		box           secretBox
		user          int64
		sealed        string
		ok, isCurrent bool
	}{
		{"same key", before, 7, sealed, true, true},
		{"previous key during a rotation", during, 7, sealed, true, false},
		{"after the previous key is gone", after, 7, sealed, false, false},
		{"another user's row", before, 8, sealed, false, false},
		{"damaged", before, 7, sealed[:len(sealed)-2] + "AA", false, false},
		{"not base64", before, 7, "!!", false, false},
		{"too short", before, 7, "AAAA", false, false},
		{"empty", before, 7, "", false, false},
	} {
		got, current, ok := tt.box.open(tt.user, tt.sealed)
		if ok != tt.ok || current != tt.isCurrent || (ok && !bytes.Equal(got, secret)) {
			t.Errorf("%s: open = %x, current %v, ok %v; want ok %v, current %v", tt.name, got, current, ok, tt.ok, tt.isCurrent)
		}
	}
	if _, err := newSecretBox(nil); err == nil {
		t.Error("a box without a key")
	}
}

func TestTOTPStep(t *testing.T) {
	secret := []byte("12345678901234567890") // RFC 6238 appendix B's SHA-1 secret
	at := time.Unix(59, 0)                   // RFC 6238: 94287082, of which 6 digits: 287082
	if step, ok := totpStep(secret, "287082", at, 0); !ok || step != 1 {
		t.Fatalf("RFC 6238 test vector: step %d, %v; want 1, true", step, ok)
	}
	for _, tt := range []struct {
		name     string
		code     string
		at       time.Time
		lastStep int64
	}{
		{"step already used", "287082", at, 1},
		{"two steps late", "287082", time.Unix(59+60, 0), 0},
		{"wrong code", "287083", at, 0},
		{"too short", "28708", at, 0},
		{"too long", "2870820", at, 0},
	} {
		if step, ok := totpStep(secret, tt.code, tt.at, tt.lastStep); ok {
			t.Errorf("%s: accepted as step %d", tt.name, step)
		}
	}
	if step, ok := totpStep(secret, "287082", time.Unix(59+30, 0), 0); !ok || step != 1 {
		t.Errorf("a code of the step before: %d, %v; want 1, true", step, ok)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != recoveryCodeCount || len(hashes) != recoveryCodeCount {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(strings.ReplaceAll(c, "-", "")) != recoveryCodeChars || seen[c] {
			t.Errorf("code %q: wrong length or repeated", c)
		}
		seen[c] = true
		for _, typed := range []string{c, strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), strings.ReplaceAll(c, "-", " ")} {
			if recoveryHash(typed) != hashes[i] {
				t.Errorf("%q typed as %q hashes differently", c, typed)
			}
		}
		if isTOTPCode(normalizeCode(c)) {
			t.Errorf("recovery code %q passes for a TOTP code", c)
		}
	}
	if got := normalizeCode(" 123 456 "); got != "123456" {
		t.Errorf("normalizeCode = %q", got)
	}
}

// The QR code is a real one: its three finder patterns (7×7 dark ring,
// light ring, 3×3 dark core) sit in three corners inside the quiet zone.
func TestQRCode(t *testing.T) {
	q, err := newQRCode("otpauth://totp/MiniTwit:alice?secret=JBSWY3DPEHPK3PXP&issuer=MiniTwit")
	if err != nil {
		t.Fatal(err)
	}
	dark := map[[2]int]bool{}
	for _, cmd := range strings.Split(strings.TrimSuffix(q.Path, "h1v1h-1z"), "h1v1h-1z") {
		xy := strings.Fields(strings.TrimPrefix(cmd, "M"))
		x, _ := strconv.Atoi(xy[0])
		y, _ := strconv.Atoi(xy[1])
		dark[[2]int{x, y}] = true
	}
	n := q.Size - 2*qrQuietZone
	if n < 21 || (n-21)%4 != 0 {
		t.Fatalf("%d modules per side is no QR version", n)
	}
	finder := func(x0, y0 int) bool {
		for dy := range 7 {
			for dx := range 7 {
				ring := max(dx-3, 3-dx, dy-3, 3-dy)
				if dark[[2]int{x0 + dx, y0 + dy}] != (ring != 2) {
					return false
				}
			}
		}
		return true
	}
	z := qrQuietZone
	for _, corner := range [][2]int{{z, z}, {z + n - 7, z}, {z, z + n - 7}} {
		if !finder(corner[0], corner[1]) {
			t.Errorf("no finder pattern at %v", corner)
		}
	}
	for p := range dark {
		if p[0] < z || p[1] < z || p[0] >= z+n || p[1] >= z+n {
			t.Fatalf("dark module %v in the quiet zone", p)
		}
	}
}
