// Case: a gate opens with Cond.Signal while two goroutines wait on it: one is woken, the other waits for good.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

// A gate holds its waiters until it opens.
type gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func newGate() *gate {
	g := new(gate)
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) pass(passed chan<- int, id int) {
	g.mu.Lock()
	for !g.open {
		g.cond.Wait() // want leak
	}
	g.mu.Unlock()
	passed <- id
}

// openOne wakes one waiter where every waiter may now pass.
func (g *gate) openOne() {
	g.mu.Lock()
	g.open = true
	g.cond.Signal()
	g.mu.Unlock()
}

func TestLeakSignalOne(t *testing.T) {
	g := newGate()
	passed := make(chan int, 2)
	go g.pass(passed, 1)
	go g.pass(passed, 2)
	sched.WaitBlockedN(t, 2, "(*gate).pass", "sync.Cond.Wait")
	g.openOne()
	<-passed
	sched.WaitBlocked(t, "(*gate).pass", "sync.Cond.Wait")
}

// openAll wakes every waiter.
func (g *gate) openAll() {
	g.mu.Lock()
	g.open = true
	g.cond.Broadcast()
	g.mu.Unlock()
}

func TestNoLeakSignalOne(t *testing.T) {
	g := newGate()
	passed := make(chan int, 2)
	go g.pass(passed, 1)
	go g.pass(passed, 2)
	g.openAll()
	<-passed
	<-passed
}
