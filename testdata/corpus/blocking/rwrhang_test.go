// Case: a reader takes an RWMutex's read lock again while a writer waits between its two RLocks (RWR): the writer blocks new readers, the reader blocks the writer, and the test waits for both.
// Classes: lockorder leak
// Deterministic: lockorder leak
// Timeout: 5s

package blocking

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

// A registry's lookups hold the read lock; its total lookup calls
// count, which read-locks again.
type registry struct {
	mu    sync.RWMutex
	names map[string]int
}

func (r *registry) count() int {
	r.mu.RLock() // want deadlock "recursive read locking" deadlock "all goroutines are blocked"
	defer r.mu.RUnlock()
	return len(r.names)
}

func (r *registry) total(writerWaits chan<- struct{}, proceed <-chan struct{}) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	writerWaits <- struct{}{}
	<-proceed
	n := 0
	for _, v := range r.names {
		n += v
	}
	return n + r.count()
}

func (r *registry) add(name string) {
	r.mu.Lock() // want deadlock "held by goroutine" deadlock "all goroutines are blocked"
	defer r.mu.Unlock()
	r.names[name]++
}

// The writer arrives while the reader holds its first read lock; the
// reader's second RLock then waits behind the writer.
func TestDeadlockRWR(t *testing.T) {
	r := &registry{names: map[string]int{"a": 1}}
	writerWaits, proceed := make(chan struct{}), make(chan struct{})
	totals := make(chan int)
	go func() { totals <- r.total(writerWaits, proceed) }()
	<-writerWaits
	go r.add("b")
	sched.WaitBlocked(t, "(*registry).add", "sync.RWMutex.Lock")
	close(proceed)
	if n := <-totals; n != 2 { // want deadlock "all goroutines are blocked" deadlock "test timed out"
		t.Errorf("total = %d, want 2", n)
	}
}

// totalFixed counts with the lock it holds.
func (r *registry) totalFixed(writerWaits chan<- struct{}, proceed <-chan struct{}) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	writerWaits <- struct{}{}
	<-proceed
	n := 0
	for _, v := range r.names {
		n += v
	}
	return n + len(r.names)
}

func TestNoDeadlockRWR(t *testing.T) {
	r := &registry{names: map[string]int{"a": 1}}
	writerWaits, proceed := make(chan struct{}), make(chan struct{})
	totals := make(chan int)
	go func() { totals <- r.totalFixed(writerWaits, proceed) }()
	<-writerWaits
	added := make(chan struct{})
	go func() {
		defer close(added)
		r.add("b")
	}()
	sched.WaitBlocked(t, "(*registry).add", "sync.RWMutex.Lock")
	close(proceed)
	if n := <-totals; n != 2 {
		t.Errorf("total = %d, want 2", n)
	}
	<-added
}
