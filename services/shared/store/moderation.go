package store

import (
	"context"
	"time"

	"minitwit/shared/domain"
)

// SetFlagged hides (true) or shows again (false) message id in every
// timeline; domain.ErrNotFound when no message has that id.
func (s *Store) SetFlagged(ctx context.Context, id int64, flagged bool) error {
	res := s.db.WithContext(ctx).Model(&messageRow{}).Where("id = ?", id).Update("flagged", flagged)
	if res.Error != nil {
		return translate(res.Error)
	}
	// Both engines count matched rows, so setting the value it already has
	// still reports one row.
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// MessagesByAuthor lists at most limit messages of username, newest first,
// flagged ones included and marked: what a moderator needs to review a user.
func (s *Store) MessagesByAuthor(ctx context.Context, username string, limit int) ([]domain.Message, error) {
	u, err := s.UserByName(ctx, username)
	if err != nil {
		return nil, err
	}
	var rows []messageRow
	err = s.db.WithContext(ctx).Where("author_id = ?", u.ID).
		Order("pub_date DESC").Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	msgs := make([]domain.Message, len(rows))
	for i, r := range rows {
		msgs[i] = domain.Message{
			ID: r.ID, AuthorID: r.AuthorID, Author: u.Username, Email: u.Email,
			Text: r.Text, PubDate: time.Unix(r.PubDate, 0).UTC(), Flagged: r.Flagged,
		}
	}
	return msgs, nil
}
