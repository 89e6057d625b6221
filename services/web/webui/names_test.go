package webui_test

import (
	"net/http"
	"testing"

	"minitwit/shared/storetest"
)

// User pages and follow links for names no user can have (bytes that are
// not UTF-8, NUL) are the 404 of an unknown user on both engines, never a
// 500 from PostgreSQL refusing the lookup; a decomposed spelling of a
// stored name finds it.
func TestImpossibleNamesAreUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("viewer")
		a.createUser("Zoë", "z@example.com", "zoe-password")
		for _, path := range []string{"/a%ffb", "/a%00b", "/a%ffb/follow", "/a%00b/unfollow"} {
			if path == "/a%ffb" || path == "/a%00b" {
				wantStatus(t, c.get(path), http.StatusNotFound)
				wantStatus(t, a.client().get(path), http.StatusNotFound)
				continue
			}
			wantStatus(t, c.do(http.MethodPost, path, nil, nil), http.StatusNotFound)
		}
		wantStatus(t, c.get("/Zoe%CC%88"), http.StatusOK)
	})
}
