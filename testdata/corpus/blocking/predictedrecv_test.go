// Case: a client holds its Mutex while it waits for a reply whose only sender, the server, first takes that Mutex; this run does not hang (the server read under the Mutex before the client locked it), the other order does.
// Classes: lockorder
// Deterministic: lockorder

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A tokenSession keeps a token under its lock; its server reads the token,
// then replies.
type tokenSession struct {
	mu      sync.Mutex
	token   int
	replies chan int
}

func (s *tokenSession) serve() {
	s.mu.Lock() // want deadlock "lock and channel cycle"
	tok := s.token
	s.mu.Unlock()
	s.replies <- tok + 1
}

// await waits for the reply with the lock held.
func (s *tokenSession) await() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return <-s.replies // want deadlock "lock and channel cycle"
}

// The server has read the token and waits to reply before the client
// locks (seen in a goroutine dump), so the run does not hang. Had the
// client locked first, it would wait for the reply with the lock held,
// and the server for the lock.
func TestDeadlockPredictedReceive(t *testing.T) {
	s := &tokenSession{token: 41, replies: make(chan int)}
	go s.serve()
	sched.WaitBlocked(t, "(*tokenSession).serve", "chan send")
	if n := s.await(); n != 42 {
		t.Errorf("reply %d, want 42", n)
	}
	// The server's send completes when it runs again, after the reply
	// was taken: wait for it (no synchronisation) before the test ends.
	sched.WaitGone(t, "(*tokenSession).serve")
}

// awaitFixed waits for the reply without the lock.
func (s *tokenSession) awaitFixed() int {
	n := <-s.replies
	s.mu.Lock()
	defer s.mu.Unlock()
	return n
}

func TestNoDeadlockPredictedReceive(t *testing.T) {
	s := &tokenSession{token: 41, replies: make(chan int)}
	go s.serve()
	sched.WaitBlocked(t, "(*tokenSession).serve", "chan send")
	if n := s.awaitFixed(); n != 42 {
		t.Errorf("reply %d, want 42", n)
	}
	sched.WaitGone(t, "(*tokenSession).serve")
}
