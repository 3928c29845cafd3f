// Case: a latch opened without Broadcast: the goroutine waiting on its sync.Cond is never woken.
// Classes: leak
// Deterministic: leak

package leak

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type latch struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func newLatch() *latch {
	l := new(latch)
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *latch) wait() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.open {
		l.cond.Wait() // want leak
	}
}

// release sets the flag but wakes nobody.
func (l *latch) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = true
}

func TestLeakCondNeverSignalled(t *testing.T) {
	l := newLatch()
	go l.wait()
	sched.WaitBlocked(t, "(*latch).wait", "sync.Cond.Wait")
	l.release()
}

func (l *latch) releaseFixed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = true
	l.cond.Broadcast()
}

func TestNoLeakCondNeverSignalled(t *testing.T) {
	l := newLatch()
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.wait()
	}()
	sched.WaitBlocked(t, "(*latch).wait", "sync.Cond.Wait")
	l.releaseFixed()
	<-done
}
