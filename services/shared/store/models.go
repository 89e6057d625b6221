package store

// Row structs: the database shape. They are converted explicitly to domain
// types and never leave this package.

type userRow struct {
	ID       int64  `gorm:"primaryKey"`
	Username string `gorm:"size:255;not null;uniqueIndex:idx_users_username"`
	Email    string `gorm:"size:255;not null"`
	PwHash   string `gorm:"size:255;not null"`
	// Added by migration 3 (see its file): '' means unset.
	NameKey       string `gorm:"size:255;not null;default:''"`
	TotpSecret    string `gorm:"size:64;not null;default:''"`
	TotpLastStep  int64  `gorm:"not null;default:0"`
	RecoveryCodes string `gorm:"type:text;not null;default:''"`
}

func (userRow) TableName() string { return "users" }

// messageRow is indexed for the three timelines: public (pub_date, id), one
// author's (author_id, pub_date, id); the home timeline uses both.
type messageRow struct {
	ID       int64  `gorm:"primaryKey;index:idx_messages_time,priority:2;index:idx_messages_author_time,priority:3"`
	AuthorID int64  `gorm:"not null;index:idx_messages_author_time,priority:1"`
	Text     string `gorm:"type:text;not null"`
	PubDate  int64  `gorm:"not null;index:idx_messages_time,priority:1;index:idx_messages_author_time,priority:2"`
	Flagged  bool   `gorm:"not null;default:false"`
}

func (messageRow) TableName() string { return "messages" }

// followRow: the pair is the primary key; whom_id is indexed for "who follows me".
type followRow struct {
	WhoID  int64 `gorm:"primaryKey;autoIncrement:false"`
	WhomID int64 `gorm:"primaryKey;autoIncrement:false;index:idx_follows_whom"`
}

func (followRow) TableName() string { return "follows" }

// latestRow holds the single simulator "latest" value under id 1.
type latestRow struct {
	ID    int   `gorm:"primaryKey;autoIncrement:false"`
	Value int64 `gorm:"not null"`
}

func (latestRow) TableName() string { return "simulator_latest" }

// sessionRow is one signed-in browser (migration 3): the SHA-256 of the
// cookie's token, never the token itself.
type sessionRow struct {
	TokenHash string `gorm:"primaryKey;size:64"`
	UserID    int64  `gorm:"not null;index:idx_sessions_user"`
	CreatedAt int64  `gorm:"not null;autoCreateTime:false"`
	ExpiresAt int64  `gorm:"not null;index:idx_sessions_expires"`
}

func (sessionRow) TableName() string { return "sessions" }

// throttleRow counts failed sign-ins for one key (migration 3).
type throttleRow struct {
	Key          string `gorm:"primaryKey;size:320"`
	Failures     int64  `gorm:"not null;default:0"`
	LastFailure  int64  `gorm:"not null;default:0"`
	BlockedUntil int64  `gorm:"not null;default:0"`
}

func (throttleRow) TableName() string { return "sign_in_throttle" }
