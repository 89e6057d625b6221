package domain

import "errors"

// Domain errors. Stores translate driver errors into these; each service maps
// them to status codes in one place.
var (
	ErrNotFound      = errors.New("not found")
	ErrUsernameTaken = errors.New("the username is already taken")
	ErrFollowSelf    = errors.New("a user cannot follow themselves")
	ErrInvalid       = errors.New("invalid input")
	ErrUnavailable   = errors.New("dependency unavailable")
)
