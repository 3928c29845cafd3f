// Case: a goroutine holds a Mutex while it sends on a channel whose only receiver first takes that Mutex; this run does not hang (the receiver took and released the Mutex before the sender locked it), the other order does.
// Classes: lockorder
// Deterministic: lockorder

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A meter counts readings under its lock; its logger notes the count,
// then waits for the next reading.
type meter struct {
	mu       sync.Mutex
	count    int
	readings chan int
}

func (m *meter) log(done chan<- int) {
	m.mu.Lock() // want deadlock "lock and channel cycle"
	n := m.count
	m.mu.Unlock()
	r := <-m.readings
	done <- n + r
}

// record hands the reading over with the lock still held.
func (m *meter) record(r int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.count++
	m.readings <- r // want deadlock "lock and channel cycle"
}

// The logger has taken and released the lock and waits for a reading
// before record locks (seen in a goroutine dump, which adds no
// synchronisation), so the run does not hang. Had record locked first, it
// would block on the send with the lock held, and the logger on the lock.
func TestDeadlockPredictedSend(t *testing.T) {
	m := &meter{readings: make(chan int)}
	done := make(chan int)
	go m.log(done)
	sched.WaitBlocked(t, "(*meter).log", "chan receive")
	m.record(5)
	if n := <-done; n != 5 {
		t.Errorf("logged %d, want 5", n)
	}
}

// recordFixed unlocks before it hands the reading over.
func (m *meter) recordFixed(r int) {
	m.mu.Lock()
	m.count++
	m.mu.Unlock()
	m.readings <- r
}

func TestNoDeadlockPredictedSend(t *testing.T) {
	m := &meter{readings: make(chan int)}
	done := make(chan int)
	go m.log(done)
	sched.WaitBlocked(t, "(*meter).log", "chan receive")
	m.recordFixed(5)
	if n := <-done; n != 5 {
		t.Errorf("logged %d, want 5", n)
	}
}
