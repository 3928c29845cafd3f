// Case: a goroutine waits on a WaitGroup while it holds the Mutex its workers need before they call Done: a cycle through a lock and a WaitGroup that hangs the test.
// Classes: lockorder leak
// Deterministic: lockorder leak
// Timeout: 5s

package blocking

import (
	"sync"
	"testing"
)

// A cache refreshes its entries with one worker per key; each worker
// stores its result under the cache's lock.
type cache struct {
	mu      sync.Mutex
	entries map[string]int
}

func (c *cache) store(wg *sync.WaitGroup, key string) {
	defer wg.Done()
	c.mu.Lock() // want deadlock "held by goroutine" deadlock "all goroutines are blocked"
	c.entries[key] = len(key)
	c.mu.Unlock()
}

// refresh holds the lock for the whole refresh, workers included.
func (c *cache) refresh(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go c.store(&wg, k)
	}
	wg.Wait() // want deadlock "all goroutines are blocked" deadlock "test timed out"
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func TestDeadlockMutexWaitGroup(t *testing.T) {
	c := &cache{entries: map[string]int{}}
	c.refresh([]string{"a", "bb"})
	if n := c.len(); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}

// refreshFixed waits for the workers without the lock.
func (c *cache) refreshFixed(keys []string) {
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go c.store(&wg, k)
	}
	wg.Wait()
}

func TestNoDeadlockMutexWaitGroup(t *testing.T) {
	c := &cache{entries: map[string]int{}}
	c.refreshFixed([]string{"a", "bb"})
	if n := c.len(); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}
