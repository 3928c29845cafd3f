// Case: a stats recorder uses TryLock to avoid waiting but updates the sum whether or not it got the lock; a flush holding the lock races with it.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"sync/atomic"
	"testing"
)

type recorder struct {
	mu      sync.Mutex
	sum     int
	pending atomic.Int64 // used by the fixed methods only
}

// add takes the lock if it is free, and writes the sum either way.
func (s *recorder) add(v int) {
	if s.mu.TryLock() {
		defer s.mu.Unlock()
	}
	s.sum += v // want race
}

// flush hands the sum to a slow sink while holding the lock.
func (s *recorder) flush(out chan<- int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum int
	sum, s.sum = s.sum, 0 // want race
	out <- sum
}

func TestRaceTryLockFallthrough(t *testing.T) {
	s := new(recorder)
	out := make(chan int)
	go s.flush(out)
	sched.WaitBlocked(t, "(*recorder).flush", "chan send") // it holds the lock
	s.add(5)                                               // TryLock fails
	t.Logf("flushed %d", <-out)
}

// addNoWait never waits either: when the lock is busy it parks the value
// in an atomic that the next holder of the lock folds in.
func (s *recorder) addNoWait(v int) {
	if s.mu.TryLock() {
		defer s.mu.Unlock()
		s.sum += v + int(s.pending.Swap(0))
		return
	}
	s.pending.Add(int64(v))
}

func (s *recorder) flushFolded(out chan<- int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := s.sum + int(s.pending.Swap(0))
	s.sum = 0
	out <- sum
}

func TestNoRaceTryLockFallthrough(t *testing.T) {
	s := new(recorder)
	out := make(chan int)
	go s.flushFolded(out)
	sched.WaitBlocked(t, "(*recorder).flushFolded", "chan send")
	s.addNoWait(5)
	total := <-out
	go s.flushFolded(out)
	total += <-out
	if total != 5 {
		t.Errorf("flushed %d in all, want 5", total)
	}
}
