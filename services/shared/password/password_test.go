package password

import "testing"

func TestHashVerify(t *testing.T) {
	h := Hasher{Cost: 4}
	for _, pw := range []string{`a"b\c[d]'e`, "ünïcödé 😀", " "} {
		hash, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		if ok, rehash := h.Verify(hash, pw); !ok || rehash {
			t.Errorf("Verify(%q) = %v, %v; want true, false", pw, ok, rehash)
		}
		if ok, _ := h.Verify(hash, pw+"x"); ok {
			t.Errorf("Verify accepted a wrong password for %q", pw)
		}
	}
	hash, _ := Hasher{Cost: 5}.Hash("pw")
	if ok, rehash := h.Verify(hash, "pw"); !ok || !rehash {
		t.Errorf("a hash of another cost: got %v, %v; want true, true", ok, rehash)
	}
}

// BenchmarkHash measures one hash at DefaultCost; the target is 20-100 ms.
func BenchmarkHash(b *testing.B) {
	h := Hasher{}
	for b.Loop() {
		if _, err := h.Hash(`some "password" \ here`); err != nil {
			b.Fatal(err)
		}
	}
}
