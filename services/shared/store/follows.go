package store

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"minitwit/shared/domain"
)

// userIDs resolves both names in one query; domain.ErrNotFound if either is unknown.
func (s *Store) userIDs(ctx context.Context, who, whom string) (int64, int64, error) {
	var rows []userRow
	err := s.db.WithContext(ctx).Select("id", "username").
		Where("username IN ?", []string{who, whom}).Find(&rows).Error
	if err != nil {
		return 0, 0, translate(err)
	}
	var whoID, whomID int64
	for _, r := range rows {
		if r.Username == who {
			whoID = r.ID
		}
		if r.Username == whom {
			whomID = r.ID
		}
	}
	if whoID == 0 || whomID == 0 {
		return 0, 0, domain.ErrNotFound
	}
	return whoID, whomID, nil
}

// Follow makes who follow whom; following twice is not an error.
func (s *Store) Follow(ctx context.Context, who, whom string) error {
	whoID, whomID, err := s.userIDs(ctx, who, whom)
	if err != nil {
		return err
	}
	if whoID == whomID {
		return domain.ErrFollowSelf
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&followRow{WhoID: whoID, WhomID: whomID}).Error
	return translate(err)
}

// Unfollow removes the pair if present.
func (s *Store) Unfollow(ctx context.Context, who, whom string) error {
	whoID, whomID, err := s.userIDs(ctx, who, whom)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Where("who_id = ? AND whom_id = ?", whoID, whomID).Delete(&followRow{}).Error
	return translate(err)
}

// IsFollowing tells whether who follows whom.
func (s *Store) IsFollowing(ctx context.Context, who, whom string) (bool, error) {
	whoID, whomID, err := s.userIDs(ctx, who, whom)
	if err != nil {
		return false, err
	}
	var n int64
	err = s.db.WithContext(ctx).Model(&followRow{}).
		Where("who_id = ? AND whom_id = ?", whoID, whomID).Limit(1).Count(&n).Error
	return n > 0, translate(err)
}

// Following lists at most limit usernames that who follows, by name.
func (s *Store) Following(ctx context.Context, who string, limit int) ([]string, error) {
	var names []string
	err := s.read(ctx, func(db *gorm.DB) error {
		var u userRow
		if err := db.Select("id").Where("username = ?", who).Take(&u).Error; err != nil {
			return translate(err)
		}
		names = nil
		return translate(db.Table("follows AS f").
			Select("u.username").
			Joins("JOIN users AS u ON u.id = f.whom_id").
			Where("f.who_id = ?", u.ID).
			Order("u.username").Limit(limit).
			Pluck("u.username", &names).Error)
	})
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}
