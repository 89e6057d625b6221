package main

// endpoint is one row of the report: a request the load tool sends at a
// fixed concurrency and the pgbench script of the statements it issues.
// Name is the file name bench.sh gives both (scripts/bench/<Name>.sql).
type endpoint struct {
	Name  string
	What  string
	Write bool
	// MinRPS is an absolute throughput target (0: none); LargeOnly limits
	// it to the largest dataset.
	MinRPS    float64
	LargeOnly bool
}

// endpoints in report order; bench.sh runs the same names.
var endpoints = []endpoint{
	{Name: "public", What: "`GET /public`"},
	{Name: "public-page1000", What: "`GET /public?before=…` (page 1,000, or the last page of a smaller dataset)"},
	{Name: "user-popular", What: "`GET /<popular_user>` (followed by ≥ 20,000)"},
	{Name: "user-light", What: "`GET /<user>` (an ordinary user)"},
	{Name: "home-heavy", What: "`GET /` signed in as heavy_follower (follows 2,000)", MinRPS: 3000, LargeOnly: true},
	{Name: "api-msgs", What: "`GET /api/msgs?no=100`", MinRPS: 5000},
	{Name: "api-msgs-user", What: "`GET /api/msgs/<heavy_author>?no=100`"},
	{Name: "api-fllws-heavy", What: "`GET /api/fllws/<heavy_follower>`"},
	{Name: "tweet", What: "`POST /api/msgs/<user>` (tweet)", Write: true, MinRPS: 2000},
}

// Targets of issue 10.
const (
	minCeilingShare = 0.60 // reads: req/s at least this share of pgbench's tps
	maxReadP99ms    = 20.0
	maxGrowth       = 1.2  // p50 at the largest dataset over p50 at the smallest
	maxReplayRatio  = 1.15 // replay wall time over the null server's
	maxWriteP50ms   = 0.4  // tweet, follow, unfollow server time per action
)
