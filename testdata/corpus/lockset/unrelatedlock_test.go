// Case: a field written under mu by one goroutine and with no lock by another; this run orders them only through an unrelated log mutex.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// runAloneUnrelated runs f on a new goroutine and returns once that goroutine
// has exited, found by polling runtime.NumGoroutine (no synchronisation):
// it fixes the order of the run as a lucky schedule would, adding no
// happens-before edge of its own.
func runAloneUnrelated(f func()) {
	n := runtime.NumGoroutine()
	go f()
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Microsecond)
	}
}

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
	runAloneUnrelated(func() {
		s.mu.Lock()
		s.state = "open" // want race
		s.mu.Unlock()
		log.mu.Lock()
		log.written++
		log.mu.Unlock()
	})
	runAloneUnrelated(func() {
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
	runAloneUnrelated(func() {
		s.mu.Lock()
		s.state = "open"
		s.mu.Unlock()
		log.mu.Lock()
		log.written++
		log.mu.Unlock()
	})
	runAloneUnrelated(func() {
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
