// Case: a caller runs a worker and waits for its result with a timeout, select { case v := <-results: ...; case <-time.After(d): ... }, where the worker sends its result on an unbuffered channel; this run the result came first, but had the timer fired first the caller would return and the worker's send would block for good (a goroutine leak). The twin gives the result channel a buffer of one, so the worker's send never waits.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"testing"
	"time"
)

// compute sends its result on results.
func compute(results chan<- int) {
	results <- 42 // want deadlock "select leak"
}

// withTimeout runs compute and waits for its result for a minute at most.
func withTimeout(results chan int) (int, bool) {
	go compute(results)
	select {
	case v := <-results:
		return v, true
	case <-time.After(time.Minute):
		return 0, false
	}
}

func TestDeadlockPredictedSelectTimer(t *testing.T) {
	if v, ok := withTimeout(make(chan int)); !ok || v != 42 {
		t.Errorf("result %d, %v; want 42, true", v, ok)
	}
}

func TestNoDeadlockPredictedSelectTimer(t *testing.T) {
	if v, ok := withTimeout(make(chan int, 1)); !ok || v != 42 {
		t.Errorf("result %d, %v; want 42, true", v, ok)
	}
}
