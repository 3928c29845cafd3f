// Case: a client holds its Mutex while it waits on an empty buffered channel for a reply whose only sender, the server, first takes that Mutex; this run does not hang (the server read under the Mutex before the client locked it), the other order does.
// Classes: lockorder
// Deterministic: lockorder

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A quoteSession keeps a price under its lock; its server reads the
// price, then posts a quote on a channel with room for one.
type quoteSession struct {
	mu     sync.Mutex
	price  int
	quotes chan int
}

// serve posts the quote once the client waits for it (seen in a
// goroutine dump, which adds no synchronisation).
func (s *quoteSession) serve(t *testing.T, client string) {
	s.mu.Lock() // want deadlock "lock and channel cycle"
	p := s.price
	s.mu.Unlock()
	sched.WaitBlocked(t, client, "chan receive")
	s.quotes <- p + 1
}

// await waits for the quote with the lock held.
func (s *quoteSession) await() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return <-s.quotes // want deadlock "lock and channel cycle"
}

// The server has read the price before the client locks, and the client
// waits on the empty buffer for the quote: the run does not hang. Had
// the client locked first, it would wait for the quote with the lock
// held, and the server for the lock.
func TestDeadlockPredictedBufferedReceive(t *testing.T) {
	s := &quoteSession{price: 41, quotes: make(chan int, 1)}
	go s.serve(t, "(*quoteSession).await")
	sched.WaitBlocked(t, "(*quoteSession).serve", "sleep")
	if n := s.await(); n != 42 {
		t.Errorf("quote %d, want 42", n)
	}
	sched.WaitGone(t, "(*quoteSession).serve")
}

// awaitFixed waits for the quote without the lock.
func (s *quoteSession) awaitFixed() int {
	n := <-s.quotes
	s.mu.Lock()
	defer s.mu.Unlock()
	return n
}

func TestNoDeadlockPredictedBufferedReceive(t *testing.T) {
	s := &quoteSession{price: 41, quotes: make(chan int, 1)}
	go s.serve(t, "(*quoteSession).awaitFixed")
	sched.WaitBlocked(t, "(*quoteSession).serve", "sleep")
	if n := s.awaitFixed(); n != 42 {
		t.Errorf("quote %d, want 42", n)
	}
	sched.WaitGone(t, "(*quoteSession).serve")
}
