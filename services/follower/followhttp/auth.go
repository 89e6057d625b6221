package followhttp

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"minitwit/shared/followclient"
)

// authorize lets a request through only when it carries one of h.Tokens
// as a bearer token, and answers 401 otherwise. The overlay network is not
// the only fence: anything that reaches the follower's port (another
// container on the network, a misrouted proxy) could otherwise rewrite
// the follower graph. With no token configured every call is refused.
func (h *Handler) authorize(c *gin.Context) {
	if !accepts(h.Tokens, c.GetHeader("Authorization")) {
		c.Header("WWW-Authenticate", `Bearer realm="follower"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, followclient.ErrorBody{
			Kind:    followclient.KindUnauthorized,
			Message: "a bearer token the follower service accepts (FOLLOWER_TOKEN) is required",
		})
		return
	}
	c.Next()
}

// accepts tells whether the Authorization header holds one of tokens. The
// comparison takes the same time whatever the presented value: both sides
// are hashed first so that neither the contents nor the length of a token
// shows in the timing, and every token is compared.
func accepts(tokens []string, header string) bool {
	scheme, presented, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || presented == "" {
		return false
	}
	got := sha256.Sum256([]byte(presented))
	match := 0
	for _, t := range tokens {
		if t == "" {
			continue
		}
		want := sha256.Sum256([]byte(t))
		match |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return match == 1
}

// auth answers 204 to a caller holding a token: the client's readiness
// check that its token is accepted.
func auth(c *gin.Context) { c.Status(http.StatusNoContent) }
