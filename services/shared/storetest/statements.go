package storetest

import "sync"

// StatementLog records the SQL statements a store sends, for the tests that
// count statements per request: register Add with store.OnStatement.
type StatementLog struct {
	mu   sync.Mutex
	stmt []string
}

// Add records one statement.
func (l *StatementLog) Add(sql string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stmt = append(l.stmt, sql)
}

// Take returns the statements since the last Take and forgets them.
func (l *StatementLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stmt
	l.stmt = nil
	return s
}
