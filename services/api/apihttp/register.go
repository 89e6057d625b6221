package apihttp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"minitwit/shared/account"
	"minitwit/shared/httpserver"
)

type registerRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Pwd      string `json:"pwd"`
}

// register answers the first failing check: the contract's, in its order
// (username, email, password, taken), then the shared rule set's (see
// account.Service.Register). The API's contract accepts any non-empty
// password, so there is no minimum length here.
func (h *Handler) register(c *gin.Context) {
	var req registerRequest
	if !decodeBody(c, &req) {
		return
	}
	c.Set(httpserver.UserKey, req.Username)
	svc := account.Service{Users: h.Users, Hasher: h.Hasher}
	_, err := svc.Register(c.Request.Context(), account.Registration{Username: req.Username, Email: req.Email, Password: req.Pwd})
	if err != nil {
		fail(c, err)
		return
	}
	h.Metrics.UsersRegistered.WithLabelValues("api").Inc()
	c.Status(http.StatusNoContent)
}
