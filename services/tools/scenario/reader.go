package scenario

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseError locates a malformed line. Line counts every physical line of
// the file from 1, comments and blank lines included, so it matches what an
// editor shows.
type ParseError struct {
	Line int
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *ParseError) Unwrap() error { return e.Err }

// Reader reads actions one at a time, so a long scenario need not be held in
// memory twice.
type Reader struct {
	br     *bufio.Reader
	line   int
	lastID int64
	seenID bool
}

// NewReader returns a Reader that parses scenario lines from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64*1024)}
}

// Read returns the next action, io.EOF after the last one, or a
// *ParseError. Blank lines and lines starting with '#' are skipped.
func (r *Reader) Read() (Action, error) {
	for {
		raw, err := r.br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return Action{}, err
		}
		if raw == "" && errors.Is(err, io.EOF) {
			return Action{}, io.EOF
		}
		r.line++
		line := strings.TrimSuffix(raw, "\n")
		// A raw '\r' never appears inside a field (it is written as \r), so
		// a trailing one can only come from a CRLF line ending.
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			if errors.Is(err, io.EOF) {
				return Action{}, io.EOF
			}
			continue
		}
		a, perr := r.parseLine(line)
		if perr != nil {
			return Action{}, &ParseError{Line: r.line, Err: perr}
		}
		return a, nil
	}
}

func (r *Reader) parseLine(line string) (Action, error) {
	if !utf8.ValidString(line) {
		return Action{}, errors.New("not valid UTF-8")
	}
	f := strings.Split(line, "\t")
	if len(f) < 5 {
		return Action{}, fmt.Errorf("%d fields, want at least 5 (id, delay, timestamp, action, username)", len(f))
	}
	var a Action
	var err error
	if a.ID, err = strconv.ParseInt(f[0], 10, 64); err != nil || a.ID < 0 {
		return Action{}, fmt.Errorf("id %q is not a non-negative integer", f[0])
	}
	if r.seenID && a.ID <= r.lastID {
		return Action{}, fmt.Errorf("id %d is not greater than the previous id %d", a.ID, r.lastID)
	}
	if a.Delay, err = parseDelay(f[1]); err != nil {
		return Action{}, err
	}
	if a.Time, err = time.Parse(time.RFC3339Nano, f[2]); err != nil {
		return Action{}, fmt.Errorf("timestamp %q is not RFC 3339 (e.g. 2024-01-02T15:04:05Z)", f[2])
	}
	a.Kind = Kind(f[3])
	want, ok := fieldCount[a.Kind]
	if !ok {
		return Action{}, fmt.Errorf("unknown action %q (want register, tweet, follow or unfollow)", f[3])
	}
	if len(f) != want {
		return Action{}, fmt.Errorf("%s has %d fields, want %d", a.Kind, len(f), want)
	}
	vals := make([]string, 0, want-4)
	for i, s := range f[4:] {
		v, err := unescapeField(s)
		if err != nil {
			return Action{}, fmt.Errorf("field %d: %v", i+5, err)
		}
		vals = append(vals, v)
	}
	a.Username = vals[0]
	switch a.Kind {
	case Register:
		a.Email, a.Password = vals[1], vals[2]
	case Tweet:
		a.Text = vals[1]
	case Follow, Unfollow:
		a.Other = vals[1]
	}
	r.lastID, r.seenID = a.ID, true
	return a, nil
}

func parseDelay(s string) (time.Duration, error) {
	sec, err := strconv.ParseFloat(s, 64)
	// The upper bound keeps the conversion to nanoseconds from overflowing.
	if err != nil || math.IsNaN(sec) || sec < 0 || sec > 1e6 {
		return 0, fmt.Errorf("delay %q is not a number of seconds between 0 and 1e6", s)
	}
	return time.Duration(math.Round(sec * 1e9)), nil
}

// Parse reads a whole scenario.
func Parse(r io.Reader) ([]Action, error) {
	sr := NewReader(r)
	var out []Action
	for {
		a, err := sr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
}
