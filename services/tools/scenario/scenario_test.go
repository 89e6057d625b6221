package scenario

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// tricky holds field values that break naive TSV handling: separators,
// escapes that look like our own, quotes, and multi-byte runes.
var tricky = []string{
	"Roger Histand",
	"Zoë Ångström",
	"李 小龍",
	"Óscar O'Brien",
	`pa"ss\w[0]rd'{}`,
	`\t is not a tab`,
	"real\ttab and real\nnewline",
	"trailing backslash \\",
	`\\double`,
	"carriage\rreturn\r",
	"“quoted” — it’s 🎉 <b>html</b> &amp;",
	" leading and trailing spaces ",
	"#not a comment",
	"",
}

func TestRoundTripTrickyFields(t *testing.T) {
	var in []Action
	id := int64(1)
	for _, s := range tricky {
		in = append(in,
			Action{ID: id, Delay: 1500 * time.Millisecond, Time: t0, Kind: Register, Username: s, Email: s + "@x", Password: s},
			Action{ID: id + 1, Delay: 0, Time: t0.Add(time.Second), Kind: Tweet, Username: s, Text: s},
			Action{ID: id + 2, Delay: 123456789 * time.Nanosecond, Time: t0.Add(1500 * time.Millisecond), Kind: Follow, Username: s, Other: s},
			Action{ID: id + 3, Delay: time.Millisecond, Time: t0, Kind: Unfollow, Username: s, Other: s},
		)
		id += 10
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	for _, a := range in {
		if err := w.Write(a); err != nil {
			t.Fatalf("Write(%+v): %v", a, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(buf.String(), "\n"), len(in)+1; got != want {
		t.Fatalf("file has %d lines, want %d (an embedded newline was not escaped)", got, want)
	}
	out, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("parsed %d actions, want %d", len(out), len(in))
	}
	for i := range in {
		if !in[i].Time.Equal(out[i].Time) {
			t.Errorf("action %d: time %v, want %v", i, out[i].Time, in[i].Time)
		}
		out[i].Time = in[i].Time
		if !reflect.DeepEqual(in[i], out[i]) {
			t.Errorf("action %d:\n got %+v\nwant %+v", i, out[i], in[i])
		}
	}
}

func TestEscapedForm(t *testing.T) {
	a := Action{ID: 7, Delay: 250 * time.Millisecond, Time: t0, Kind: Tweet, Username: "A B", Text: "x\ty\nz\\w\r"}
	got, err := Format(a)
	if err != nil {
		t.Fatal(err)
	}
	want := "7\t0.25\t2024-03-01T12:00:00Z\ttweet\tA B\tx\\ty\\nz\\\\w\\r"
	if got != want {
		t.Fatalf("Format:\n got %q\nwant %q", got, want)
	}
}

func TestParseAcceptsCRLFCommentsAndMissingFinalNewline(t *testing.T) {
	in := "# header\r\n\r\n1\t0\t2024-03-01T12:00:00+01:00\tregister\tA\ta@b\tpw\r\n2\t0.5\t2024-03-01T12:00:01.5Z\tfollow\tA\tB"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d actions, want 2", len(got))
	}
	if got[0].Password != "pw" || got[1].Other != "B" || got[1].Delay != 500*time.Millisecond {
		t.Fatalf("unexpected parse: %+v", got)
	}
	if want := time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC); !got[0].Time.Equal(want) {
		t.Fatalf("time %v, want %v", got[0].Time, want)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	good := "1\t0\t2024-03-01T12:00:00Z\tregister\tA\ta@b\tpw\n"
	cases := []struct {
		name, bad, msg string
	}{
		{"unknown action", "2\t0\t2024-03-01T12:00:00Z\tretweet\tA\tx", "unknown action"},
		{"too few fields", "2\t0\t2024-03-01T12:00:00Z\tregister\tA\ta@b", "want 7"},
		{"too many fields", "2\t0\t2024-03-01T12:00:00Z\ttweet\tA\thello\tworld", "want 6"},
		{"short line", "2\t0\t2024-03-01T12:00:00Z\ttweet", "at least 5"},
		{"bad id", "x\t0\t2024-03-01T12:00:00Z\ttweet\tA\thi", "id"},
		{"negative id", "-3\t0\t2024-03-01T12:00:00Z\ttweet\tA\thi", "id"},
		{"id not increasing", "1\t0\t2024-03-01T12:00:00Z\ttweet\tA\thi", "not greater"},
		{"bad delay", "2\tsoon\t2024-03-01T12:00:00Z\ttweet\tA\thi", "delay"},
		{"negative delay", "2\t-1\t2024-03-01T12:00:00Z\ttweet\tA\thi", "delay"},
		{"NaN delay", "2\tNaN\t2024-03-01T12:00:00Z\ttweet\tA\thi", "delay"},
		{"bad timestamp", "2\t0\t1709294400\ttweet\tA\thi", "timestamp"},
		{"unknown escape", "2\t0\t2024-03-01T12:00:00Z\ttweet\tA\tC:\\path", "unknown escape"},
		{"trailing backslash", "2\t0\t2024-03-01T12:00:00Z\ttweet\tA\tend\\", "backslash at end"},
		{"bad utf-8", "2\t0\t2024-03-01T12:00:00Z\ttweet\tA\t\xff", "UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The bad line is line 4: header comment, good line, blank line.
			in := "# comment\n" + good + "\n" + c.bad + "\n" + good
			_, err := Parse(strings.NewReader(in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.Line != 4 {
				t.Errorf("line %d, want 4", pe.Line)
			}
			if !strings.HasPrefix(err.Error(), "line 4: ") || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not start with line 4 or mention %q", err, c.msg)
			}
		})
	}
}

func TestWriterRefusesWhatReaderWouldReject(t *testing.T) {
	w := NewWriter(&bytes.Buffer{})
	if err := w.Write(Action{ID: 5, Kind: Tweet, Time: t0, Username: "a", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	bad := []Action{
		{ID: 5, Kind: Tweet, Time: t0, Username: "a", Text: "repeated id"},
		{ID: 6, Kind: "retweet", Time: t0, Username: "a"},
		{ID: 7, Kind: Tweet, Time: t0, Username: "a", Text: "\xff"},
		{ID: 8, Kind: Tweet, Time: t0, Username: "a", Text: "x", Delay: -time.Second},
	}
	for _, a := range bad {
		if err := w.Write(a); err == nil {
			t.Errorf("Write(%+v) succeeded, want error", a)
		}
	}
}
