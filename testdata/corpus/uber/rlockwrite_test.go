// Case: a cache lookup holds only the read lock but updates a hit counter: two readers write it at once.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package uber

import (
	"sync"
	"sync/atomic"
	"testing"
)

type statsCache struct {
	mu   sync.RWMutex
	vals map[string]int
	hits int
}

func (c *statsCache) get(k string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.hits++ // want race
	return c.vals[k]
}

type safeStatsCache struct {
	mu   sync.RWMutex
	vals map[string]int
	hits atomic.Int64
}

func (c *safeStatsCache) get(k string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.hits.Add(1)
	return c.vals[k]
}

func TestRaceRLockWrite(t *testing.T) {
	c := &statsCache{vals: map[string]int{"a": 1}}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.get("a")
		}()
	}
	wg.Wait()
}

func TestNoRaceRLockWrite(t *testing.T) {
	c := &safeStatsCache{vals: map[string]int{"a": 1}}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.get("a")
		}()
	}
	wg.Wait()
	if c.hits.Load() != 2 {
		t.Errorf("hits = %d", c.hits.Load())
	}
}
