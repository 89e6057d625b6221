package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// timelineRow is one message joined with its author.
type timelineRow struct {
	ID       int64
	AuthorID int64
	Username string
	Email    string
	Text     string
	PubDate  int64
}

func (r timelineRow) toDomain() domain.Message {
	return domain.Message{
		ID: r.ID, AuthorID: r.AuthorID, Author: r.Username, Email: r.Email,
		Text: r.Text, PubDate: time.Unix(r.PubDate, 0).UTC(),
	}
}

// PostMessage stores a message by authorID at time at (second precision).
func (s *Store) PostMessage(ctx context.Context, authorID int64, text string, at time.Time) (domain.Message, error) {
	m := domain.Message{AuthorID: authorID, Text: text, PubDate: time.Unix(at.Unix(), 0).UTC()}
	err := scanOne(s.db.WithContext(ctx), `INSERT INTO messages (author_id, text, pub_date) VALUES (@author, @text, @at) RETURNING id`,
		map[string]any{"author": authorID, "text": text, "at": at.Unix()}, &m.ID)
	return m, err
}

// PublicTimeline lists unflagged messages of everyone, newest first.
func (s *Store) PublicTimeline(ctx context.Context, p domain.Page) ([]domain.Message, error) {
	return s.timeline(ctx, p, publicSQL, 0)
}

// UserTimeline lists unflagged messages of one author, newest first.
func (s *Store) UserTimeline(ctx context.Context, authorID int64, p domain.Page) ([]domain.Message, error) {
	return s.timeline(ctx, p, authorSQL, authorID)
}

// HomeTimeline lists unflagged messages of userID and of everyone they follow.
func (s *Store) HomeTimeline(ctx context.Context, userID int64, p domain.Page) ([]domain.Message, error) {
	q := homeSQL
	if s.dialect == "postgres" {
		q = homeSQLPostgres
	}
	return s.timeline(ctx, p, q, userID)
}

