package webui

import (
	"bytes"
	"fmt"
	"image/png"
	"testing"
)

// Different users get different keys, and every key is one the route
// accepts; the key says nothing readable about the id.
func TestAvatarKeys(t *testing.T) {
	a := newAvatars([]byte("test-session-key-0123456789abcdef"))
	seen := map[string]int64{}
	for id := range int64(10_000) {
		k := a.keyOf(id)
		if _, ok := parseAvatarKey(k); !ok {
			t.Fatalf("key %q of user %d is refused by the route", k, id)
		}
		if prev, ok := seen[k]; ok {
			t.Fatalf("users %d and %d share the key %q", prev, id, k)
		}
		seen[k] = id
		if k != a.keyOf(id) {
			t.Fatalf("user %d's key changes", id)
		}
	}
}

// Every picture is a PNG of the asked size; the memo stays bounded.
func TestAvatarImages(t *testing.T) {
	a := newAvatars([]byte("test-session-key-0123456789abcdef"))
	zero := make([]byte, avatarKeyBytes)
	for _, px := range []int{48, 96} {
		img, err := a.image(zero, px)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img.png))
		if err != nil || cfg.Width != px || cfg.Height != px {
			t.Fatalf("%d px: %+v %v", px, cfg, err)
		}
	}
	for id := range 3 * avatarMemoSize {
		a.store(avatarID{key: fmt.Sprint(id), px: 48}, avatarImage{})
	}
	if n := len(a.cur) + len(a.old); n > 2*avatarMemoSize {
		t.Errorf("%d images remembered, bound %d", n, 2*avatarMemoSize)
	}
}

// BenchmarkAvatar: drawing and encoding one identicon (a memo miss), and
// the key of one user (made for each message rendered anew).
//
//	go test -run '^$' -bench Avatar -benchmem ./webui/
func BenchmarkAvatar(b *testing.B) {
	a := newAvatars([]byte("test-session-key-0123456789abcdef"))
	for _, px := range []int{48, 96} {
		b.Run(fmt.Sprintf("draw%d", px), func(b *testing.B) {
			var size int
			i := int64(0)
			for b.Loop() {
				key, _ := parseAvatarKey(a.keyOf(i))
				i++
				out, err := drawAvatar(key, px)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "png-bytes")
		})
	}
	b.Run("memo", func(b *testing.B) {
		key, _ := parseAvatarKey(a.keyOf(1))
		for b.Loop() {
			if _, err := a.image(key, 48); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key", func(b *testing.B) {
		i := int64(0)
		for b.Loop() {
			a.keyOf(i)
			i++
		}
	})
}
