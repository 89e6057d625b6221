package httpserver

import (
	"io"
	"net/http"
	"net/http/pprof"
	"os"

	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/metrics"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// NewEngine returns a gin engine with MiniTwit's common settings: routing on
// the raw (escaped) path so a username holding "/" or "%" stays one path
// segment, the Common middleware, and recovery that logs a panic and answers
// with onPanic instead of a stack trace.
func NewEngine(service string, log *logrus.Entry, m *metrics.Metrics, onPanic gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.UseRawPath = true
	r.UnescapePathValues = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = false
	r.ContextWithFallback = true
	r.Use(Common(service, log, m))
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, rec any) {
		log.WithField("request_id", RequestID(c.Request.Context())).WithField("panic", rec).Error("panic serving request")
		onPanic(c)
		c.Abort()
	}))
	return r
}

// MetricsServer serves /metrics on the internal listener addr.
func MetricsServer(addr string, m *metrics.Metrics) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	if os.Getenv("PPROF") == "1" {
		// Opt-in CPU and heap profiles for performance work, on the internal
		// listener only (never on the public one): PPROF=1, then
		// go tool pprof http://<METRICS_ADDR>/debug/pprof/profile?seconds=10
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return New(addr, mux)
}
