// Case: wg.Add counts batches but a goroutine is started per item, so one Done too many drives the counter negative.
// Classes: runtime
// Deterministic: runtime

package waitgroup

import (
	"drace.test/corpus/internal/sched"
	"strings"
	"sync"
	"testing"
)

// Three Dones for an Add(2): Wait returns after two, and the third panics
// with "sync: negative WaitGroup counter", killing the test binary. The
// test waits for the workers (without synchronising with them) so that the
// panic happens inside it.
func TestPanicWaitGroupNegative(t *testing.T) {
	batches := [][]string{{"a", "b"}, {"c"}}
	var wg sync.WaitGroup
	wg.Add(len(batches))
	for _, batch := range batches {
		for _, item := range batch {
			go func() {
				_ = strings.ToUpper(item)
				wg.Done() // want panic "negative WaitGroup counter"
			}()
		}
	}
	wg.Wait()
	sched.WaitGone(t, "TestPanicWaitGroupNegative.func1")
}

func TestNoPanicWaitGroupNegative(t *testing.T) {
	batches := [][]string{{"a", "b"}, {"c"}}
	var wg sync.WaitGroup
	for _, batch := range batches {
		for _, item := range batch {
			wg.Add(1)
			go func() {
				_ = strings.ToUpper(item)
				wg.Done()
			}()
		}
	}
	wg.Wait()
}
