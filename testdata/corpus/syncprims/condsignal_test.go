// Case: a producer appends to a queue's items outside the lock and only then locks to Signal the sync.Cond; the consumer's check of items under the lock races with the append.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type condQueue struct {
	mu       sync.Mutex
	nonEmpty *sync.Cond
	items    []int
}

func newCondQueue() *condQueue {
	q := new(condQueue)
	q.nonEmpty = sync.NewCond(&q.mu)
	return q
}

// pushOutside changes the predicate's state without the lock, then
// signals under it.
func (q *condQueue) pushOutside(v int) {
	q.items = append(q.items, v) // want race
	q.mu.Lock()
	q.nonEmpty.Signal()
	q.mu.Unlock()
}

func (q *condQueue) push(v int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, v)
	q.nonEmpty.Signal()
}

func (q *condQueue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 { // want race
		q.nonEmpty.Wait()
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

func TestRaceCondSignal(t *testing.T) {
	q := newCondQueue()
	got := make(chan int, 1)
	go func() { got <- q.pop() }()
	sched.WaitBlocked(t, "(*condQueue).pop", "sync.Cond.Wait") // it has checked items
	q.pushOutside(7)
	if v := <-got; v != 7 {
		t.Errorf("pop = %d, want 7", v)
	}
}

func TestNoRaceCondSignal(t *testing.T) {
	q := newCondQueue()
	got := make(chan int, 1)
	go func() { got <- q.pop() }()
	sched.WaitBlocked(t, "(*condQueue).pop", "sync.Cond.Wait")
	q.push(7)
	if v := <-got; v != 7 {
		t.Errorf("pop = %d, want 7", v)
	}
}
