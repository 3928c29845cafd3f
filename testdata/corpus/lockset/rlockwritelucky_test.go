// Case: a stats counter written under an RWMutex's read lock and read by another reader; this run orders them through an unrelated writer's critical section.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

type routeTable struct {
	mu      sync.RWMutex
	routes  int
	lookups int
}

func TestRaceRLockWriteLucky(t *testing.T) {
	r := new(routeTable)
	// A reader checks the lookup count under the read lock.
	sched.RunAlone(func() {
		r.mu.RLock()
		if n := r.lookups; n < 0 { // want race
			panic("negative lookup count")
		}
		r.mu.RUnlock()
	})
	// A writer updates the routes: its critical section orders the reader
	// before the next lookup in this run.
	sched.RunAlone(func() {
		r.mu.Lock()
		r.routes++
		r.mu.Unlock()
	})
	// A lookup counts itself holding only the read lock: it could run
	// alongside the reader above.
	sched.RunAlone(func() {
		r.mu.RLock()
		r.lookups++ // want race
		r.mu.RUnlock()
	})
}

func TestNoRaceRLockWriteLucky(t *testing.T) {
	r := new(routeTable)
	sched.RunAlone(func() {
		r.mu.RLock()
		if n := r.lookups; n < 0 {
			panic("negative lookup count")
		}
		r.mu.RUnlock()
	})
	sched.RunAlone(func() {
		r.mu.Lock()
		r.routes++
		r.mu.Unlock()
	})
	sched.RunAlone(func() {
		r.mu.Lock() // a write takes the write lock
		r.lookups++
		r.mu.Unlock()
	})
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.lookups != 1 || r.routes != 1 {
		t.Errorf("lookups = %d, routes = %d", r.lookups, r.routes)
	}
}
