package followclient

import (
	"errors"
	"net/http"

	"minitwit/shared/domain"
)

// ErrorKind names a failure in the follower service's answers: the
// service writes it, the client reads it back into a domain error.
type ErrorKind string

// The kinds the follower service answers with.
const (
	KindNotFound   ErrorKind = "not_found"
	KindFollowSelf ErrorKind = "follow_self"
	KindBadRequest ErrorKind = "bad_request"
	KindInternal   ErrorKind = "internal"
	// KindUnauthorized: the caller did not present the shared token
	// (FOLLOWER_TOKEN); answered with 401.
	KindUnauthorized ErrorKind = "unauthorized"
	// KindUnavailable: the follower service cannot reach its database; the
	// caller answers 503 as for its own database.
	KindUnavailable ErrorKind = "unavailable"
)

// kinds is the one table between domain errors, kinds and status codes,
// read in both directions.
var kinds = []struct {
	err    error
	kind   ErrorKind
	status int
}{
	{domain.ErrNotFound, KindNotFound, http.StatusNotFound},
	{domain.ErrFollowSelf, KindFollowSelf, http.StatusBadRequest},
	{domain.ErrUnavailable, KindUnavailable, http.StatusServiceUnavailable},
}

// KindOf returns the kind and status code the service answers err with;
// errors it does not name are internal.
func KindOf(err error) (ErrorKind, int) {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.kind, k.status
		}
	}
	return KindInternal, http.StatusInternalServerError
}

// Err returns the domain error a kind stands for, nil for kinds that have
// none (bad_request, internal, unknown).
func (k ErrorKind) Err() error {
	for _, e := range kinds {
		if e.kind == k {
			return e.err
		}
	}
	return nil
}

// InternalError is the body of every answer to an unexpected failure.
var InternalError = ErrorBody{Kind: KindInternal, Message: "internal error"}
