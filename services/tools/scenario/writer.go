package scenario

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Header is the comment line a Writer puts first so a reader of the file
// knows the columns; Reader skips it like any other comment.
const Header = "# id\tdelay\ttimestamp\taction\tusername\temail|text|other\tpassword"

// Writer writes actions in the scenario format. It enforces the same rules
// as Reader, so whatever it writes parses back to the same actions.
type Writer struct {
	bw     *bufio.Writer
	lastID int64
	seenID bool
}

// NewWriter returns a buffered Writer; call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, 64*1024)}
}

// WriteHeader writes the column comment line.
func (w *Writer) WriteHeader() error {
	_, err := w.bw.WriteString(Header + "\n")
	return err
}

// Write appends one action as a line.
func (w *Writer) Write(a Action) error {
	line, err := Format(a)
	if err != nil {
		return fmt.Errorf("action %d: %w", a.ID, err)
	}
	if w.seenID && a.ID <= w.lastID {
		return fmt.Errorf("action %d: id is not greater than the previous id %d", a.ID, w.lastID)
	}
	w.lastID, w.seenID = a.ID, true
	if _, err := w.bw.WriteString(line); err != nil {
		return err
	}
	return w.bw.WriteByte('\n')
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }

// Format renders one action as a line, without the trailing newline.
func Format(a Action) (string, error) {
	tail, err := a.fields()
	if err != nil {
		return "", err
	}
	if a.ID < 0 {
		return "", errors.New("id is negative")
	}
	if a.Delay < 0 {
		return "", errors.New("delay is negative")
	}
	all := append([]string{a.Username}, tail...)
	var b strings.Builder
	b.WriteString(strconv.FormatInt(a.ID, 10))
	b.WriteByte('\t')
	b.WriteString(strconv.FormatFloat(a.Delay.Seconds(), 'f', -1, 64))
	b.WriteByte('\t')
	b.WriteString(a.Time.UTC().Format(time.RFC3339Nano))
	b.WriteByte('\t')
	b.WriteString(string(a.Kind))
	for _, s := range all {
		// Invalid UTF-8 would not survive the JSON body the replayer sends,
		// so it is refused here rather than silently altered later.
		if !utf8.ValidString(s) {
			return "", fmt.Errorf("field %q is not valid UTF-8", s)
		}
		b.WriteByte('\t')
		b.WriteString(escapeField(s))
	}
	return b.String(), nil
}
