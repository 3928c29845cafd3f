// Case: a cache size guarded by mu1 in one goroutine and by mu2 in another; this run orders the two through an unrelated stats mutex.
// Classes: lockset predictive
// Deterministic: lockset predictive
package lockset

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

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
	sched.RunAlone(func() {
		insertMu.Lock()
		c.size++ // want race
		insertMu.Unlock()
		stats.mu.Lock()
		stats.inserts++
		stats.mu.Unlock()
	})
	sched.RunAlone(func() {
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
	sched.RunAlone(func() {
		sizeMu.Lock()
		c.size++
		sizeMu.Unlock()
		stats.mu.Lock()
		stats.inserts++
		stats.mu.Unlock()
	})
	sched.RunAlone(func() {
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
