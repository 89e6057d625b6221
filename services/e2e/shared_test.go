package e2e

import "testing"

// Outliving is a testing.TB whose failures belong to the running (sub)test
// but whose cleanups, temporary directories and late logs belong to Owner:
// for processes that outlive the subtest starting them.
type Outliving struct {
	testing.TB
	Owner testing.TB
}

func (o Outliving) Cleanup(f func())           { o.Owner.Cleanup(f) }
func (o Outliving) TempDir() string            { return o.Owner.TempDir() }
func (o Outliving) Log(args ...any)            { o.Owner.Log(args...) }
func (o Outliving) Logf(f string, args ...any) { o.Owner.Logf(f, args...) }

// Failed is asked by cleanups (to print logs): any failed check of the
// owner counts.
func (o Outliving) Failed() bool { return o.Owner.Failed() }

// Shared starts an expensive setup for the first subtest that asks for it
// and keeps it until Parent ends, so `-run` of a check that needs none
// starts nothing. A setup that failed is not tried again.
type Shared[T any] struct {
	Parent *testing.T
	Start  func(t testing.TB) T
	value  T
	state  int // 0 not tried, 1 started, 2 failed
}

// Get returns the setup, starting it on behalf of t the first time.
func (s *Shared[T]) Get(t *testing.T) T {
	t.Helper()
	switch s.state {
	case 1:
		return s.value
	case 2:
		t.Fatal("the shared setup did not start (see the first check that needed it)")
	}
	s.state = 2
	s.value = s.Start(Outliving{TB: t, Owner: s.Parent})
	s.state = 1
	return s.value
}
