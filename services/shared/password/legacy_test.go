package password

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// werkzeugVectors were computed with Python's hashlib, independently of this
// package, the way Werkzeug builds its hashes:
//
//	hashlib.pbkdf2_hmac(digest, pw.encode(), salt.encode(), iterations).hex()
//	hashlib.scrypt(pw.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132*n*r*p).hex()
//
// (maxmem only bounds memory; it does not change the key)
//
// (python3 -c "$werkzeugPython" with the same cases as JSON on stdin prints them).
var werkzeugVectors = []struct{ hash, pw string }{
	{`pbkdf2:sha256:600000$Xp3kQ9LmZ2aB7cD1$82b7ebab47746984087c11700b007de4c8731ada0bb3eac120481a558cef4d0f`, `a"b\c[d]'e`},
	{`pbkdf2:sha256:260000$q1w2e3r4t5y6u7i8$e0d3336deefbbe8b25da67b27812ffc21fd50f30c25f260f032fb1df4d3cdda9`, "ünïcödé 😀"},
	{`pbkdf2:sha1:1000$saltsalt$08689783ce955d99a7be1bb919266e0d7c9c628b`, "super_safe!"},
	{`pbkdf2:sha512:2000$Zz9Yy8Xx$fd4f8ba5d0e1c42bc620dd542568afdeedc9e4450012207a81dc14489d301e385f9bdd6b3d9c9f49b09230945f04ac60593807e9fd24a8a7ba769d720e0ae28a`, "Roger Histand"},
	{`scrypt:32768:8:1$9fKq2LmN4pRs6TuV$59b9d578c72dee2afa0d4837235e5f3a051d0830f1e4a24ce339ddd4d2b131681526537ac77c1dd9306979ae3a465890b95e214be00114116adcf5dcdd238a34`, `a"b\c[d]'e`},
	{`scrypt:1024:8:2$abcDEF123$8e4128e776d385988357d9fbdedaa53f17a0d51349148d5e67e299866b6bf52870f7b45f7b31a42e8bedfc180ad5c1b6f28facc67a5c63333fb4c1e73bddc595`, "ünïcödé 😀"},
}

func TestVerifyWerkzeugVectors(t *testing.T) {
	h := Hasher{Cost: 4}
	for _, v := range werkzeugVectors {
		if ok, rehash := h.Verify(v.hash, v.pw); !ok || !rehash {
			t.Errorf("Verify(%.30s…, %q) = %v, %v; want true, true (replace on sign-in)", v.hash, v.pw, ok, rehash)
		}
		for _, wrong := range []string{v.pw + "x", strings.ToUpper(v.pw), ""} {
			if ok, rehash := h.Verify(v.hash, wrong); ok || rehash {
				t.Errorf("Verify(%.30s…, %q) = %v, %v; want false, false", v.hash, wrong, ok, rehash)
			}
		}
	}
}

func TestVerifyWerkzeugMalformed(t *testing.T) {
	good := werkzeugVectors[2].hash // pbkdf2:sha1:1000, cheap
	pw := werkzeugVectors[2].pw
	key := good[strings.LastIndex(good, "$")+1:]
	for _, hash := range []string{
		"pbkdf2:sha1$saltsalt$" + key,             // no iteration count
		"pbkdf2:md5:1000$saltsalt$" + key,         // unknown digest
		"pbkdf2:sha1:0$saltsalt$" + key,           // zero iterations
		"pbkdf2:sha1:1000$saltsalt$" + key[:8],    // shortened key: must not ease guessing
		"pbkdf2:sha1:1000$saltsalt$" + key + "zz", // not hex
		"pbkdf2:sha1:1000$$" + key,                // empty salt
		"pbkdf2:sha1:1000$saltsalt",               // no key
		"pbkdf2:sha1:99999999999$saltsalt$" + key,
		"scrypt:1048576:64:64$salt$" + strings.Repeat("00", 64), // 8 GiB of memory
		"scrypt:1024:8$salt$" + strings.Repeat("00", 64),
	} {
		if ok, _ := verifyLegacy(hash, pw); ok {
			t.Errorf("verifyLegacy accepted malformed %q", hash)
		}
		if ok, rehash := (Hasher{Cost: 4}).Verify(hash, pw); ok || rehash {
			t.Errorf("Verify(%q) = %v, %v; want false, false", hash, ok, rehash)
		}
	}
	for _, hash := range []string{"", "plain", "sha256$salt$abcd", "$2a$10$abc", "md5:x$y$z"} {
		if _, legacy := verifyLegacy(hash, pw); legacy {
			t.Errorf("verifyLegacy(%q) claims a legacy format", hash)
		}
	}
}

// werkzeugPython hashes each {"kind","params","salt","pw"} case read as JSON
// from stdin, as Werkzeug does, and prints one hash per line.
const werkzeugPython = `
import hashlib, json, sys
for c in json.load(sys.stdin):
    salt, pw = c["salt"].encode(), c["pw"].encode()
    if c["kind"] == "pbkdf2":
        d, it = c["params"].split(":")
        key = hashlib.pbkdf2_hmac(d, pw, salt, int(it))
    else:
        n, r, p = map(int, c["params"].split(":"))
        key = hashlib.scrypt(pw, salt=salt, n=n, r=r, p=p, maxmem=256*n*r*p + (1 << 20))
    print(c["kind"] + ":" + c["params"] + "$" + c["salt"] + "$" + key.hex())
`

// TestVerifyWerkzeugAgainstPython cross-checks fresh cases against Python's
// hashlib, the library Werkzeug itself calls.
func TestVerifyWerkzeugAgainstPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the fixed vectors above still ran")
	}
	type tc struct {
		Kind   string `json:"kind"`
		Params string `json:"params"`
		Salt   string `json:"salt"`
		Pw     string `json:"pw"`
	}
	cases := []tc{
		{"pbkdf2", "sha256:1500", "R4nd0mS4lt", `quote" back\ brack[]`},
		{"pbkdf2", "sha512:700", "x", "— “typographic” ’"},
		{"pbkdf2", "sha224:10", "s", "a"},
		{"pbkdf2", "sha384:10", "s", "a"},
		{"scrypt", "2048:4:1", "AbCdEfGh12345678", "Roger Histand"},
		{"scrypt", "16:1:1", "0", "😀"},
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command(py, "-c", werkzeugPython)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	hashes := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(hashes) != len(cases) {
		t.Fatalf("python printed %d hashes for %d cases:\n%s", len(hashes), len(cases), out)
	}
	for i, c := range cases {
		if ok, legacy := verifyLegacy(hashes[i], c.Pw); !ok || !legacy {
			t.Errorf("verifyLegacy(%s, %q) = %v, %v; want true, true", hashes[i], c.Pw, ok, legacy)
		}
		if ok, _ := verifyLegacy(hashes[i], c.Pw+"!"); ok {
			t.Errorf("verifyLegacy(%s) accepted a wrong password", hashes[i])
		}
	}
}
