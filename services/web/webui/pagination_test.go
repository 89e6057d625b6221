package webui_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/storetest"
)

// 35 messages: 30 on the first page with a link to older ones, the other 5
// behind it, none twice and none lost, also where several messages share
// one second across the page boundary.
func TestPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, p := a.signedIn("pager")
		var want []string
		for i := range 35 {
			// Four messages per second: the keyset must break ties by id.
			a.postAt(p, fmt.Sprintf("m%02d", i), t0.Add(time.Duration(i/4)*time.Second))
			want = append([]string{fmt.Sprintf("m%02d", i)}, want...)
		}
		for _, path := range []string{"/", "/public", "/pager"} {
			t.Run(path, func(t *testing.T) {
				first := c.get(path)
				wantStatus(t, first, 200)
				got1 := texts(timeline(t, first.Body))
				if diff := cmp.Diff(want[:30], got1); diff != "" {
					t.Errorf("first page (-want +got):\n%s", diff)
				}
				older := olderLink(t, first.Body)
				if !strings.HasPrefix(older, path+"?before=") {
					t.Fatalf("older messages link %q", older)
				}
				mustContain(t, first.Body, "older messages")
				second := c.get(older)
				wantStatus(t, second, 200)
				if diff := cmp.Diff(want[30:], texts(timeline(t, second.Body))); diff != "" {
					t.Errorf("second page (-want +got):\n%s", diff)
				}
				if l := olderLink(t, second.Body); l != "" {
					t.Errorf("the last page links to %q", l)
				}
				mustContain(t, second.Body, `href="`+path+`" rel=first`)
			})
		}
		t.Run("exactly one page has no older link", func(t *testing.T) {
			other := a.createUser("thirty", "t@example.com", "pw")
			for i := range 30 {
				a.postAt(other, fmt.Sprintf("t%02d", i), t0.Add(time.Duration(i)*time.Second))
			}
			r := c.get("/thirty")
			if n := len(timeline(t, r.Body)); n != 30 {
				t.Errorf("%d messages", n)
			}
			if l := olderLink(t, r.Body); l != "" {
				t.Errorf("older link %q on the only page", l)
			}
		})
		t.Run("past the end", func(t *testing.T) {
			r := c.get("/public?before=0_1")
			wantStatus(t, r, 200)
			mustContain(t, r.Body, "There's no message so far.")
		})
		// A malformed cursor is a broken link, answered 400 rather than
		// silently showing the first page.
		for _, bad := range []string{"", "abc", "1_", "_1", "1_0", "1-2", "1_-5", "1_2_3", "9999999999999999999999_1"} {
			t.Run("bad cursor "+bad, func(t *testing.T) {
				r := c.get("/public?before=" + bad)
				wantStatus(t, r, http.StatusBadRequest)
				mustContain(t, r.Body, "That page link is not valid.")
			})
		}
	})
}
