// Case: an error path unlocks a Mutex that the function unlocks again at its end: the runtime ends the program ("unlock of unlocked mutex").
// Classes: runtime
// Deterministic: runtime

package blocking

import (
	"errors"
	"sync"
	"testing"
)

var errFull = errors.New("queue full")

type queue struct {
	mu    sync.Mutex
	items []int
	limit int
}

// push unlocks early on its error path, and again at its end.
func (q *queue) push(v int) error {
	q.mu.Lock()
	var err error
	if len(q.items) == q.limit {
		err = errFull
		q.mu.Unlock()
	} else {
		q.items = append(q.items, v)
	}
	q.mu.Unlock() // want panic "unlock of unlocked mutex"
	return err
}

func TestDoubleUnlock(t *testing.T) {
	q := &queue{limit: 1}
	if err := q.push(1); err != nil {
		t.Fatal(err)
	}
	if err := q.push(2); err != errFull {
		t.Errorf("push = %v, want %v", err, errFull)
	}
}

// pushFixed leaves the unlocking to the defer.
func (q *queue) pushFixed(v int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == q.limit {
		return errFull
	}
	q.items = append(q.items, v)
	return nil
}

func TestNoDoubleUnlock(t *testing.T) {
	q := &queue{limit: 1}
	if err := q.pushFixed(1); err != nil {
		t.Fatal(err)
	}
	if err := q.pushFixed(2); err != errFull {
		t.Errorf("pushFixed = %v, want %v", err, errFull)
	}
}
