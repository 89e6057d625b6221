// Package domain holds MiniTwit's types and the interfaces that store and
// serve them. It imports no framework, so handlers, stores and clients can be
// swapped around it.
package domain

import (
	"context"
	"time"
)

// User is a registered account.
type User struct {
	ID       int64
	Username string
	Email    string
	PwHash   string
}

// Message is one post. PubDate is in UTC with second precision.
type Message struct {
	ID       int64
	AuthorID int64
	Author   string
	Email    string
	Text     string
	PubDate  time.Time
	Flagged  bool
}

// Cursor marks a position in a timeline for keyset paging: the next page holds
// messages strictly older than (PubDate, ID).
type Cursor struct {
	PubDate int64
	ID      int64
}

// Page asks for at most Limit messages older than Before (nil: the newest).
type Page struct {
	Limit  int
	Before *Cursor
}

// UserStore persists users.
type UserStore interface {
	// CreateUser stores a new user; ErrUsernameTaken when the name exists.
	CreateUser(ctx context.Context, u User) (User, error)
	// UserByName returns ErrNotFound for an unknown name; names are
	// compared in NFC, and one the database could not hold is unknown.
	UserByName(ctx context.Context, username string) (User, error)
	// UserByNameKey finds the user holding a name key (NameKey).
	UserByNameKey(ctx context.Context, key string) (User, error)
	// NameTaken tells whether a user has the name or the name key.
	NameTaken(ctx context.Context, name, key string) (bool, error)
	// UserByID returns ErrNotFound for an unknown id.
	UserByID(ctx context.Context, id int64) (User, error)
	// UpdatePasswordHash replaces a user's hash (legacy hashes are upgraded at sign-in).
	UpdatePasswordHash(ctx context.Context, id int64, hash string) error
}

// MessageStore persists messages and reads timelines. Flagged messages never
// appear in a timeline.
type MessageStore interface {
	// PostMessage stores a message by the given author at the given time.
	PostMessage(ctx context.Context, authorID int64, text string, at time.Time) (Message, error)
	// PublicTimeline lists everyone's messages, newest first.
	PublicTimeline(ctx context.Context, p Page) ([]Message, error)
	// UserTimeline lists one author's messages, newest first.
	UserTimeline(ctx context.Context, authorID int64, p Page) ([]Message, error)
	// HomeTimeline lists the messages of a user and of everyone they follow.
	HomeTimeline(ctx context.Context, userID int64, p Page) ([]Message, error)
}

// FollowService owns who-follows-whom. Users are named by username; an
// unknown name on either side is ErrNotFound.
type FollowService interface {
	// Follow is idempotent; following oneself is ErrFollowSelf.
	Follow(ctx context.Context, who, whom string) error
	// Unfollow is idempotent: unfollowing someone not followed succeeds.
	Unfollow(ctx context.Context, who, whom string) error
	// IsFollowing tells whether who follows whom.
	IsFollowing(ctx context.Context, who, whom string) (bool, error)
	// Following lists, at most limit, the usernames that who follows.
	Following(ctx context.Context, who string, limit int) ([]string, error)
}

// LatestStore keeps the id of the latest simulator action processed.
type LatestStore interface {
	// Latest returns -1 when nothing was stored yet.
	Latest(ctx context.Context) (int64, error)
	SetLatest(ctx context.Context, id int64) error
}

// Pinger reports whether a dependency can be reached.
type Pinger interface {
	Ping(ctx context.Context) error
}
