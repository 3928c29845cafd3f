// Case: a field written under mu by one goroutine and with no lock by another; this run orders them only through an unrelated log mutex.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

type eventLog struct {
	mu      sync.Mutex
	written int
	flushed int
}

type session struct {
	mu    sync.Mutex
	state string // guarded by mu
}

func TestRaceUnrelatedLock(t *testing.T) {
	var log eventLog
	s := new(session)
	s.state = "new"
	sched.RunAlone(func() {
		s.mu.Lock()
		s.state = "open" // want race
		s.mu.Unlock()
		log.mu.Lock()
		log.written++
		log.mu.Unlock()
	})
	sched.RunAlone(func() {
		log.mu.Lock()
		log.flushed++
		log.mu.Unlock()
		s.state = "closed" // want race
	})
}

func TestNoRaceUnrelatedLock(t *testing.T) {
	var log eventLog
	s := new(session)
	s.state = "new"
	sched.RunAlone(func() {
		s.mu.Lock()
		s.state = "open"
		s.mu.Unlock()
		log.mu.Lock()
		log.written++
		log.mu.Unlock()
	})
	sched.RunAlone(func() {
		log.mu.Lock()
		log.flushed++
		log.mu.Unlock()
		s.mu.Lock()
		s.state = "closed"
		s.mu.Unlock()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != "closed" {
		t.Errorf("state = %q", s.state)
	}
}
