// Case: a goroutine holds a Mutex while it sends on a channel whose only receiver must first take that Mutex: every goroutine blocks for good and the test hangs (until the runner's -test.timeout without a deadlock check).
// Classes: lockorder leak
// Deterministic: lockorder leak
// Timeout: 5s

package blocking

import (
	"sync"
	"testing"
)

// A hub counts its events under its lock and hands each to a consumer.
type hub struct {
	mu     sync.Mutex
	count  int
	events chan int
}

// consume reads the count under the hub's lock, then takes an event.
func (h *hub) consume(done chan<- int) {
	h.mu.Lock() // want deadlock "held by goroutine" deadlock "all goroutines are blocked"
	n := h.count
	h.mu.Unlock()
	done <- n + <-h.events
}

// The test's goroutine sends the event with the lock still held: the
// consumer waits for the lock, the sender for the consumer. Nothing can
// wake either; the test hangs.
func TestDeadlockLockedSend(t *testing.T) {
	h := &hub{events: make(chan int)}
	done := make(chan int)
	h.mu.Lock()
	h.count++
	go h.consume(done)
	h.events <- 1 // want deadlock "all goroutines are blocked" deadlock "test timed out"
	h.mu.Unlock()
	<-done
}

// The lock is released before the send.
func TestNoDeadlockLockedSend(t *testing.T) {
	h := &hub{events: make(chan int)}
	done := make(chan int)
	h.mu.Lock()
	h.count++
	h.mu.Unlock()
	go h.consume(done)
	h.events <- 1
	if n := <-done; n != 2 {
		t.Errorf("consumer got %d, want 2", n)
	}
}
