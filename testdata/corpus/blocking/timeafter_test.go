// Case: a heartbeat goroutine waits in a select on time.After with no way to stop it, and outlives the test that started it.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"sync/atomic"
	"testing"
	"time"
)

// A session sends heartbeats while it is open. Closing it only sets a
// flag, which the heartbeat goroutine checks an hour later.
type session struct {
	closed atomic.Bool
	beats  chan struct{}
}

func (s *session) heartbeat(every time.Duration) {
	for !s.closed.Load() {
		select { // want leak
		case s.beats <- struct{}{}:
		case <-time.After(every):
		}
	}
}

func TestLeakTimeAfter(t *testing.T) {
	s := &session{beats: make(chan struct{})}
	go s.heartbeat(time.Hour)
	<-s.beats
	sched.WaitBlocked(t, "(*session).heartbeat", "select")
	s.closed.Store(true) // seen an hour from now
}

// heartbeatFixed selects on a done channel too, which closing closes.
func (s *session) heartbeatFixed(every time.Duration, done <-chan struct{}) {
	for {
		select {
		case s.beats <- struct{}{}:
		case <-time.After(every):
		case <-done:
			return
		}
	}
}

func TestNoLeakTimeAfter(t *testing.T) {
	s := &session{beats: make(chan struct{})}
	done := make(chan struct{})
	go s.heartbeatFixed(time.Hour, done)
	<-s.beats
	close(done)
	sched.WaitGone(t, "(*session).heartbeatFixed")
}