// The timelines are one statement each, written out rather than built by
// GORM's query builder (which cost more CPU than PostgreSQL's own work on
// these), reading indexes over unflagged messages only (migration 2).
// "NOT m.flagged" is literal SQL, never a bound parameter, so a cached
// generic plan still matches the partial indexes.
//
// %[1]s is the keyset condition of the page (see timeline), %[2]d the page
// size, written into the SQL: with a bound LIMIT, PostgreSQL's cached
// generic plan guessed 200 rows and joined them to a hash of every user
// (200 ms on 100,000 users); a literal one keeps the nested loops. Page
// sizes are few (the web's one, the API's default), so the statement cache
// holds one plan per size. @uid is the author or the reader.
//
// The public and user timelines read the page straight off the index with
// their rows. The home timeline first picks the page's message ids from the
// index alone (homeKeys), then fetches those rows and their authors.
const (
	timelineColumns = `SELECT m.id, m.author_id, u.username, u.email, m.text, m.pub_date
		FROM messages AS m JOIN users AS u ON u.id = m.author_id`
	publicSQL = timelineColumns + ` WHERE NOT m.flagged%[1]s
		ORDER BY m.pub_date DESC, m.id DESC LIMIT %[2]d`
	authorSQL = timelineColumns + ` WHERE NOT m.flagged AND m.author_id = @uid%[1]s
		ORDER BY m.pub_date DESC, m.id DESC LIMIT %[2]d`
	homeSQL = timelineColumns + ` WHERE m.id IN (` + homeKeys + `) ORDER BY m.pub_date DESC, m.id DESC`
	// = ANY (ARRAY(...)) rather than IN: the page's ids become one value
	// computed first, and the rows are fetched by primary key; with IN, on
	// a small table PostgreSQL chose to scan every message and hash-join.
	homeSQLPostgres = timelineColumns + ` WHERE m.id = ANY (ARRAY(` + homeKeysPostgres + `)) ORDER BY m.pub_date DESC, m.id DESC`
	// homeKeys walks the newest unflagged messages of everyone and keeps
	// those of the user or a followee: SQLite's form, and PostgreSQL's for
	// a user who follows many (see homeKeysPostgres).
	homeKeys = `SELECT m.id FROM messages AS m WHERE NOT m.flagged
		AND (m.author_id = @uid OR m.author_id IN (SELECT f.whom_id FROM follows AS f WHERE f.who_id = @uid))%[1]s
		ORDER BY m.pub_date DESC, m.id DESC LIMIT %[2]d`
	// homeKeysPostgres picks one of two plans in one statement, by whether
	// the user follows at least homeFanOutLimit users (counted no further;
	// both branches are gated by an InitPlan, so only one runs):
	//   - following at least homeFanOutLimit: walk the newest messages of
	//     everyone (an index-only scan of idx_messages_time_unflagged, whose
	//     author_id lets it test the follow set without touching rows)
	//     until a page of matches is found; the more one follows, the
	//     sooner. 2,000 followees on 5,000,000 messages: about 700 index
	//     entries, 25 pages.
	//   - fewer: take each followee's newest page from
	//     idx_messages_author_unflagged and merge them. A user following a
	//     handful of quiet accounts would otherwise walk the whole table.
	homeKeysPostgres = `SELECT k.id FROM (
		(SELECT m.id, m.pub_date FROM messages AS m WHERE NOT m.flagged
			AND (m.author_id = @uid OR m.author_id IN (SELECT f.whom_id FROM follows AS f WHERE f.who_id = @uid))%[1]s
			AND (SELECT count(*) FROM (SELECT 1 FROM follows AS c WHERE c.who_id = @uid LIMIT ` + homeFanOutLimit + `) AS c) >= ` + homeFanOutLimit + `
			ORDER BY m.pub_date DESC, m.id DESC LIMIT %[2]d)
		UNION ALL
		(SELECT m.id, m.pub_date
			FROM (SELECT CAST(@uid AS bigint) AS author_id UNION ALL SELECT f.whom_id FROM follows AS f WHERE f.who_id = @uid) AS a
			CROSS JOIN LATERAL (SELECT m.id, m.pub_date FROM messages AS m
				WHERE NOT m.flagged AND m.author_id = a.author_id%[1]s
				ORDER BY m.pub_date DESC, m.id DESC LIMIT %[2]d) AS m
			WHERE (SELECT count(*) FROM (SELECT 1 FROM follows AS c WHERE c.who_id = @uid LIMIT ` + homeFanOutLimit + `) AS c) < ` + homeFanOutLimit + `
			ORDER BY m.pub_date DESC, m.id DESC LIMIT %[2]d)
	) AS k`
	// homeFanOutLimit is where walking everyone's messages becomes cheaper
	// than merging per-followee pages (measured on the 5,000,000-message
	// dataset: at 100 followees the merge reads about 400 index pages).
	homeFanOutLimit = "100"
)

// timeline runs query for page p and returns the messages, newest first.
// Pages are keyset-paged on (pub_date, id), so page 1000 costs what page 1
// does: the index is entered at the cursor instead of skipping rows.
func (s *Store) timeline(ctx context.Context, p domain.Page, query string, uid int64) ([]domain.Message, error) {
	args := map[string]any{"uid": uid}
	cursor := ""
	if p.Before != nil {
		// A row-value comparison, not "a < x OR (a = x AND b < y)": both
		// PostgreSQL and SQLite turn it into one index range start, where
		// the OR form made them scan from the top.
		cursor = " AND (m.pub_date, m.id) < (@before_date, @before_id)"
		args["before_date"], args["before_id"] = p.Before.PubDate, p.Before.ID
	}
	q := fmt.Sprintf(query, cursor, p.Limit)
	vars := []any{args}
	if !strings.Contains(q, "@") {
		vars = nil // GORM takes a map for a statement without names as a positional value
	}
	var msgs []domain.Message
	err := s.read(ctx, func(db *gorm.DB) error {
		rows, err := db.Raw(q, vars...).Rows()
		if err != nil {
			return err
		}
		// Scanned by hand: GORM's reflective Scan into row structs was
		// over half of the service's CPU on a 100-message page.
		msgs = make([]domain.Message, 0, min(p.Limit, 128))
		var r timelineRow
		for rows.Next() {
			if err := rows.Scan(&r.ID, &r.AuthorID, &r.Username, &r.Email, &r.Text, &r.PubDate); err != nil {
				_ = rows.Close()
				return err
			}
			msgs = append(msgs, r.toDomain())
		}
		if err := rows.Err(); err != nil {
			_ = rows.Close()
			return err
		}
		return rows.Close()
	})
	if err != nil {
		return nil, markLost(translate(err))
	}
	return msgs, nil
}
