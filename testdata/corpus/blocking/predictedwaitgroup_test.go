// Case: a worker calls WaitGroup.Add itself and hands its result over an unbuffered channel that the test reads only after Wait; this run the Wait came first (steered without synchronisation) and returned at once, so it does not hang, but had the worker's Add come first, the Wait would wait for a Done that needs the test to receive. The twin's channel has room for the result, so its Done does not wait for the test.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// gather starts a worker that registers itself with wg, and returns its
// result after Wait. results is the channel the worker sends on.
func gather(t *testing.T, results chan int, caller string) int {
	var wg sync.WaitGroup
	go func() {
		// Steered: the test is past its Wait, receiving.
		sched.WaitBlocked(t, caller, "chan receive")
		wg.Add(1) // want deadlock "Add before the Wait"
		defer wg.Done()
		results <- 42
	}()
	wg.Wait() // want deadlock "Add before the Wait"
	return <-results
}

func TestDeadlockPredictedWaitGroup(t *testing.T) {
	if n := gather(t, make(chan int), "gather"); n != 42 {
		t.Errorf("result %d, want 42", n)
	}
}

func TestNoDeadlockPredictedWaitGroup(t *testing.T) {
	if n := gather(t, make(chan int, 1), "gather"); n != 42 {
		t.Errorf("result %d, want 42", n)
	}
}
