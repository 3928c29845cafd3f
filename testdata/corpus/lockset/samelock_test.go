// Case: a counter written under mu by one goroutine and, after an unrelated critical section on mu, without it by another; this run orders them through mu, hiding the race from happens-before.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

type connTable struct {
	mu    sync.Mutex
	conns int // guarded by mu
	gen   int // guarded by mu
}

func TestRaceSameLock(t *testing.T) {
	c := new(connTable)
	c.conns = 1 // set up before any goroutine starts
	// The accept loop counts a connection under mu.
	sched.RunAlone(func() {
		c.mu.Lock()
		c.conns++ // want race
		c.mu.Unlock()
	})
	// A reset bumps the generation under mu, then clears the count after
	// unlocking. Had it run first, its write would race with the accept loop.
	sched.RunAlone(func() {
		c.mu.Lock()
		c.gen++
		c.mu.Unlock()
		c.conns = 0 // want race
	})
}

func TestNoRaceSameLock(t *testing.T) {
	c := new(connTable)
	c.conns = 1
	sched.RunAlone(func() {
		c.mu.Lock()
		c.conns++
		c.mu.Unlock()
	})
	sched.RunAlone(func() {
		c.mu.Lock()
		c.gen++
		c.conns = 0
		c.mu.Unlock()
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns != 0 || c.gen != 1 {
		t.Errorf("conns = %d, gen = %d", c.conns, c.gen)
	}
}
