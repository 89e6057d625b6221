package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The endpoints the tool can exercise, in report order. Web reads go to
// -url, API calls to -url plus -api-prefix.
var endpointNames = []string{"public", "user", "home", "api_msgs", "api_user_msgs", "api_fllws", "tweet", "follow", "unfollow"}

// endpointDoc says what each one sends and expects.
var endpointDoc = map[string]string{
	"public":        "GET /public (web), 200",
	"user":          "GET /<popular user> (web profile), 200",
	"home":          "GET / signed in as the heavy follower (web; each worker signs in first), 200",
	"api_msgs":      "GET <api>/msgs?no=N, 200",
	"api_user_msgs": "GET <api>/msgs/<popular user>?no=N, 200",
	"api_fllws":     "GET <api>/fllws/<heavy follower>?no=N, 200",
	"tweet":         "POST <api>/msgs/<sample user> {\"content\"}, 204",
	"follow":        "POST <api>/fllws/<sample user> {\"follow\": other sample user}, 204",
	"unfollow":      "POST <api>/fllws/<user> {\"unfollow\": other}, undoing this worker's earlier follow, 204",
}

type weighted struct {
	name   string
	weight int
}

// parseMix reads "public=2,api_msgs=1" (a missing weight is 1) into the
// endpoints in report order.
func parseMix(s string) ([]weighted, error) {
	w := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, num, found := strings.Cut(part, "=")
		n := 1
		if found {
			var err error
			n, err = strconv.Atoi(num)
			if err != nil || n < 0 || n > 1000 {
				return nil, fmt.Errorf("mix %q: weight of %s must be an integer from 0 to 1000", s, name)
			}
		}
		if !slices.Contains(endpointNames, name) {
			return nil, fmt.Errorf("mix %q: unknown endpoint %q (known: %s)", s, name, strings.Join(endpointNames, ", "))
		}
		if _, dup := w[name]; dup {
			return nil, fmt.Errorf("mix %q: %s given twice", s, name)
		}
		w[name] = n
	}
	var out []weighted
	for _, name := range endpointNames {
		if w[name] > 0 {
			out = append(out, weighted{name, w[name]})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mix %q selects no endpoint", s)
	}
	return out, nil
}

// schedule spreads the weights over one cycle (smooth weighted
// round-robin), so every endpoint with a weight appears in every cycle
// and short runs keep the proportions.
func schedule(mix []weighted) []string {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	cur := make([]int, len(mix))
	out := make([]string, 0, total)
	for range total {
		best := 0
		for i, m := range mix {
			cur[i] += m.weight
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, mix[best].name)
	}
	return out
}

func mixString(mix []weighted) string {
	parts := make([]string, len(mix))
	for i, m := range mix {
		parts[i] = fmt.Sprintf("%s=%d", m.name, m.weight)
	}
	return strings.Join(parts, ",")
}
