package store

import (
	"context"
	"time"

	"minitwit/shared/domain"
)

// SetFlagged hides (true) or shows again (false) message id in every
// timeline; domain.ErrNotFound when no message has that id.
func (s *Store) SetFlagged(ctx context.Context, id int64, flagged bool) error {
	return s.updateByID(ctx, &messageRow{}, id, "flagged", flagged)
}

// updateByID sets one column of the row with id; domain.ErrNotFound when
// there is none. Both engines count matched rows, so setting the value a
// row already has still reports one row.
func (s *Store) updateByID(ctx context.Context, model any, id int64, column string, value any) error {
	res := s.db.WithContext(ctx).Model(model).Where("id = ?", id).Update(column, value)
	if res.Error != nil {
		return translate(res.Error)
	}
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
