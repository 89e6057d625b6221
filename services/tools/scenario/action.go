// Package scenario holds the simulator scenario file format shared by
// cmd/scenariogen, which writes scenarios, and cmd/replay, which sends them to
// the API. The format is documented in docs/replay.md.
package scenario

import (
	"fmt"
	"time"
)

// Kind is the action type named in the fourth field of a scenario line.
type Kind string

// The four actions the simulator performs.
const (
	Register Kind = "register"
	Tweet    Kind = "tweet"
	Follow   Kind = "follow"
	Unfollow Kind = "unfollow"
)

// Kinds lists every action type in the order reports print them.
var Kinds = []Kind{Register, Tweet, Follow, Unfollow}

// fieldCount is the number of tab-separated fields a line of each kind has:
// id, delay, timestamp, action, username, then the kind's own fields.
var fieldCount = map[Kind]int{
	Register: 7, // email, password
	Tweet:    6, // text
	Follow:   6, // other user
	Unfollow: 6, // other user
}

// Valid reports whether k is one of the four known actions.
func (k Kind) Valid() bool {
	_, ok := fieldCount[k]
	return ok
}

// Action is one line of a scenario. Only the fields that belong to Kind are
// meaningful: Email and Password for Register, Text for Tweet, Other for
// Follow and Unfollow.
type Action struct {
	// ID is sent as the latest parameter; ids in a file strictly increase.
	ID int64
	// Delay is the pause before the action is sent.
	Delay time.Duration
	// Time is when the action happened in the recorded scenario. It is
	// informational: the API stamps messages with its own clock.
	Time     time.Time
	Kind     Kind
	Username string
	Email    string
	Password string
	Text     string
	Other    string
}

// fields returns the kind-specific trailing fields, in file order.
func (a Action) fields() ([]string, error) {
	switch a.Kind {
	case Register:
		return []string{a.Email, a.Password}, nil
	case Tweet:
		return []string{a.Text}, nil
	case Follow, Unfollow:
		return []string{a.Other}, nil
	}
	return nil, fmt.Errorf("unknown action %q (want register, tweet, follow or unfollow)", string(a.Kind))
}
