// Case: a consumer ranges over a results channel that its producers never close: after the last result it waits for a sender that no longer exists, and so does the test.
// Classes: leak
// Deterministic: leak
// Timeout: 5s
// Known-FP: lockset

package blocking

import (
	"sync"
	"testing"
)

// sumAll squares in parallel and sums on a collector goroutine, which
// ranges over results until it is closed; nobody closes it.
func sumAll(xs []int) int {
	results := make(chan int)
	total := make(chan int)
	go func() {
		sum := 0
		for v := range results { // want deadlock "all goroutines are blocked"
			sum += v
		}
		total <- sum
	}()
	var wg sync.WaitGroup
	for _, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- x * x
		}()
	}
	wg.Wait()
	return <-total // want deadlock "all goroutines are blocked" deadlock "test timed out"
}

func TestDeadlockRangeNotClosed(t *testing.T) {
	if s := sumAll([]int{1, 2, 3}); s != 14 {
		t.Errorf("sumAll = %d, want 14", s)
	}
}

// sumAllFixed closes results once every producer is done. The close is
// ordered after the sends by the WaitGroup alone, which lockset (not
// hybrid) does not follow.
func sumAllFixed(xs []int) int {
	results := make(chan int)
	total := make(chan int)
	go func() {
		sum := 0
		for v := range results {
			sum += v
		}
		total <- sum
	}()
	var wg sync.WaitGroup
	for _, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- x * x
		}()
	}
	wg.Wait()
	close(results)
	return <-total
}

func TestNoDeadlockRangeNotClosed(t *testing.T) {
	if s := sumAllFixed([]int{1, 2, 3}); s != 14 {
		t.Errorf("sumAllFixed = %d, want 14", s)
	}
}
