package followclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
)

// TestKindsRoundTrip: what the service writes for a domain error, the
// client reads back as that error; the wire spelling stays as released.
func TestKindsRoundTrip(t *testing.T) {
	type result struct {
		Wire   string
		Status int
		Back   error
	}
	for _, tc := range []struct {
		err  error
		want result
	}{
		{domain.ErrNotFound, result{`{"kind":"not_found","message":"m"}`, http.StatusNotFound, domain.ErrNotFound}},
		{fmt.Errorf("wrapped: %w", domain.ErrFollowSelf), result{`{"kind":"follow_self","message":"m"}`, http.StatusBadRequest, domain.ErrFollowSelf}},
		{fmt.Errorf("%w: database: refused", domain.ErrUnavailable), result{`{"kind":"unavailable","message":"m"}`, http.StatusServiceUnavailable, domain.ErrUnavailable}},
		{errors.New("disk on fire"), result{`{"kind":"internal","message":"m"}`, http.StatusInternalServerError, nil}},
	} {
		kind, status := KindOf(tc.err)
		wire, err := json.Marshal(ErrorBody{Kind: kind, Message: "m"})
		if err != nil {
			t.Fatal(err)
		}
		var read ErrorBody
		if err := json.Unmarshal(wire, &read); err != nil {
			t.Fatal(err)
		}
		got := result{string(wire), status, read.Kind.Err()}
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.err, diff)
		}
	}
	if err := KindBadRequest.Err(); err != nil {
		t.Errorf("bad_request maps to %v, want no domain error", err)
	}
	if err := ErrorKind("from a newer server").Err(); err != nil {
		t.Errorf("an unknown kind maps to %v, want no domain error", err)
	}
}
