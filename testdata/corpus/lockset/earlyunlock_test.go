// Case: check-then-act that unlocks between reading and writing a balance; this run orders it after the other goroutine's critical section, hiding the race from happens-before.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// runAloneEarly runs f on a new goroutine and returns once that goroutine has
// exited, found by polling runtime.NumGoroutine (no synchronisation): it
// fixes the order of the run as a lucky schedule would, adding no
// happens-before edge of its own.
func runAloneEarly(f func()) {
	n := runtime.NumGoroutine()
	go f()
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Microsecond)
	}
}

type wallet struct {
	mu      sync.Mutex
	balance int
}

func TestRaceEarlyUnlock(t *testing.T) {
	w := new(wallet)
	w.balance = 100
	runAloneEarly(func() {
		w.mu.Lock()
		w.balance += 10 // want race
		w.mu.Unlock()
	})
	runAloneEarly(func() {
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
	runAloneEarly(func() {
		w.mu.Lock()
		w.balance += 10
		w.mu.Unlock()
	})
	runAloneEarly(func() {
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
