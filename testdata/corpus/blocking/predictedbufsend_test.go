// Case: a goroutine holds a Mutex while it sends on a buffered channel whose only receiver first takes that Mutex, and it sends more values than the buffer holds; this run does not hang (the receiver waited for each value before the next send), the order in which the sender runs ahead fills the buffer and does.
// Classes: lockorder
// Deterministic: lockorder

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A jobQueue has room for two jobs; its worker notes under the queue's
// lock that a job left the queue, then takes it.
type jobQueue struct {
	mu     sync.Mutex
	queued int
	jobs   chan int
}

func (q *jobQueue) work(n int, done chan<- int) {
	sum := 0
	for range n {
		q.mu.Lock() // want deadlock "lock and channel cycle"
		q.queued--
		q.mu.Unlock()
		sum += <-q.jobs
	}
	done <- sum
}

// submit queues the job with the lock still held.
func (q *jobQueue) submit(j int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queued++
	q.jobs <- j // want deadlock "lock and channel cycle"
}

// The worker waits for each job before it is submitted (seen in a
// goroutine dump, which adds no synchronisation), so every send finds
// room and the run does not hang. Had the test submitted its three jobs
// before the worker ran, the third send would block on the full buffer
// with the lock held, and the worker on the lock.
func TestDeadlockPredictedBufferedSend(t *testing.T) {
	q := &jobQueue{jobs: make(chan int, 2)}
	done := make(chan int)
	go q.work(3, done)
	for j := 1; j <= 3; j++ {
		sched.WaitBlocked(t, "(*jobQueue).work", "chan receive")
		q.submit(j)
	}
	if n := <-done; n != 6 {
		t.Errorf("worked %d, want 6", n)
	}
}

// submitFixed unlocks before it queues the job.
func (q *jobQueue) submitFixed(j int) {
	q.mu.Lock()
	q.queued++
	q.mu.Unlock()
	q.jobs <- j
}

func TestNoDeadlockPredictedBufferedSend(t *testing.T) {
	q := &jobQueue{jobs: make(chan int, 2)}
	done := make(chan int)
	go q.work(3, done)
	for j := 1; j <= 3; j++ {
		sched.WaitBlocked(t, "(*jobQueue).work", "chan receive")
		q.submitFixed(j)
	}
	if n := <-done; n != 6 {
		t.Errorf("worked %d, want 6", n)
	}
}
