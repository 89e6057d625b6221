package admin

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws one table's import on stderr: a bar redrawn in place on a
// terminal, a line every few seconds in a log file.
type progress struct {
	w          io.Writer
	label      string
	total      int64
	done       int64
	startDone  int64
	start      time.Time
	last       time.Time
	tty        bool
	every      time.Duration
	lastLength int
}

func newProgress(w io.Writer, label string, total, done int64) *progress {
	p := &progress{w: w, label: label, total: total, done: done, startDone: done, start: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 200*time.Millisecond
		}
	}
	return p
}

func (p *progress) add(n int64) {
	p.done += n
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.draw(false)
	}
}

func (p *progress) finish() { p.draw(true) }

func (p *progress) draw(final bool) {
	elapsed := time.Since(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.done-p.startDone) / s
	}
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	const width = 30
	fill := min(width, int(pct/100*width))
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	eta := "--"
	switch {
	case final:
		eta = "done in " + elapsed.Round(10*time.Millisecond).String()
	case rate > 0:
		eta = "ETA " + time.Duration(float64(p.total-p.done)/rate*float64(time.Second)).Round(time.Second).String()
	}
	line := fmt.Sprintf("%-9s [%s] %9d/%-9d %5.1f%% %9.0f rows/s  %s", p.label, bar, p.done, p.total, pct, rate, eta)
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r%-*s\n", p.lastLength, line)
	case p.tty:
		fmt.Fprintf(p.w, "\r%-*s", p.lastLength, line)
		p.lastLength = len(line)
	default:
		fmt.Fprintln(p.w, line)
	}
}
