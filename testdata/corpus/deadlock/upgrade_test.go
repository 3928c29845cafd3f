// Case: a goroutine holding an RWMutex for reading calls Lock on it to upgrade: Lock waits for all readers, itself included, forever.
// Classes: lockorder leak
// Deterministic: lockorder leak

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type config struct {
	mu     sync.RWMutex
	values map[string]string
}

func (c *config) getOrDefault(key, def string) string {
	c.mu.RLock() // want deadlock "lock upgrade"
	defer c.mu.RUnlock()
	if v, ok := c.values[key]; ok {
		return v
	}
	c.mu.Lock() // want deadlock "lock upgrade" leak
	defer c.mu.Unlock()
	c.values[key] = def
	return def
}

func TestDeadlockLockUpgrade(t *testing.T) {
	c := &config{values: map[string]string{}}
	go c.getOrDefault("mode", "fast")
	sched.WaitBlocked(t, "(*config).getOrDefault", "sync.RWMutex.Lock")
}

func (c *config) getOrDefaultFixed(key, def string) string {
	c.mu.RLock()
	v, ok := c.values[key]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.values[key]; ok { // filled in while unlocked?
		return v
	}
	c.values[key] = def
	return def
}

func TestNoDeadlockLockUpgrade(t *testing.T) {
	c := &config{values: map[string]string{}}
	done := make(chan string)
	go func() { done <- c.getOrDefaultFixed("mode", "fast") }()
	if got := <-done; got != "fast" {
		t.Errorf("got %q, want fast", got)
	}
}
