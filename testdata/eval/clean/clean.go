// Package clean counts hits under a mutex: no race.
package clean

import "sync"

// A Counter counts hits, safe for concurrent use.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Hit counts one hit.
func (c *Counter) Hit() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

// N is the hits counted.
func (c *Counter) N() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
