// Case: deferred calls run last-in first-out, so a worker's deferred close(done) runs before its deferred write of the result the receiver reads.
// Classes: hb lockset
// Deterministic: hb

package channels

import (
	"errors"
	"sync"
	"testing"
)

type jobResult struct {
	n   int
	err error
}

func validate(n int) error {
	if n < 0 {
		return errors.New("negative")
	}
	return nil
}

// close(done) happens before <-done returns, which orders res.n; but the
// deferred write of res.err runs after the close, so nothing orders it with
// the receiver's read, in any schedule.
func TestRaceDeferCloseBeforeResult(t *testing.T) {
	res := new(jobResult)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() { res.err = validate(res.n) }() // want race
		defer close(done)
		res.n = 42
	}()
	<-done
	if res.err != nil { // want race
		t.Error(res.err)
	}
	wg.Wait()
}

func TestNoRaceDeferCloseBeforeResult(t *testing.T) {
	res := new(jobResult)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { res.err = validate(res.n) }()
		res.n = 42
	}()
	<-done
	if res.err != nil {
		t.Error(res.err)
	}
}
