package store

import (
	"fmt"

	"gorm.io/gorm"
)

// OnStatement calls fn with the SQL text of every statement the store sends
// from now on, after it ran. It is a hook for tests that count statements per
// request (the statement-count tests of the API and the web UI catch an N+1
// query that a table of answers would not); the services never call it.
// Every query of the store goes through GORM (Raw and Exec included), so the
// callbacks see them all. Call it before the store serves requests: GORM's
// callback registration is not safe against concurrent queries. With a
// read replica (UseReplica first), statements sent to it count too.
func (s *Store) OnStatement(fn func(sql string)) error {
	if err := onStatement(s.db, fn); err != nil {
		return err
	}
	if s.replica != nil {
		return onStatement(s.replica.db, fn)
	}
	return nil
}

func onStatement(db *gorm.DB, fn func(sql string)) error {
	name := fmt.Sprintf("minitwit:statement:%p", &fn) // unique per registration
	hook := func(tx *gorm.DB) { fn(tx.Statement.SQL.String()) }
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("*").Register(name, hook),
		cb.Query().After("*").Register(name, hook),
		cb.Update().After("*").Register(name, hook),
		cb.Delete().After("*").Register(name, hook),
		cb.Row().After("*").Register(name, hook),
		cb.Raw().After("*").Register(name, hook),
	} {
		if err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	return nil
}
