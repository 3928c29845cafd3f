// Case: an error path returns with a Mutex still locked; the next goroutine to Lock it blocks forever.
// Classes: leak
// Deterministic: leak

package leak

import (
	"drace.test/corpus/internal/sched"
	"errors"
	"sync"
	"testing"
)

var errNegative = errors.New("negative")

type queue struct {
	mu    sync.Mutex
	items []int
}

func (q *queue) push(v int) error {
	q.mu.Lock()
	if v < 0 {
		return errNegative // returns holding q.mu
	}
	q.items = append(q.items, v)
	q.mu.Unlock()
	return nil
}

func (q *queue) size() int {
	q.mu.Lock() // want leak
	defer q.mu.Unlock()
	return len(q.items)
}

func TestLeakMutexNeverUnlocked(t *testing.T) {
	q := new(queue)
	if err := q.push(-1); err == nil {
		t.Fatal("push(-1) succeeded")
	}
	go q.size()
	sched.WaitBlocked(t, "(*queue).size", "sync.Mutex.Lock")
}

func (q *queue) pushFixed(v int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if v < 0 {
		return errNegative
	}
	q.items = append(q.items, v)
	return nil
}

func TestNoLeakMutexNeverUnlocked(t *testing.T) {
	q := new(queue)
	if err := q.pushFixed(-1); err == nil {
		t.Fatal("pushFixed(-1) succeeded")
	}
	n := make(chan int)
	go func() { n <- q.size() }()
	if <-n != 0 {
		t.Error("queue not empty")
	}
}
