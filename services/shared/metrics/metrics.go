// Package metrics defines MiniTwit's Prometheus metrics. Each service builds
// its own registry; nothing is registered globally. Labels hold route
// templates and fixed words, never user input.
package metrics

import (
	"database/sql"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Buckets resolve the simulator's 0.3 s timeout: several below it, 0.3 itself, a few above.
var Buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5}

// Metrics is one service's registry and instruments.
type Metrics struct {
	Registry *prometheus.Registry

	Requests *prometheus.CounterVec   // service, route, method, status
	Duration *prometheus.HistogramVec // service, route, method
	InFlight *prometheus.GaugeVec     // service

	UsersRegistered *prometheus.CounterVec // via: web|api
	MessagesPosted  *prometheus.CounterVec // via: web|api
	Follows         *prometheus.CounterVec // via
	Unfollows       *prometheus.CounterVec // via
	SignIns         *prometheus.CounterVec // result: success|failure
	LatestID        prometheus.Gauge
	// DBReads counts timeline and list reads routed with a read replica
	// configured: served_by replica|primary, reason (see store.ReadObserver).
	DBReads *prometheus.CounterVec
}

// New builds the registry with Go, process and build-info collectors.
func New(version, commit string) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minitwit_http_requests_total", Help: "HTTP requests answered, by service, route template, method and status.",
		}, []string{"service", "route", "method", "status"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "minitwit_http_request_duration_seconds", Help: "HTTP request duration by service, route template and method.",
			Buckets: Buckets,
		}, []string{"service", "route", "method"}),
		InFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "minitwit_http_requests_in_flight", Help: "HTTP requests being served.",
		}, []string{"service"}),
		UsersRegistered: counterVec("minitwit_users_registered_total", "Users registered, by interface.", "via"),
		MessagesPosted:  counterVec("minitwit_messages_posted_total", "Messages posted, by interface.", "via"),
		Follows:         counterVec("minitwit_follows_total", "Follow actions that succeeded, by interface.", "via"),
		Unfollows:       counterVec("minitwit_unfollows_total", "Unfollow actions that succeeded, by interface.", "via"),
		SignIns:         counterVec("minitwit_signins_total", "Web sign-in attempts by result.", "result"),
		LatestID: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "minitwit_simulator_latest_id", Help: "The latest simulator action id stored by this replica.",
		}),
		DBReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minitwit_db_reads_total", Help: "Timeline and list reads routed with DATABASE_READ_URL set, by the server that answered (replica, primary) and why.",
		}, []string{"served_by", "reason"}),
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "minitwit_build_info", Help: "Build version and commit; always 1.",
	}, []string{"version", "commit"})
	info.WithLabelValues(version, commit).Set(1)
	r.MustRegister(m.Requests, m.Duration, m.InFlight, m.UsersRegistered, m.MessagesPosted,
		m.Follows, m.Unfollows, m.SignIns, m.LatestID, m.DBReads, info,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return m
}

// WatchDB exports connection-pool statistics of db (go_sql_* metrics).
func (m *Metrics) WatchDB(db *sql.DB, name string) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Handler serves the registry for Prometheus.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// counterVec is a counter with one label, the shape of every business counter.
func counterVec(name, help, label string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
}
