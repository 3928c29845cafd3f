// Case: workers call wg.Add themselves, so wg.Wait can return before they have counted and the results are read while being written.
// Classes: hb lockset
// Deterministic: hb

package waitgroup

import (
	"sync"
	"testing"
)

// The start gate holds the workers back until Wait has returned: the
// schedule in which the scheduler runs them late, made certain. Wait sees a
// zero counter and returns at once; nothing then orders the workers'
// writes with the test's reads.
func TestRaceWaitGroupAddInGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	squares := make([]int, 3)
	start := make(chan struct{})
	finished := make(chan struct{}, len(squares))
	for i := range squares {
		go func() {
			<-start
			wg.Add(1)
			defer wg.Done()
			squares[i] = i * i // want race
			finished <- struct{}{}
		}()
	}
	wg.Wait()
	close(start)
	sum := 0
	for i := range squares {
		sum += squares[i] // want race
	}
	for range squares {
		<-finished
	}
	_ = sum
}

func TestNoRaceWaitGroupAddInGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	squares := make([]int, 3)
	start := make(chan struct{})
	for i := range squares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			squares[i] = i * i
		}()
	}
	close(start)
	wg.Wait()
	sum := 0
	for i := range squares {
		sum += squares[i]
	}
	if sum != 0+1+4 {
		t.Errorf("sum = %d, want 5", sum)
	}
}
