// Case: a map in a struct guarded by an RWMutex is filled in under RLock (a get-or-compute cache); readers do not exclude each other.
// Classes: hb lockset
// Deterministic: hb lockset

package maps

import (
	"sync"
	"testing"
)

type lenCache struct {
	mu sync.RWMutex
	m  map[string]int
}

// get is the pattern of Uber's study of Go data races: the read lock is
// taken for the lookup and kept for the insert of a missing entry. Two
// readers hold the lock together, so the inserts race with each other and
// with the lookups. Every racing pair involves an insert.
func (c *lenCache) get(key string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n, ok := c.m[key]; ok {
		return n
	}
	n := len(key)
	c.m[key] = n // want race
	return n
}

func TestRaceMapWriteUnderRLock(t *testing.T) {
	c := &lenCache{m: make(map[string]int)}
	var wg sync.WaitGroup
	for _, key := range []string{"alpha", "beta"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.get(key) != len(key) {
				t.Errorf("get(%q) is wrong", key)
			}
		}()
	}
	wg.Wait()
}

// The fix upgrades properly: drop the read lock, take the write lock, and
// look again, since another writer may have filled the entry meanwhile.
func (c *lenCache) getFixed(key string) int {
	c.mu.RLock()
	n, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.m[key]; ok {
		return n
	}
	n = len(key)
	c.m[key] = n
	return n
}

func TestNoRaceMapWriteUnderRLock(t *testing.T) {
	c := &lenCache{m: make(map[string]int)}
	var wg sync.WaitGroup
	for _, key := range []string{"alpha", "beta"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.getFixed(key) != len(key) {
				t.Errorf("getFixed(%q) is wrong", key)
			}
		}()
	}
	wg.Wait()
}
