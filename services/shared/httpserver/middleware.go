package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/metrics"
)

// RequestIDHeader carries one request's id across the gateway and services.
const RequestIDHeader = "X-Request-ID"

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithRequestID stores id in ctx, for clients that pass it on.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validRequestID accepts ids a gateway or client could send, refusing ones
// that could forge log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

// Common is the middleware every service mounts first: request id, body
// limit, metrics by route template and a JSON access log line.
func Common(service string, log *logrus.Entry, m *metrics.Metrics) gin.HandlerFunc {
	inFlight := m.InFlight.WithLabelValues(service)
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Header(RequestIDHeader, id)
		c.Request = c.Request.WithContext(WithRequestID(c.Request.Context(), id))
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
		}
		inFlight.Inc()
		c.Next()
		inFlight.Dec()

		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		elapsed := time.Since(start)
		m.Requests.WithLabelValues(service, route, c.Request.Method, strconv.Itoa(status)).Inc()
		m.Duration.WithLabelValues(service, route, c.Request.Method).Observe(elapsed.Seconds())

		fields := logrus.Fields{
			"request_id":  id,
			"method":      c.Request.Method,
			"route":       route,
			"status":      status,
			"duration_ms": float64(elapsed.Microseconds()) / 1000,
		}
		if user, ok := c.Get(UserKey); ok {
			fields["user"] = user
		}
		entry := log.WithFields(fields)
		if len(c.Errors) > 0 {
			entry = entry.WithField("error", c.Errors.String())
		}
		switch {
		case status >= 500:
			entry.Error("request")
		default:
			entry.Info("request")
		}
	}
}

// UserKey is the gin context key under which handlers note the acting user
// for the access log.
const UserKey = "log_user"
