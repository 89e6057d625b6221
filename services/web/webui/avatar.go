package webui

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// Avatars are identicons this service draws itself. Pages used to link to
// Gravatar, which published MD5(email) of every author and told a third
// party who read which page; where that site was unreachable, pages showed
// broken images. An avatar's address is /avatar/<key>/<px>.png, where key
// is a keyed hash of the user id: replicas sharing the session key agree on
// it, and without that key nobody can tell whose avatar an address is or
// list everyone's. The picture is a pure function of the key string, so
// serving one reads no database, and any replica serves any address.
const (
	avatarKeyBytes = 16                                    // of the HMAC, enough that keys never collide
	avatarKeyChars = (avatarKeyBytes*8 + 5) / 6            // unpadded base64url
	avatarPath     = "/avatar/"                            // the route's prefix
	avatarCache    = "public, max-age=31536000, immutable" // the address changes when the picture would
	// avatarLabel derives the avatar key from the session key. Changing it
	// changes every avatar address: do so when the drawing changes, since
	// browsers keep an image for good.
	avatarLabel = "minitwit avatar key v1"
	// avatarMemoSize bounds the drawn images kept per generation (two
	// generations, as messageHTML keeps fragments): a few hundred bytes each.
	avatarMemoSize = 4096
)

// avatarSizes are the sizes served, by the last path segment: the page's
// 48×48 and twice that for high-density screens.
var avatarSizes = map[string]int{"48.png": 48, "96.png": 96}

// avatars makes avatar addresses and draws the images behind them.
type avatars struct {
	key []byte // derived from the session key, used for nothing else

	mu       sync.Mutex
	cur, old map[avatarID]avatarImage
}

type avatarID struct {
	key string
	px  int
}

type avatarImage struct {
	png  []byte
	etag string
}

func newAvatars(sessionKey []byte) *avatars {
	mac := hmac.New(sha256.New, sessionKey)
	mac.Write([]byte(avatarLabel))
	return &avatars{key: mac.Sum(nil), cur: map[avatarID]avatarImage{}, old: map[avatarID]avatarImage{}}
}

// keyOf is the avatar key of user id.
func (a *avatars) keyOf(userID int64) string {
	mac := hmac.New(sha256.New, a.key)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(userID))
	mac.Write(id[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:avatarKeyBytes])
}

// urls are the addresses of user id's avatar: the page size and the one
// for high-density screens.
func (a *avatars) urls(userID int64) (src, src2x string) {
	base := avatarPath + a.keyOf(userID) + "/"
	return base + "48.png", base + "96.png"
}

// parseAvatarKey decodes key when it is one an address of ours can hold:
// exactly avatarKeyChars of unpadded base64url, spelled the one canonical
// way (zero trailing bits), so each picture has exactly one address.
func parseAvatarKey(key string) ([]byte, bool) {
	if len(key) != avatarKeyChars {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(key)
	if err != nil || len(b) != avatarKeyBytes {
		return nil, false
	}
	return b, true
}

// image is the PNG for key at px, drawn once and then remembered.
func (a *avatars) image(key []byte, px int) (avatarImage, error) {
	id := avatarID{string(key), px}
	a.mu.Lock()
	img, ok := a.cur[id]
	if !ok {
		if img, ok = a.old[id]; ok {
			a.store(id, img)
		}
	}
	a.mu.Unlock()
	if ok {
		return img, nil
	}
	b, err := drawAvatar(key, px)
	if err != nil {
		return avatarImage{}, err
	}
	sum := sha256.Sum256(b)
	img = avatarImage{png: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	a.mu.Lock()
	a.store(id, img)
	a.mu.Unlock()
	return img, nil
}

// store keeps img; a.mu is held.
func (a *avatars) store(id avatarID, img avatarImage) {
	if len(a.cur) >= avatarMemoSize {
		a.old, a.cur = a.cur, make(map[avatarID]avatarImage, avatarMemoSize)
	}
	a.cur[id] = img
}

// drawAvatar draws the identicon of key, px×px: a 5×5 grid mirrored left
// to right, whose cells and colour come from the key's bytes, on a light
// background. Two colours make a small one-bit PNG.
func drawAvatar(key []byte, px int) ([]byte, error) {
	// 15 bits choose the cells of the three distinct columns.
	cells := uint32(key[0]) | uint32(key[1])<<8&0x7f00
	if cells == 0 {
		cells = 1 << 12 // the centre: never an empty picture
	}
	fg := hsl(float64(binary.BigEndian.Uint16(key[2:4])%360),
		0.45+float64(key[4])/255*0.25, 0.40+float64(key[5])/255*0.20)
	img := image.NewPaletted(image.Rect(0, 0, px, px),
		color.Palette{color.RGBA{0xf0, 0xf0, 0xf0, 0xff}, fg})
	cell := px / 6
	margin := (px - 5*cell) / 2
	for row := range 5 {
		for col := range 5 {
			// Columns 3 and 4 mirror 1 and 0.
			src := min(col, 4-col)
			if cells&(1<<(row*3+src)) == 0 {
				continue
			}
			for y := margin + row*cell; y < margin+(row+1)*cell; y++ {
				line := img.Pix[y*img.Stride:]
				for x := margin + col*cell; x < margin+(col+1)*cell; x++ {
					line[x] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := avatarEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// avatarEncoder reuses its compressor between images: a fresh one costs
// more than the whole drawing.
var avatarEncoder = &png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// hsl is the opaque colour of hue h (degrees), saturation s and lightness l (0..1).
func hsl(h, s, l float64) color.RGBA {
	c := (1 - abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - abs(hp-2*float64(int(hp/2))-1))
	var r, g, b float64
	switch int(hp) {
	case 0:
		r, g = c, x
	case 1:
		r, g = x, c
	case 2:
		g, b = c, x
	case 3:
		g, b = x, c
	case 4:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	to8 := func(v float64) uint8 { return uint8((v+m)*255 + 0.5) }
	return color.RGBA{to8(r), to8(g), to8(b), 0xff}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// avatar serves GET /avatar/:key/:size. It reads no session and no
// database: the image is the same for everyone and cached for good.
func (h *Handler) avatar(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	key, okKey := parseAvatarKey(c.Param("key"))
	px, okSize := avatarSizes[c.Param("size")]
	if !okKey || !okSize {
		// Plain text, not the error page: an image address is no page, and
		// the page would consume pending flashes.
		c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("Not Found\n"))
		return
	}
	img, err := h.avatars.image(key, px)
	if err != nil {
		_ = c.Error(err)
		h.log.WithError(err).Error("draw avatar")
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal Error\n"))
		return
	}
	c.Header("Cache-Control", avatarCache)
	c.Header("ETag", img.etag)
	if etagListed(c.GetHeader("If-None-Match"), img.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "image/png", img.png)
}

// etagListed reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match) or is "*".
func etagListed(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
