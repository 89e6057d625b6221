package store

import (
	"context"
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
	row := messageRow{AuthorID: authorID, Text: text, PubDate: at.Unix()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.Message{}, translate(err)
	}
	return domain.Message{ID: row.ID, AuthorID: authorID, Text: text, PubDate: time.Unix(row.PubDate, 0).UTC()}, nil
}

// PublicTimeline lists unflagged messages of everyone, newest first.
func (s *Store) PublicTimeline(ctx context.Context, p domain.Page) ([]domain.Message, error) {
	return s.timeline(ctx, p, nil)
}

// UserTimeline lists unflagged messages of one author, newest first.
func (s *Store) UserTimeline(ctx context.Context, authorID int64, p domain.Page) ([]domain.Message, error) {
	return s.timeline(ctx, p, func(q *gorm.DB) *gorm.DB {
		return q.Where("m.author_id = ?", authorID)
	})
}

// HomeTimeline lists unflagged messages of userID and of everyone they follow.
func (s *Store) HomeTimeline(ctx context.Context, userID int64, p domain.Page) ([]domain.Message, error) {
	return s.timeline(ctx, p, func(q *gorm.DB) *gorm.DB {
		return q.Where("(m.author_id = ? OR m.author_id IN (SELECT whom_id FROM follows WHERE who_id = ?))", userID, userID)
	})
}

// timeline pages by keyset on (pub_date, id), so page 1000 costs what page 1
// does: the index is entered at the cursor instead of skipping rows.
func (s *Store) timeline(ctx context.Context, p domain.Page, filter func(*gorm.DB) *gorm.DB) ([]domain.Message, error) {
	var rows []timelineRow
	err := s.read(ctx, func(db *gorm.DB) error {
		q := db.
			Table("messages AS m").
			Select("m.id, m.author_id, u.username, u.email, m.text, m.pub_date").
			Joins("JOIN users AS u ON u.id = m.author_id").
			Where("m.flagged = ?", false)
		if filter != nil {
			q = filter(q)
		}
		if p.Before != nil {
			// A row-value comparison, not "a < x OR (a = x AND b < y)": both
			// PostgreSQL and SQLite turn it into one index range start, where the
			// OR form made them scan from the top.
			q = q.Where("(m.pub_date, m.id) < (?, ?)", p.Before.PubDate, p.Before.ID)
		}
		rows = nil
		return q.Order("m.pub_date DESC").Order("m.id DESC").Limit(p.Limit).Scan(&rows).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	msgs := make([]domain.Message, len(rows))
	for i, r := range rows {
		msgs[i] = r.toDomain()
	}
	return msgs, nil
}
