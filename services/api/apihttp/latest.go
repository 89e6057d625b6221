package apihttp

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (h *Handler) getLatest(c *gin.Context) {
	id, err := h.Latest.Latest(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"latest": id})
}
