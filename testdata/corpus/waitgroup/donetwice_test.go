// Case: a worker calls wg.Done on its error path and falls through to the Done at its end (a missing return).
// Classes: runtime
// Deterministic: runtime

package waitgroup

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

// Two workers, three Dones: the bad item's two Dones bring the counter to
// zero, so Wait returns while the good item is still at work (it waits for
// release, closed once Wait has returned), and the good item's Done, the
// third, panics with "sync: negative WaitGroup counter". (Were the third
// Done to come while Wait is waking up, Wait could panic first instead,
// with "sync: WaitGroup is reused before previous Wait has returned".)
func TestPanicWaitGroupDoneTwice(t *testing.T) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for _, item := range []int{1, -1} {
		wg.Add(1)
		go func() {
			if item < 0 {
				wg.Done() // give up on a bad item
			} else {
				<-release // a good item takes longer
			}
			wg.Done() // want panic "negative WaitGroup counter"
		}()
	}
	wg.Wait()
	close(release)
	sched.WaitGone(t, "TestPanicWaitGroupDoneTwice.func1")
}

func TestNoPanicWaitGroupDoneTwice(t *testing.T) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for _, item := range []int{1, -1} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if item < 0 {
				return // give up on a bad item
			}
			<-release // a good item takes longer
		}()
	}
	close(release)
	wg.Wait()
}
