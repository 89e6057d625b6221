package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Checks holds the results of the read-back after the replay. Failures are
// human-readable lines; any of them fails the run.
type Checks struct {
	LatestWant   int64    `json:"latest_expected"`
	LatestGot    *int64   `json:"latest_got"`
	Users        []string `json:"users_checked"`
	MessageLists int      `json:"message_lists_checked"`
	Messages     int      `json:"messages_checked"`
	FollowLists  int      `json:"follow_lists_checked"`
	FollowPairs  int      `json:"follow_pairs_checked"`
	Failures     []string `json:"failures"`
}

func (ch *Checks) fail(format string, args ...any) {
	ch.Failures = append(ch.Failures, fmt.Sprintf(format, args...))
}

// getJSON fetches a JSON answer without a latest parameter, so checking does
// not move the value being checked.
func (c *client) getJSON(ctx context.Context, path string, q url.Values, into any) error {
	req, err := c.request(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	ans := c.do(req)
	if ans.Err != nil {
		return fmt.Errorf("GET %s: %s", path, describeErr(ans.Err))
	}
	if ans.Status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, body %s", path, ans.Status, snippet(ans.Body))
	}
	return decodeJSONAnswer(path, ans, into)
}

// decodeJSONAnswer holds GET answers to the contract's shape: JSON content
// type, and a body that decodes into the expected types (pub_date as an
// integer, follows as a list).
func decodeJSONAnswer(path string, ans answer, into any) error {
	if mt, _, err := mime.ParseMediaType(ans.ContentType); err != nil || mt != "application/json" {
		return fmt.Errorf("GET %s: Content-Type %q, want application/json", path, ans.ContentType)
	}
	if err := json.Unmarshal(ans.Body, into); err != nil {
		return fmt.Errorf("GET %s: body %s: %v", path, snippet(ans.Body), err)
	}
	return nil
}

func checkLatest(ctx context.Context, c *client, want int64, ch *Checks) {
	ch.LatestWant = want
	var body struct {
		Latest *int64 `json:"latest"`
	}
	if err := c.getJSON(ctx, "/latest", nil, &body); err != nil {
		ch.fail("latest: %v", err)
		return
	}
	ch.LatestGot = body.Latest
	switch {
	case body.Latest == nil:
		ch.fail(`latest: answer has no "latest" field`)
	case *body.Latest != want:
		ch.fail("latest: GET /latest = %d, want %d (the last id sent)", *body.Latest, want)
	}
}

type message struct {
	Content string `json:"content"`
	PubDate int64  `json:"pub_date"`
	User    string `json:"user"`
}

// spotCheck reads back the messages and follows of a sample of users.
// Messages: the newest len(sent) must be exactly what this run posted,
// newest first, which holds even if the database had older data. Follows:
// every pair this run touched must be in the state its last 204 left; with
// fresh, the list must also hold nothing else.
func spotCheck(ctx context.Context, c *client, m *model, n int, fresh bool, ch *Checks) {
	for _, u := range m.checkCandidates(n) {
		if ctx.Err() != nil {
			return
		}
		ch.Users = append(ch.Users, u)
		if sent := m.msgs[u]; len(sent) > 0 && !m.msgsUnsure[u] {
			checkMessages(ctx, c, u, sent, ch)
		}
		if len(m.follows[u]) > 0 {
			checkFollows(ctx, c, u, m.follows[u], m.followsUnsr[u], fresh, ch)
		}
	}
}

// maxNo is the contract's clamp on the no parameter.
const maxNo = 10000

func checkMessages(ctx context.Context, c *client, user string, sent []string, ch *Checks) {
	if len(sent) > maxNo {
		sent = sent[len(sent)-maxNo:]
	}
	var got []message
	path := "/msgs/" + url.PathEscape(user)
	if err := c.getJSON(ctx, path, url.Values{"no": {strconv.Itoa(len(sent))}}, &got); err != nil {
		ch.fail("messages of %q: %v", user, err)
		return
	}
	ch.MessageLists++
	if len(got) != len(sent) {
		ch.fail("messages of %q: GET %s?no=%d returned %d messages, want %d", user, path, len(sent), len(got), len(sent))
		return
	}
	for i, msg := range got {
		want := sent[len(sent)-1-i]
		ch.Messages++
		if msg.User != user || msg.Content != want {
			ch.fail("messages of %q: item %d (newest first) is %q by %q, want %q", user, i, msg.Content, msg.User, want)
			return
		}
	}
}

func checkFollows(ctx context.Context, c *client, user string, want, unsure map[string]bool, fresh bool, ch *Checks) {
	var body struct {
		Follows *[]string `json:"follows"`
	}
	path := "/fllws/" + url.PathEscape(user)
	if err := c.getJSON(ctx, path, url.Values{"no": {strconv.Itoa(maxNo)}}, &body); err != nil {
		ch.fail("follows of %q: %v", user, err)
		return
	}
	ch.FollowLists++
	if body.Follows == nil {
		ch.fail(`follows of %q: "follows" is missing or null`, user)
		return
	}
	got := map[string]bool{}
	for _, o := range *body.Follows {
		got[o] = true
	}
	var bad []string
	for o, following := range want {
		if unsure[o] {
			continue
		}
		ch.FollowPairs++
		switch {
		case following && !got[o]:
			bad = append(bad, fmt.Sprintf("%q missing", o))
		case !following && got[o]:
			bad = append(bad, fmt.Sprintf("%q still followed after unfollow", o))
		}
	}
	if fresh && len(unsure) == 0 {
		for o := range got {
			if !want[o] {
				bad = append(bad, fmt.Sprintf("%q followed but never followed in this run", o))
			}
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		const shown = 5
		if len(bad) > shown {
			bad = append(bad[:shown], fmt.Sprintf("and %d more", len(bad)-shown))
		}
		ch.fail("follows of %q: %s", user, strings.Join(bad, ", "))
	}
}

func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}
