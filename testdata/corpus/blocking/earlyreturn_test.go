// Case: a fan-out returns at the first error while the remaining workers still send their results on an unbuffered channel that nobody reads any more.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"errors"
	"testing"
)

var errBadShard = errors.New("bad shard")

// checkShards checks every shard in parallel and returns the first error.
func checkShards(n int, check func(int) error) error {
	errs := make(chan error)
	for i := range n {
		go func() {
			errs <- check(i) // want leak
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// Shard 0 fails at once; the others finish after the caller has returned.
func TestLeakEarlyReturn(t *testing.T) {
	release := make(chan struct{})
	check := func(i int) error {
		if i == 0 {
			return errBadShard
		}
		<-release
		return nil
	}
	if err := checkShards(3, check); err != errBadShard {
		t.Errorf("checkShards = %v, want %v", err, errBadShard)
	}
	close(release)
	sched.WaitBlockedN(t, 2, "checkShards.func1", "chan send")
}

// The fix: room for every worker's result.
func checkShardsFixed(n int, check func(int) error) error {
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- check(i)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

func TestNoLeakEarlyReturn(t *testing.T) {
	release := make(chan struct{})
	check := func(i int) error {
		if i == 0 {
			return errBadShard
		}
		<-release
		return nil
	}
	if err := checkShardsFixed(3, check); err != errBadShard {
		t.Errorf("checkShardsFixed = %v, want %v", err, errBadShard)
	}
	close(release)
	sched.WaitGone(t, "checkShardsFixed.func1")
}
