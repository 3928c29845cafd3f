// Case: two code paths take two locks in opposite orders; only one of them holds the gate lock that would serialise them.
// Classes: lockorder
// Deterministic: lockorder

package deadlock

import (
	"sync"
	"testing"
)

type shards struct {
	resize sync.Mutex // the gate: held by every path that takes two shard locks
	a, b   sync.Mutex
}

func (s *shards) moveAB() {
	s.resize.Lock()
	defer s.resize.Unlock()
	s.a.Lock()
	defer s.a.Unlock()
	s.b.Lock() // want deadlock "lock order cycle"
	defer s.b.Unlock()
}

// moveBA forgets the gate: it can run while moveAB holds a and waits for b.
func (s *shards) moveBA() {
	s.b.Lock()
	defer s.b.Unlock()
	s.a.Lock() // want deadlock "lock order cycle"
	defer s.a.Unlock()
}

func TestDeadlockGateLockMissing(t *testing.T) {
	s := new(shards)
	alone(s.moveAB)
	alone(s.moveBA)
}

func (s *shards) moveBAGated() {
	s.resize.Lock()
	defer s.resize.Unlock()
	s.b.Lock()
	defer s.b.Unlock()
	s.a.Lock()
	defer s.a.Unlock()
}

// With the gate held on both paths the opposite orders cannot interleave:
// a lock-order graph that knows gate locks reports nothing.
func TestNoDeadlockGateLockMissing(t *testing.T) {
	s := new(shards)
	alone(s.moveAB)
	alone(s.moveBAGated)
}
