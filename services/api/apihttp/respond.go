package apihttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
)

const (
	msgUnauthorized = "You are not authorized to use this resource!"
	msgInternal     = "Internal server error"
	msgUnknownUser  = "The user does not exist"
)

type errorBody struct {
	Status   int    `json:"status"`
	ErrorMsg string `json:"error_msg"`
}

// writeJSON writes v without HTML escaping: message content goes back
// exactly as it was posted.
func writeJSON(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		_ = c.Error(err)
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"status":500,"error_msg":"Internal server error"}`)
	}
	c.Data(status, "application/json", buf.Bytes())
}

func writeError(c *gin.Context, status int, msg string) {
	writeJSON(c, status, errorBody{Status: status, ErrorMsg: msg})
	c.Abort()
}

// fail is the one place that maps domain errors to API answers. Internal
// errors are logged with detail (through the access log) and answered
// generically.
func fail(c *gin.Context, err error) {
	var rule *domain.RuleError
	switch {
	case errors.As(err, &rule):
		// The rule set's texts are written for the person who sent the input.
		writeError(c, http.StatusBadRequest, rule.Error())
	case errors.Is(err, domain.ErrNotFound):
		writeError(c, http.StatusNotFound, msgUnknownUser)
	case errors.Is(err, domain.ErrUsernameTaken):
		writeError(c, http.StatusBadRequest, "The username is already taken")
	case errors.Is(err, domain.ErrFollowSelf):
		writeError(c, http.StatusBadRequest, "You cannot follow yourself")
	case errors.Is(err, domain.ErrUnavailable):
		_ = c.Error(err)
		writeError(c, http.StatusServiceUnavailable, "Service temporarily unavailable, please retry")
	default:
		_ = c.Error(err)
		writeError(c, http.StatusInternalServerError, msgInternal)
	}
}

// decodeBody reads a JSON object into v. It answers 413 for bodies over the
// limit and 400 for anything that is not a JSON object of the right shape.
func decodeBody(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(c, http.StatusRequestEntityTooLarge, "The request body is larger than 1 MiB")
		return false
	}
	writeError(c, http.StatusBadRequest, "The request body must be a JSON object with the documented fields")
	return false
}
