// Package gen builds realistic, deterministic simulator scenarios: Unicode
// usernames with spaces, passwords full of JSON and shell specials, tweets
// with typographic quotes and emoji, and the follow/unfollow/register edge
// cases the API contract allows. cmd/scenariogen writes them to a file; tests
// can call Generate directly.
package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"minitwit/tools/scenario"
)

// Options fix a scenario completely: the same Options give the same actions.
type Options struct {
	Users   int
	Actions int
	Seed    uint64
	FirstID int64
	Start   time.Time
	// DelayMean > 0 gives exponentially distributed pauses with that mean;
	// zero gives no pauses, so a replay runs as fast as the service answers.
	DelayMean time.Duration
}

// Weights of the non-register actions, in percent. Re-registrations and
// the "no-op" follow/unfollow variants are a small share, as in the real
// simulator's traffic, but common enough to appear in any scenario of a few
// hundred actions.
const (
	wTweet          = 56
	wFollow         = 24
	wUnfollow       = 12
	wDuplicate      = 4 // follow someone already followed
	wUnfollowNotFol = 3 // unfollow someone not followed
	wReregister     = 1 // register a taken name, expect 400
)

type edge struct{ who, whom string }

type generator struct {
	opt   Options
	rng   *rand.Rand
	now   time.Time
	id    int64
	out   []scenario.Action
	users []string        // registered, in registration order
	keys  map[string]bool // lower-cased names already handed out
	nextN int             // name attempts so far, to derive fresh names
	edges []edge          // current follow graph, for uniform random picks
	index map[edge]int    // position of each edge in edges
}

// Generate builds a scenario. Every action refers only to users registered
// by an earlier action, never follows oneself, and expects the API's
// success answer (204, or 400 "taken" for a re-registration).
func Generate(opt Options) ([]scenario.Action, error) {
	if opt.Users < 1 {
		return nil, errors.New("need at least one user")
	}
	if opt.Actions < 0 {
		return nil, errors.New("actions must not be negative")
	}
	if opt.FirstID < 0 {
		return nil, errors.New("first id must not be negative")
	}
	if opt.DelayMean < 0 {
		return nil, errors.New("delay mean must not be negative")
	}
	g := &generator{
		opt: opt,
		// A fixed second PCG word keeps one seed number enough to reproduce.
		rng:   rand.New(rand.NewPCG(opt.Seed, 0x6d696e6974776974)),
		now:   opt.Start.UTC(),
		id:    opt.FirstID - 1, // emit increments before use
		keys:  map[string]bool{},
		index: map[edge]int{},
	}
	g.out = make([]scenario.Action, 0, opt.Actions)
	for i := 0; i < opt.Actions; i++ {
		g.step(opt.Actions - i)
	}
	return g.out, nil
}

func (g *generator) step(remaining int) {
	unregistered := g.opt.Users - len(g.users)
	// Registrations are spread over the whole run with a probability that
	// reaches 1 once the remaining actions are twice the users still to
	// register, so every user is registered if there are enough actions,
	// most of them early, as in a growing service.
	if unregistered > 0 {
		p := float64(unregistered) / (float64(remaining) * 0.5)
		if len(g.users) < 2 || g.rng.Float64() < p {
			g.register()
			return
		}
	}
	switch r := g.rng.IntN(100); {
	case r < wTweet:
		g.tweet()
	case r < wTweet+wFollow:
		if !g.followNew() {
			g.tweet()
		}
	case r < wTweet+wFollow+wUnfollow:
		if !g.unfollowFollowed() {
			g.tweet()
		}
	case r < wTweet+wFollow+wUnfollow+wDuplicate:
		if !g.followDuplicate() {
			g.tweet()
		}
	case r < wTweet+wFollow+wUnfollow+wDuplicate+wUnfollowNotFol:
		if !g.unfollowNotFollowed() {
			g.tweet()
		}
	default:
		g.reregister()
	}
}

func (g *generator) emit(a scenario.Action) {
	g.id++
	a.ID = g.id
	if g.opt.DelayMean > 0 {
		a.Delay = g.expDuration(g.opt.DelayMean)
		g.now = g.now.Add(a.Delay)
	} else {
		// Without pauses the timestamp still advances like a recorded
		// session would, about one action a second.
		g.now = g.now.Add(g.expDuration(time.Second))
	}
	a.Time = g.now
	g.out = append(g.out, a)
}

// expDuration draws from an exponential distribution, at millisecond
// precision so the file stays readable.
func (g *generator) expDuration(mean time.Duration) time.Duration {
	d := time.Duration(g.rng.ExpFloat64() * float64(mean))
	return d.Round(time.Millisecond)
}

func (g *generator) register() {
	name := g.newName()
	n := len(g.users)
	var pw string
	if n < len(fixedPasswords) {
		pw = fixedPasswords[n]
	} else {
		pw = g.password()
	}
	g.users = append(g.users, name)
	g.emit(scenario.Action{Kind: scenario.Register, Username: name, Email: g.email(name, n), Password: pw})
}

