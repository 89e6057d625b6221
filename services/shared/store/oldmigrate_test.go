package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// A frozen copy of how version 1 was applied before the migrations became
// SQL files: GORM's AutoMigrate over the row structs as they were then.
// Databases in the field were made this way; the SQL files must give the
// same schema, and migrating such a database must change nothing.

type v1User struct {
	ID       int64  `gorm:"primaryKey"`
	Username string `gorm:"size:255;not null;uniqueIndex:idx_users_username"`
	Email    string `gorm:"size:255;not null"`
	PwHash   string `gorm:"size:255;not null"`
}

func (v1User) TableName() string { return "users" }

type v1Message struct {
	ID       int64  `gorm:"primaryKey;index:idx_messages_time,priority:2;index:idx_messages_author_time,priority:3"`
	AuthorID int64  `gorm:"not null;index:idx_messages_author_time,priority:1"`
	Text     string `gorm:"type:text;not null"`
	PubDate  int64  `gorm:"not null;index:idx_messages_time,priority:1;index:idx_messages_author_time,priority:2"`
	Flagged  bool   `gorm:"not null;default:false"`
}

func (v1Message) TableName() string { return "messages" }

type v1Follow struct {
	WhoID  int64 `gorm:"primaryKey;autoIncrement:false"`
	WhomID int64 `gorm:"primaryKey;autoIncrement:false;index:idx_follows_whom"`
}

func (v1Follow) TableName() string { return "follows" }

type v1Latest struct {
	ID    int   `gorm:"primaryKey;autoIncrement:false"`
	Value int64 `gorm:"not null"`
}

func (v1Latest) TableName() string { return "simulator_latest" }

type v1SchemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

func (v1SchemaMigration) TableName() string { return "schema_migrations" }

// createV1OldWay makes s's empty database a version-1 database the way
// the old migrate step did, with one row in each table.
func createV1OldWay(ctx context.Context, s *Store) error {
	db := s.db.WithContext(ctx)
	if err := db.AutoMigrate(&v1SchemaMigration{}); err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.AutoMigrate(&v1User{}, &v1Message{}, &v1Follow{}, &v1Latest{}); err != nil {
			return err
		}
		for _, row := range []any{
			&v1User{Username: "old", Email: "old@x", PwHash: "h"},
			&v1Message{AuthorID: 1, Text: "from before", PubDate: 1_600_000_000},
			&v1Follow{WhoID: 1, WhomID: 1},
			&v1Latest{ID: 1, Value: 42},
		} {
			if err := tx.Create(row).Error; err != nil {
				return err
			}
		}
		return tx.Create(&v1SchemaMigration{Version: 1, Name: "users, messages, follows, simulator_latest", AppliedAt: time.Now().UTC()}).Error
	})
}
