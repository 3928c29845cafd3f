// Case: a goroutine's Done is counted by an Add its creator makes after the go statement; this run does not panic (the Done waited until the creator was in Wait), the other order drives the counter negative.
// Classes: predictive
// Deterministic: predictive

package waitgroup

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// The worker holds its Done back until the test is blocked in Wait, so
// after the Add, by reading goroutine dumps (no synchronisation): the
// schedule in which the worker runs late, made certain. Nothing orders the
// Add before the Done, so a run where the worker is quick panics with
// "sync: negative WaitGroup counter"; only a prediction catches it here.
func TestPanicPredictedNegative(t *testing.T) {
	var wg sync.WaitGroup
	results := make([]int, 1)
	go func() {
		sched.WaitBlocked(t, "TestPanicPredictedNegative", "sync.WaitGroup.Wait")
		results[0] = 42
		wg.Done() // want panic "negative WaitGroup counter"
	}()
	wg.Add(1)
	wg.Wait()
	if results[0] != 42 {
		t.Errorf("result %d, want 42", results[0])
	}
}

func TestNoPanicPredictedNegative(t *testing.T) {
	var wg sync.WaitGroup
	results := make([]int, 1)
	wg.Add(1)
	go func() {
		sched.WaitBlocked(t, "TestNoPanicPredictedNegative", "sync.WaitGroup.Wait")
		results[0] = 42
		wg.Done()
	}()
	wg.Wait()
	if results[0] != 42 {
		t.Errorf("result %d, want 42", results[0])
	}
}
