// Case: a worker calls wg.Done on its error path and falls through to the Done at its end (a missing return).
// Classes: runtime
// Deterministic: runtime

package waitgroup

import (
	"sync"
	"testing"
)

// Two workers, three Dones: whichever Done comes third is one of the final
// ones (a worker's inner Done always precedes its final one), and it
// panics with "sync: negative WaitGroup counter".
func TestPanicWaitGroupDoneTwice(t *testing.T) {
	var wg sync.WaitGroup
	for _, item := range []int{1, -1} {
		wg.Add(1)
		go func() {
			if item < 0 {
				wg.Done() // give up on a bad item
			}
			wg.Done() // want panic "negative WaitGroup counter"
		}()
	}
	wg.Wait()
	waitGone(t, "TestPanicWaitGroupDoneTwice.func1")
}

func TestNoPanicWaitGroupDoneTwice(t *testing.T) {
	var wg sync.WaitGroup
	for _, item := range []int{1, -1} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if item < 0 {
				return // give up on a bad item
			}
		}()
	}
	wg.Wait()
}
