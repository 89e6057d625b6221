package replay

import "minitwit/tools/scenario"

// model is what the API should now hold, as far as the answers tell: it
// records an action's effect only on a 204, and marks the user or pair as
// unknown when an answer was missing or wrong, since the server may have
// applied the action before failing.
type model struct {
	exists      map[string]bool // names the API confirmed (204 or 400 taken)
	maybe       map[string]bool // names whose registration got no clear answer
	order       []string        // users in order of first appearance
	seen        map[string]bool
	msgs        map[string][]string // texts answered 204, oldest first
	msgsUnsure  map[string]bool
	follows     map[string]map[string]bool // user -> other -> following after the last 204
	followsUnsr map[string]map[string]bool
}

func newModel() *model {
	return &model{
		exists:      map[string]bool{},
		maybe:       map[string]bool{},
		seen:        map[string]bool{},
		msgs:        map[string][]string{},
		msgsUnsure:  map[string]bool{},
		follows:     map[string]map[string]bool{},
		followsUnsr: map[string]map[string]bool{},
	}
}

func (m *model) note(a scenario.Action, ok bool) {
	if !m.seen[a.Username] {
		m.seen[a.Username] = true
		m.order = append(m.order, a.Username)
	}
	switch a.Kind {
	case scenario.Register:
		if ok {
			m.exists[a.Username] = true
		} else {
			m.maybe[a.Username] = true
		}
	case scenario.Tweet:
		if ok {
			m.msgs[a.Username] = append(m.msgs[a.Username], a.Text)
		} else {
			m.msgsUnsure[a.Username] = true
		}
	case scenario.Follow, scenario.Unfollow:
		if ok {
			set(m.follows, a.Username, a.Other, a.Kind == scenario.Follow)
		} else {
			set(m.followsUnsr, a.Username, a.Other, true)
		}
	}
}

func set(m map[string]map[string]bool, a, b string, v bool) {
	if m[a] == nil {
		m[a] = map[string]bool{}
	}
	m[a][b] = v
}

// checkCandidates picks up to n users with something to check, spread
// evenly over the order in which the scenario introduced them, so early
// (busy) and late (quiet) users are both covered.
func (m *model) checkCandidates(n int) []string {
	var cands []string
	for _, u := range m.order {
		if len(m.msgs[u]) > 0 || len(m.follows[u]) > 0 {
			cands = append(cands, u)
		}
	}
	if n >= len(cands) {
		return cands
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, cands[i*len(cands)/n])
	}
	return out
}
