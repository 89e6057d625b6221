package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"minitwit/tools/scenario"
)

// takenMsg is the one 400 answer to a registration that is not an error.
const takenMsg = "The username is already taken"

type replayer struct {
	c        *client
	fresh    bool
	delays   bool
	progress int
	stdout   io.Writer
	stderr   io.Writer
	stats    *stats
	model    *model

	sent        int
	lastID      int64
	errors      int
	errorLines  []string
	delayed     time.Duration
	interrupted bool
}

// run sends the actions one after another, as the simulator does: the next
// request starts only when the previous one has been answered or timed out.
func (r *replayer) run(ctx context.Context, acts []scenario.Action) {
	start := time.Now()
	for i, a := range acts {
		if r.delays && a.Delay > 0 {
			t := time.NewTimer(a.Delay)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
				r.delayed += a.Delay
			}
		}
		if ctx.Err() != nil {
			r.interrupted = true
			return
		}
		r.send(ctx, a)
		if ctx.Err() != nil {
			// The last answer was cut short by the interrupt, not by the
			// service: do not count it against the service.
			r.interrupted = true
			return
		}
		if r.progress > 0 && (i+1)%r.progress == 0 && i+1 < len(acts) {
			el := time.Since(start)
			fmt.Fprintf(r.stderr, "replay: %d/%d actions (%.0f%%), %.0f actions/s, %d errors, %s elapsed\n",
				i+1, len(acts), 100*float64(i+1)/float64(len(acts)), float64(i+1)/el.Seconds(), r.errors, el.Round(time.Second))
		}
	}
}

func (r *replayer) send(ctx context.Context, a scenario.Action) {
	req, err := r.c.actionRequest(ctx, a)
	var ans answer
	if err != nil {
		ans = answer{Err: err}
	} else {
		ans = r.c.do(req)
	}
	if ctx.Err() != nil {
		return
	}
	r.sent++
	r.lastID = a.ID
	ok, taken, why := r.judge(a, ans)
	r.stats.add(a.Kind, ans, ok, taken)
	r.model.note(a, ok)
	if !ok {
		r.errors++
		line := fmt.Sprintf("ERROR id=%d action=%s user=%q %s elapsed=%.1fms", a.ID, a.Kind, a.Username, why, ms(ans.Elapsed))
		r.errorLines = append(r.errorLines, line)
		fmt.Fprintln(r.stdout, line)
	}
}

// judge applies the contract: 204 for everything, or 400 "taken" for a
// registration. Two stricter rules catch real bugs the simulator would miss:
// a 204 for a name this run already saw registered means duplicate users,
// and with -fresh a "taken" for a name this run never registered means the
// database was not empty or the service confused two names.
func (r *replayer) judge(a scenario.Action, ans answer) (ok, taken bool, why string) {
	if ans.Err != nil {
		return false, false, "err=" + strconv.Quote(describeErr(ans.Err))
	}
	status := fmt.Sprintf("status=%d", ans.Status)
	if a.Kind == scenario.Register {
		switch {
		case ans.Status == http.StatusNoContent && r.model.exists[a.Username]:
			return false, false, status + ` reason="204 for a name registered earlier in this run (duplicate user)"`
		case ans.Status == http.StatusBadRequest && errorMsg(ans.Body) == takenMsg:
			// A registration that failed earlier may still have been
			// stored; its "taken" now is not a second error.
			if r.fresh && !r.model.exists[a.Username] && !r.model.maybe[a.Username] {
				return false, false, status + ` reason="taken, but not registered earlier in this run (-fresh)"`
			}
			return true, true, ""
		}
	}
	if ans.Status == http.StatusNoContent {
		return true, false, ""
	}
	return false, false, status + " body=" + snippet(ans.Body)
}

func errorMsg(body []byte) string {
	var e struct {
		Msg string `json:"error_msg"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Msg
}
