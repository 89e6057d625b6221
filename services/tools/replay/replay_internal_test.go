package replay

import (
	"encoding/json"
	"testing"
	"time"

	"minitwit/tools/scenario"
)

// Usernames and a text that URLs, JSON and terminals all treat specially.
var (
	roger = "Roger Histand"
	zoe   = "Zoë Ångström"
	li    = "李 小龍"
	oscar = "Óscar O'Brien"
	odd   = "a/b?c#d%e+f"
)

const trickyText = "He said “hi” — it’s 🎉 <b>html</b> \\ \"q\"\n\tnext line"

func TestMarshalASCIIMatchesPythonDefault(t *testing.T) {
	got, err := marshalASCII(tweetBody{"Zoë <b>🎉</b> “q” \\ \"x\"\n"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"content":"Zo\u00eb <b>\ud83c\udf89</b> \u201cq\u201d \\ \"x\"\n"}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, s := range []string{trickyText, roger, zoe, li, oscar, odd, "𝄞", "\u2028"} {
		b, err := marshalASCII(tweetBody{s})
		if err != nil {
			t.Fatal(err)
		}
		var back tweetBody
		if err := json.Unmarshal(b, &back); err != nil || back.Content != s {
			t.Errorf("%q: round trip gave %q, %v", s, back.Content, err)
		}
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 90: 90 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := percentile(d[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one sample = %v", got)
	}
}

func TestJudgeTakenAfterUnclearRegistration(t *testing.T) {
	r := &replayer{fresh: true, model: newModel()}
	reg := scenario.Action{ID: 1, Kind: scenario.Register, Username: zoe}
	taken := answer{Status: 400, Body: []byte(`{"status":400,"error_msg":"The username is already taken"}`)}
	if ok, _, _ := r.judge(reg, taken); ok {
		t.Fatal("-fresh accepted taken for a name never registered")
	}
	// The first attempt timed out: the server may have stored the user.
	r.model.note(reg, false)
	if ok, isTaken, why := r.judge(reg, taken); !ok || !isTaken {
		t.Fatalf("taken after an unclear registration judged an error: %s", why)
	}
	other := answer{Status: 400, Body: []byte(`{"status":400,"error_msg":"You have to enter a password"}`)}
	if ok, _, _ := r.judge(reg, other); ok {
		t.Fatal("a 400 other than taken was accepted")
	}
}
