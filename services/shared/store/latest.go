package store

import (
	"context"

	"gorm.io/gorm/clause"

	"minitwit/shared/domain"
)

// Latest returns the stored simulator action id, -1 if none.
func (s *Store) Latest(ctx context.Context) (int64, error) {
	var rows []latestRow
	if err := s.db.WithContext(ctx).Where("id = 1").Limit(1).Find(&rows).Error; err != nil {
		return 0, translate(err)
	}
	if len(rows) == 0 {
		return -1, nil
	}
	return rows[0].Value, nil
}

// SetLatest stores id as the latest processed simulator action.
func (s *Store) SetLatest(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"value"}),
	}).Create(&latestRow{ID: 1, Value: id}).Error
	return translate(err)
}

var (
	_ domain.UserStore     = (*Store)(nil)
	_ domain.MessageStore  = (*Store)(nil)
	_ domain.FollowService = (*Store)(nil)
	_ domain.LatestStore   = (*Store)(nil)
)
