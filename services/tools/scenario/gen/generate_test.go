package gen

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"minitwit/tools/scenario"
)

var start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func gen(t *testing.T, users, actions int, seed uint64) []scenario.Action {
	t.Helper()
	acts, err := Generate(Options{Users: users, Actions: actions, Seed: seed, FirstID: 1, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != actions {
		t.Fatalf("got %d actions, want %d", len(acts), actions)
	}
	return acts
}

func render(t *testing.T, acts []scenario.Action) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := scenario.NewWriter(&buf)
	for _, a := range acts {
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministicForASeed(t *testing.T) {
	a := render(t, gen(t, 50, 2000, 7))
	b := render(t, gen(t, 50, 2000, 7))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different scenarios")
	}
	c := render(t, gen(t, 50, 2000, 8))
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same scenario")
	}
}

// TestReferencesAreValid replays the scenario against a model of what the
// API would hold and checks every action gets the answer the replayer
// expects: registrations are fresh unless meant as "taken", and nobody
// unregistered is referenced.
func TestReferencesAreValid(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		acts := gen(t, 300, 10000, seed)
		registered := map[string]bool{}
		follows := map[[2]string]bool{}
		var lastID int64 = -1
		counts := map[string]int{}
		for _, a := range acts {
			if a.ID <= lastID {
				t.Fatalf("seed %d: id %d after %d", seed, a.ID, lastID)
			}
			lastID = a.ID
			if a.Username == "" || strings.TrimSpace(a.Username) != a.Username {
				t.Fatalf("seed %d id %d: bad username %q", seed, a.ID, a.Username)
			}
			if a.Kind != scenario.Register && !registered[a.Username] {
				t.Fatalf("seed %d id %d: %s by unregistered %q", seed, a.ID, a.Kind, a.Username)
			}
			switch a.Kind {
			case scenario.Register:
				if !strings.Contains(a.Email, "@") || a.Password == "" {
					t.Fatalf("seed %d id %d: register would fail validation: %+v", seed, a.ID, a)
				}
				if registered[a.Username] {
					counts["reregister"]++
				} else {
					counts["register"]++
				}
				registered[a.Username] = true
			case scenario.Tweet:
				if a.Text == "" {
					t.Fatalf("seed %d id %d: empty tweet", seed, a.ID)
				}
				counts["tweet"]++
			case scenario.Follow, scenario.Unfollow:
				if !registered[a.Other] {
					t.Fatalf("seed %d id %d: %s of unregistered %q", seed, a.ID, a.Kind, a.Other)
				}
				if a.Other == a.Username {
					t.Fatalf("seed %d id %d: %s of oneself", seed, a.ID, a.Kind)
				}
				k := [2]string{a.Username, a.Other}
				switch {
				case a.Kind == scenario.Follow && follows[k]:
					counts["duplicate follow"]++
				case a.Kind == scenario.Follow:
					counts["follow"]++
				case follows[k]:
					counts["unfollow"]++
				default:
					counts["unfollow not followed"]++
				}
				follows[k] = a.Kind == scenario.Follow
			default:
				t.Fatalf("seed %d id %d: unknown kind %q", seed, a.ID, a.Kind)
			}
		}
		if counts["register"] != 300 {
			t.Errorf("seed %d: %d distinct users registered, want 300", seed, counts["register"])
		}
		// Each kind must be a real share, not a token appearance.
		for kind, min := range map[string]int{
			"tweet": 4000, "follow": 1500, "unfollow": 500,
			"duplicate follow": 100, "unfollow not followed": 100, "reregister": 50,
		} {
			if counts[kind] < min {
				t.Errorf("seed %d: %d %s actions, want at least %d (counts %v)", seed, counts[kind], kind, min, counts)
			}
		}
	}
}

func TestCharacterMix(t *testing.T) {
	acts := gen(t, 300, 10000, 1)
	var names, pws, texts strings.Builder
	for _, a := range acts {
		names.WriteString(a.Username + "\x00")
		pws.WriteString(a.Password)
		texts.WriteString(a.Text)
	}
	checks := []struct {
		what, in, want string
	}{
		{"username with space", names.String(), " "},
		{"username with apostrophe", names.String(), "'"},
		{"username with diacritic", names.String(), "ö"},
		{"username in CJK", names.String(), "李"},
		{"password with double quote", pws.String(), `"`},
		{"password with backslash", pws.String(), `\`},
		{"password with bracket", pws.String(), `[`},
		{"tweet with typographic quote", texts.String(), "“"},
		{"tweet with apostrophe", texts.String(), "’"},
		{"tweet with em dash", texts.String(), "—"},
		{"tweet with emoji", texts.String(), "🎉"},
		{"tweet with html", texts.String(), "<b>html</b>"},
		{"tweet with newline", texts.String(), "\n"},
		{"tweet with tab", texts.String(), "\t"},
	}
	for _, c := range checks {
		if !strings.Contains(c.in, c.want) {
			t.Errorf("no %s (%q) in 10000 actions", c.what, c.want)
		}
	}
	ascii := 0
	for _, a := range acts {
		if a.Kind == scenario.Tweet && utf8.RuneCountInString(a.Text) == len(a.Text) {
			ascii++
		}
	}
	if ascii == 0 {
		t.Error("no plain ASCII tweet")
	}
}

func TestFewActionsStillRegisterFirst(t *testing.T) {
	acts := gen(t, 300, 5, 1)
	for _, a := range acts {
		if a.Kind != scenario.Register {
			t.Fatalf("action %d is %s before two users exist", a.ID, a.Kind)
		}
	}
	// More users than names can combine: the generator must still find
	// distinct ones rather than loop or emit a taken name as "fresh".
	acts = gen(t, 5000, 5000, 1)
	seen := map[string]bool{}
	for _, a := range acts {
		if a.Kind == scenario.Register && !seen[a.Username] {
			seen[a.Username] = true
		}
	}
	if len(seen) != 5000 {
		t.Fatalf("%d distinct users, want 5000", len(seen))
	}
}

func TestOutputParsesBack(t *testing.T) {
	acts := gen(t, 100, 3000, 5)
	got, err := scenario.Parse(bytes.NewReader(render(t, acts)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(acts) {
		t.Fatalf("parsed %d, want %d", len(got), len(acts))
	}
	for i := range acts {
		g, w := got[i], acts[i]
		if g.ID != w.ID || g.Kind != w.Kind || g.Username != w.Username || g.Email != w.Email ||
			g.Password != w.Password || g.Text != w.Text || g.Other != w.Other || !g.Time.Equal(w.Time) || g.Delay != w.Delay {
			t.Fatalf("action %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestDelays(t *testing.T) {
	for _, a := range gen(t, 10, 100, 1) {
		if a.Delay != 0 {
			t.Fatalf("default scenario has delay %v", a.Delay)
		}
	}
	acts, err := Generate(Options{Users: 10, Actions: 1000, Seed: 1, FirstID: 1, Start: start, DelayMean: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for i, a := range acts {
		total += a.Delay
		if i > 0 && a.Time.Sub(acts[i-1].Time) != a.Delay {
			t.Fatalf("action %d: timestamp gap %v, delay %v", a.ID, a.Time.Sub(acts[i-1].Time), a.Delay)
		}
	}
	if mean := total / time.Duration(len(acts)); mean < 80*time.Millisecond || mean > 120*time.Millisecond {
		t.Fatalf("mean delay %v, want about 100ms", mean)
	}
}
