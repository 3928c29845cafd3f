// Case: a batch filled by callers under the queue's lock and read without it by its runner, which leaves it in the queue, so a later caller appends to it; the twin detaches the batch under the lock and hands it to a goroutine it starts (go.etcd.io/bbolt's DB.Batch), ordered but with no common lock.
// Classes: lockset
// Deterministic: lockset
// Known-FP: lockset
package lockset

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

type batch struct {
	calls []int
}

type batcher struct {
	mu    sync.Mutex
	batch *batch // guarded by mu; a batch taken out of it is its runner's
}

func (q *batcher) add(v int) {
	q.mu.Lock()
	if q.batch == nil {
		q.batch = new(batch)
	}
	q.batch.calls = append(q.batch.calls, v) // want race
	q.mu.Unlock()
}

func (b *batch) sum() int {
	n := 0
	for _, v := range b.calls {
		n += v
	}
	return n
}

// The runner reads the batch after unlocking but leaves it in the queue:
// the third add appends to the slice it reads. This run orders the read
// before that append through the lock, which a happens-before detector
// counts, so only the lockset discipline (no common lock) shows it.
func TestRaceBatchOwner(t *testing.T) {
	q := new(batcher)
	sched.RunAlone(func() { q.add(1) })
	sched.RunAlone(func() { q.add(2) })
	sched.RunAlone(func() {
		q.mu.Lock()
		b := q.batch
		q.mu.Unlock()
		if len(b.calls) != 2 { // want race
			t.Errorf("batch has %d calls, want 2", len(b.calls))
		}
	})
	sched.RunAlone(func() { q.add(3) })
}

// The runner takes the batch out of the queue under the lock and starts a
// goroutine that reads it: no later add can reach it. Each call's write is
// ordered before the read by the lock's edge and then the go statement;
// a lockset detector sees no common lock and reports it (a false
// positive), and so does a hybrid one, which leaves the lock's edge out.
func TestNoRaceBatchOwner(t *testing.T) {
	q := new(batcher)
	sched.RunAlone(func() { q.add(1) })
	sched.RunAlone(func() { q.add(2) })
	got := make(chan int)
	sched.RunAlone(func() {
		q.mu.Lock()
		b := q.batch
		q.batch = nil
		q.mu.Unlock()
		go func() { got <- b.sum() }()
	})
	q.add(3)
	if n := <-got; n != 3 {
		t.Errorf("sum = %d, want 3", n)
	}
}
