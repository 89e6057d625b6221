package webui_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"minitwit/shared/storetest"
)

// avatarSrc is the only shape an avatar address may have: this site, a
// keyed hash (16 bytes, base64url) and the pixel size.
var avatarSrc = regexp.MustCompile(`^/avatar/([A-Za-z0-9_-]{22})/48\.png$`)

// avatarsOf is the src and srcset of every message's avatar on a page.
func avatarsOf(t *testing.T, body string) (srcs, srcsets []string) {
	t.Helper()
	lists := findAll(parse(t, body), element("ul", "class", "messages"))
	if len(lists) != 1 {
		t.Fatalf("%d message lists on the page", len(lists))
	}
	for _, li := range findAll(lists[0], element("li")) {
		if hasAttrWord(li, "class", "empty") {
			continue
		}
		imgs := findAll(li, element("img"))
		if len(imgs) != 1 {
			t.Fatalf("a message with %d images", len(imgs))
		}
		img := imgs[0]
		if attr(img, "alt") != "" || attr(img, "width") != "48" || attr(img, "height") != "48" {
			t.Errorf("avatar alt=%q width=%q height=%q, want an empty alt and 48×48",
				attr(img, "alt"), attr(img, "width"), attr(img, "height"))
		}
		srcs = append(srcs, attr(img, "src"))
		srcsets = append(srcsets, attr(img, "srcset"))
	}
	return srcs, srcsets
}

// Pages show avatars that this site draws itself: no third party learns
// who reads which page, and no hash of anyone's email is published.
func TestAvatarsAreLocal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		const email = "Jane.Doe@Example.com"
		jane := a.createUser("Jane Doe", "  "+email+" ", "pw")
		bob := a.createUser("bob", "bob@example.com", "pw")
		a.postAt(jane, "from jane", t0)
		a.postAt(bob, "from bob", t0.Add(time.Minute))
		a.postAt(jane, "jane again", t0.Add(2*time.Minute))

		var hashes []string
		for _, e := range []string{email, strings.ToLower(email), "bob@example.com"} {
			m, s := md5.Sum([]byte(e)), sha256.Sum256([]byte(e))
			hashes = append(hashes, hex.EncodeToString(m[:]), hex.EncodeToString(s[:]))
		}
		me, _ := a.signedIn("reader")
		wantRedirect(t, me.post("/Jane%20Doe/follow", nil), "/Jane%20Doe")
		pages := map[string]*client{"/public": a.client(), "/Jane%20Doe": a.client(), "/": me}
		byAuthor := map[string]string{}
		for path, c := range pages {
			r := c.get(path)
			wantStatus(t, r, http.StatusOK)
			mustNotContain(t, strings.ToLower(r.Body), append([]string{"gravatar", "@example.com"}, hashes...)...)
			srcs, srcsets := avatarsOf(t, r.Body)
			msgs := timeline(t, r.Body)
			if len(srcs) == 0 || len(srcs) != len(msgs) {
				t.Fatalf("%s: %d avatars for %d messages", path, len(srcs), len(msgs))
			}
			for i, src := range srcs {
				if !avatarSrc.MatchString(src) {
					t.Fatalf("%s: avatar at %q, want /avatar/<key>/48.png", path, src)
				}
				if want := strings.TrimSuffix(src, "48.png") + "96.png 2x"; srcsets[i] != want {
					t.Errorf("%s: srcset %q, want %q", path, srcsets[i], want)
				}
				author := msgs[i].Author
				if prev, ok := byAuthor[author]; ok && prev != src {
					t.Errorf("%s: %s has two avatars, %q and %q", path, author, prev, src)
				}
				byAuthor[author] = src
			}
		}
		if len(byAuthor) != 2 || byAuthor["Jane Doe"] == byAuthor["bob"] {
			t.Fatalf("avatars by author %v, want two different ones", byAuthor)
		}

		// Each answers a cacheable PNG of its size, the same for everyone.
		for _, src := range byAuthor {
			for _, size := range []int{48, 96} {
				path := strings.TrimSuffix(src, "48.png") + map[int]string{48: "48.png", 96: "96.png"}[size]
				r := a.client().get(path)
				wantStatus(t, r, http.StatusOK)
				for k, want := range map[string]string{
					"Content-Type":           "image/png",
					"Cache-Control":          "public, max-age=31536000, immutable",
					"X-Content-Type-Options": "nosniff",
				} {
					if got := r.Header.Get(k); got != want {
						t.Errorf("%s: %s %q, want %q", path, k, got, want)
					}
				}
				for _, k := range []string{"Set-Cookie", "Vary"} {
					if v := r.Header.Values(k); len(v) != 0 {
						t.Errorf("%s: %s %q on a shared image", path, k, v)
					}
				}
				img, err := png.Decode(strings.NewReader(r.Body))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
					t.Errorf("%s: %v, want %d×%d", path, b, size, size)
				}
				checkIdenticon(t, path, img)
				etag := r.Header.Get("ETag")
				if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 3 {
					t.Fatalf("%s: ETag %q, want a strong validator", path, etag)
				}
				again := a.client().get(path)
				if again.Body != r.Body || again.Header.Get("ETag") != etag {
					t.Errorf("%s: a second request got a different image", path)
				}
				nm := a.client().do(http.MethodGet, path, nil, header{"If-None-Match": etag})
				wantStatus(t, nm, http.StatusNotModified)
				if nm.Body != "" || nm.Header.Get("ETag") != etag {
					t.Errorf("%s: 304 with body %q, ETag %q", path, nm.Body, nm.Header.Get("ETag"))
				}
			}
		}
	})
}