func (g *generator) reregister() {
	name := g.pickUser()
	g.emit(scenario.Action{Kind: scenario.Register, Username: name, Email: g.email(name, len(g.users)+g.rng.IntN(1000)), Password: g.password()})
}

func (g *generator) tweet() {
	g.emit(scenario.Action{Kind: scenario.Tweet, Username: g.pickUser(), Text: g.text()})
}

func (g *generator) followNew() bool {
	if len(g.users) < 2 {
		return false
	}
	who := g.pickUser()
	for range 10 {
		whom := g.pickUser()
		if e := (edge{who, whom}); whom != who && !g.has(e) {
			g.addEdge(e)
			g.emit(scenario.Action{Kind: scenario.Follow, Username: who, Other: whom})
			return true
		}
	}
	return false
}

func (g *generator) followDuplicate() bool {
	if len(g.edges) == 0 {
		return false
	}
	e := g.edges[g.rng.IntN(len(g.edges))]
	g.emit(scenario.Action{Kind: scenario.Follow, Username: e.who, Other: e.whom})
	return true
}

func (g *generator) unfollowFollowed() bool {
	if len(g.edges) == 0 {
		return false
	}
	e := g.edges[g.rng.IntN(len(g.edges))]
	g.removeEdge(e)
	g.emit(scenario.Action{Kind: scenario.Unfollow, Username: e.who, Other: e.whom})
	return true
}

func (g *generator) unfollowNotFollowed() bool {
	if len(g.users) < 2 {
		return false
	}
	who := g.pickUser()
	for range 10 {
		whom := g.pickUser()
		if whom != who && !g.has(edge{who, whom}) {
			g.emit(scenario.Action{Kind: scenario.Unfollow, Username: who, Other: whom})
			return true
		}
	}
	return false
}

func (g *generator) has(e edge) bool { _, ok := g.index[e]; return ok }

func (g *generator) addEdge(e edge) {
	g.index[e] = len(g.edges)
	g.edges = append(g.edges, e)
}

// removeEdge swaps the last edge into the hole so removal stays O(1) and the
// slice order (hence the random stream) stays deterministic.
func (g *generator) removeEdge(e edge) {
	i := g.index[e]
	last := g.edges[len(g.edges)-1]
	g.edges[i] = last
	g.index[last] = i
	g.edges = g.edges[:len(g.edges)-1]
	delete(g.index, e)
}

// pickUser favours the earliest tenth of users a third of the time: real
// timelines have a few very active accounts and many quiet ones.
func (g *generator) pickUser() string {
	n := len(g.users)
	if active := n / 10; active > 0 && g.rng.IntN(3) == 0 {
		return g.users[g.rng.IntN(active)]
	}
	return g.users[g.rng.IntN(n)]
}

// newName combines name parts until it finds one not yet used, comparing
// case-insensitively so a store with a case-insensitive collation does not
// turn a fresh registration into "taken". After enough collisions it adds a
// number, which keeps any -users value satisfiable.
func (g *generator) newName() string {
	for tries := 0; ; tries++ {
		g.nextN++
		var name string
		switch {
		case g.rng.IntN(20) == 0:
			name = lastNames[g.rng.IntN(len(lastNames))] // single-word names exist too
		default:
			name = firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
		}
		if tries > 20 {
			name = fmt.Sprintf("%s %d", name, g.nextN)
		}
		if k := strings.ToLower(name); !g.keys[k] {
			g.keys[k] = true
			return name
		}
	}
}

func (g *generator) email(name string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\'':
			if s := b.String(); s != "" && !strings.HasSuffix(s, ".") {
				b.WriteByte('.')
			}
		}
	}
	local := strings.Trim(b.String(), ".")
	if local == "" {
		local = "user"
	}
	if g.rng.IntN(8) == 0 {
		local += "+minitwit"
	}
	return fmt.Sprintf("%s.%d@%s", local, n, emailDomains[g.rng.IntN(len(emailDomains))])
}

// password always contains a quote or backslash or bracket: those are the
// characters that break hand-built JSON and form encodings.
func (g *generator) password() string {
	n := 8 + g.rng.IntN(13)
	b := make([]byte, n)
	for i := range b {
		b[i] = passwordChars[g.rng.IntN(len(passwordChars))]
	}
	const must = `"'\[]{}`
	b[g.rng.IntN(n)] = must[g.rng.IntN(len(must))]
	return string(b)
}

func (g *generator) text() string {
	if g.rng.IntN(50) == 0 {
		return multiLineFragments[g.rng.IntN(len(multiLineFragments))]
	}
	parts := 1 + g.rng.IntN(3)
	picked := make([]string, 0, parts+1)
	for range parts {
		picked = append(picked, tweetFragments[g.rng.IntN(len(tweetFragments))])
	}
	if g.rng.IntN(6) == 0 {
		picked = append(picked, "cc @"+g.pickUser())
	}
	if g.rng.IntN(4) == 0 {
		// A number makes most tweets unique, so a spot-check that finds the
		// right text in the right place is meaningful.
		picked = append(picked, fmt.Sprintf("#%d", g.id+1))
	}
	return strings.Join(picked, " ")
}
