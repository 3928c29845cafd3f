// Case: a cache size guarded by mu1 in one goroutine and by mu2 in another; this run orders the two through an unrelated stats mutex.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// runAloneInconsistent runs f on a new goroutine and returns once that
// goroutine has exited, found by polling runtime.NumGoroutine (no
// synchronisation): it fixes the order of the run as a lucky schedule
// would, adding no happens-before edge of its own.
func runAloneInconsistent(f func()) {
	n := runtime.NumGoroutine()
	go f()
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Microsecond)
	}
}

type sizedCache struct {
	size int
}

type cacheStats struct {
	mu      sync.Mutex
	inserts int
	evicts  int
}

func TestRaceInconsistent(t *testing.T) {
	var insertMu, evictMu sync.Mutex // two locks where one was meant
	var stats cacheStats
	c := &sizedCache{size: 1}
	runAloneInconsistent(func() {
		insertMu.Lock()
		c.size++ // want race
		insertMu.Unlock()
		stats.mu.Lock()
		stats.inserts++
		stats.mu.Unlock()
	})
	runAloneInconsistent(func() {
		stats.mu.Lock()
		stats.evicts++
		stats.mu.Unlock()
		evictMu.Lock()
		c.size-- // want race
		evictMu.Unlock()
	})
}

func TestNoRaceInconsistent(t *testing.T) {
	var sizeMu sync.Mutex
	var stats cacheStats
	c := &sizedCache{size: 1}
	runAloneInconsistent(func() {
		sizeMu.Lock()
		c.size++
		sizeMu.Unlock()
		stats.mu.Lock()
		stats.inserts++
		stats.mu.Unlock()
	})
	runAloneInconsistent(func() {
		stats.mu.Lock()
		stats.evicts++
		stats.mu.Unlock()
		sizeMu.Lock()
		c.size--
		sizeMu.Unlock()
	})
	sizeMu.Lock()
	defer sizeMu.Unlock()
	if c.size != 1 {
		t.Errorf("size = %d", c.size)
	}
}
