// Case: a sync.Cond waiter checks its condition with if, not for, and reads the result after unlocking: woken by a Broadcast for another condition, it reads the result while the producer writes it.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type job struct {
	mu       sync.Mutex
	cond     *sync.Cond // Broadcast on every change of progress or done
	progress int
	done     bool
	result   int
}

func newJob() *job {
	j := &job{result: -1}
	j.cond = sync.NewCond(&j.mu)
	return j
}

func (j *job) setProgress(p int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.progress = p
	j.cond.Broadcast()
}

func (j *job) finish(v int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.result = v // want race
	j.done = true
	j.cond.Broadcast()
}

// awaitIf waits once: any Broadcast (progress included) ends the wait,
// and it takes the result as final, so it reads it after unlocking.
func (j *job) awaitIf() int {
	j.mu.Lock()
	if !j.done {
		j.cond.Wait()
	}
	j.mu.Unlock()
	return j.result // want race
}

func TestRaceCondIf(t *testing.T) {
	j := newJob()
	got := make(chan int, 1)
	go func() { got <- j.awaitIf() }()
	sched.WaitBlocked(t, "(*job).awaitIf", "sync.Cond.Wait")
	j.setProgress(50) // wakes the waiter although done is still false
	sched.WaitGone(t, "(*job).awaitIf")
	j.finish(42)
	if v := <-got; v != 42 {
		t.Logf("awaitIf returned %d before the job was done", v)
	}
}

// await re-checks done after every wake-up and reads the result under the
// lock.
func (j *job) await() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	for !j.done {
		j.cond.Wait()
	}
	return j.result
}

func TestNoRaceCondIf(t *testing.T) {
	j := newJob()
	got := make(chan int, 1)
	go func() { got <- j.await() }()
	sched.WaitBlocked(t, "(*job).await", "sync.Cond.Wait")
	j.setProgress(50)
	sched.WaitBlocked(t, "(*job).await", "sync.Cond.Wait") // back to waiting
	j.finish(42)
	if v := <-got; v != 42 {
		t.Errorf("await returned %d, want 42", v)
	}
}