// checkIdenticon: two colours, mirrored left to right, not all one colour.
func checkIdenticon(t *testing.T, path string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	colors := map[[4]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, al := img.At(x, y).RGBA()
			colors[[4]uint32{r, g, bl, al}]++
			r2, g2, b2, a2 := img.At(b.Max.X-1-(x-b.Min.X), y).RGBA()
			if [4]uint32{r, g, bl, al} != [4]uint32{r2, g2, b2, a2} {
				t.Fatalf("%s: not mirrored at (%d,%d)", path, x, y)
			}
		}
	}
	if len(colors) != 2 {
		t.Errorf("%s: %d colours, want a background and a foreground", path, len(colors))
	}
}

// The avatar key is a keyed hash: replicas sharing the session key agree on
// it, and without the key nobody can tell whose avatar an address is.
func TestAvatarKeyIsKeyed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		one, two := newApp(t, db), newApp(t, db)
		other := newApp(t, db, withKey([]byte("another-session-key-0123456789ab")))
		u := one.createUser("jane", "jane@example.com", "pw")
		one.postAt(u, "hello", t0)
		src := func(a *app) string {
			srcs, _ := avatarsOf(t, a.client().get("/public").Body)
			if len(srcs) != 1 {
				t.Fatalf("%d avatars", len(srcs))
			}
			return srcs[0]
		}
		if src(one) != src(two) {
			t.Errorf("replicas with one key disagree: %q and %q", src(one), src(two))
		}
		if src(one) == src(other) {
			t.Errorf("the avatar address %q does not depend on the key", src(one))
		}
		// Another replica draws the same picture for the address.
		if a, b := one.client().get(src(one)), other.client().get(src(one)); a.Status != 200 || a.Body != b.Body {
			t.Errorf("replicas draw different images for %q (status %d)", src(one), a.Status)
		}
	})
}

// Only well-formed avatar addresses answer an image; the rest are 404.
func TestAvatarInvalidAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		good := "AAAAAAAAAAAAAAAAAAAAAA"
		wantStatus(t, a.client().get("/avatar/"+good+"/48.png"), http.StatusOK)
		for _, path := range []string{
			"/avatar/" + good[:21] + "/48.png",                               // too short
			"/avatar/" + good + "A/48.png",                                   // too long
			"/avatar/" + good[:21] + "B/48.png",                              // non-zero padding bits: a second spelling
			"/avatar/" + good[:21] + "%2B/48.png",                            // not base64url
			"/avatar/" + good[:21] + "=/48.png",                              // padding
			"/avatar/" + good + "/47.png",                                    // no such size
			"/avatar/" + good + "/48.gif",                                    // no such format
			"/avatar/" + good + "/48.png.png",                                //
			"/avatar/" + url.PathEscape("ÄAAAAAAAAAAAAAAAAAAAA") + "/48.png", // not ASCII
		} {
			r := a.client().get(path)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, r.Status)
			}
			if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "image/") {
				t.Errorf("%s: Content-Type %q", path, ct)
			}
		}
	})
}

// The avatar routes take nothing from users: a user named "avatar" keeps
// their page and their follow links.
func TestAvatarRouteLeavesUserNamedAvatar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("avatar", "avatar@example.com", "pw")
		me, _ := a.signedIn("me")
		r := me.get("/avatar")
		wantStatus(t, r, http.StatusOK)
		if got := title(t, r.Body); !strings.Contains(got, "avatar's Timeline") {
			t.Errorf("/avatar shows %q", got)
		}
		wantRedirect(t, me.post("/avatar/follow", nil), "/avatar")
		if !a.following("me", "avatar") {
			t.Fatal("POST /avatar/follow did not follow")
		}
		wantRedirect(t, me.post("/avatar/unfollow", nil), "/avatar")
		if a.following("me", "avatar") {
			t.Fatal("POST /avatar/unfollow did not unfollow")
		}
	})
}

// The pages allow images from this site only.
func TestContentSecurityPolicyImages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		for _, path := range []string{"/public", "/login", "/nobody"} {
			csp := a.client().get(path).Header.Get("Content-Security-Policy")
			directives := map[string]string{}
			for _, d := range strings.Split(csp, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
				directives[name] = strings.TrimSpace(value)
			}
			if got := directives["img-src"]; got != "'self'" {
				t.Errorf("%s: img-src %q, want 'self' only (policy %q)", path, got, csp)
			}
		}
	})
}
