// Case: check-then-act that unlocks between reading and writing a balance; this run orders it after the other goroutine's critical section, hiding the race from happens-before.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

type wallet struct {
	mu      sync.Mutex
	balance int
}

func TestRaceEarlyUnlock(t *testing.T) {
	w := new(wallet)
	w.balance = 100
	sched.RunAlone(func() {
		w.mu.Lock()
		w.balance += 10 // want race
		w.mu.Unlock()
	})
	sched.RunAlone(func() {
		w.mu.Lock()
		b := w.balance
		w.mu.Unlock() // released too early
		if b >= 50 {
			w.balance = b - 50 // want race
		}
	})
}

func TestNoRaceEarlyUnlock(t *testing.T) {
	w := new(wallet)
	w.balance = 100
	sched.RunAlone(func() {
		w.mu.Lock()
		w.balance += 10
		w.mu.Unlock()
	})
	sched.RunAlone(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if b := w.balance; b >= 50 {
			w.balance = b - 50
		}
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.balance != 60 {
		t.Errorf("balance = %d, want 60", w.balance)
	}
}
