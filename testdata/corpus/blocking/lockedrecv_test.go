// Case: a client holds its Mutex while it waits for a reply, and the server must take that Mutex before it replies: every goroutine blocks and the test hangs.
// Classes: lockorder leak
// Deterministic: lockorder leak
// Timeout: 5s

package blocking

import (
	"sync"
	"testing"
)

// A client numbers its requests under its lock; the server reads the
// client's sequence number under the same lock before replying.
type client struct {
	mu       sync.Mutex
	seq      int
	requests chan chan int
}

func (c *client) serve() {
	for reply := range c.requests {
		c.mu.Lock() // want deadlock "held by goroutine" deadlock "all goroutines are blocked"
		n := c.seq
		c.mu.Unlock()
		reply <- n
	}
}

// call waits for the reply with the lock held.
func (c *client) call() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	reply := make(chan int)
	c.requests <- reply
	return <-reply // want deadlock "all goroutines are blocked" deadlock "test timed out"
}

func TestDeadlockLockedReceive(t *testing.T) {
	c := &client{requests: make(chan chan int)}
	go c.serve()
	if n := c.call(); n != 1 {
		t.Errorf("call = %d, want 1", n)
	}
	close(c.requests)
}

// callFixed releases the lock before it waits.
func (c *client) callFixed() int {
	c.mu.Lock()
	c.seq++
	c.mu.Unlock()
	reply := make(chan int)
	c.requests <- reply
	return <-reply
}

func TestNoDeadlockLockedReceive(t *testing.T) {
	c := &client{requests: make(chan chan int)}
	go c.serve()
	if n := c.callFixed(); n != 1 {
		t.Errorf("callFixed = %d, want 1", n)
	}
	close(c.requests)
}
