// Case: the classic timeout pattern with an unbuffered result channel: after the caller times out, the worker's send blocks forever.
// Classes: leak
// Deterministic: leak

package leak

import (
	"drace.test/corpus/internal/sched"
	"errors"
	"testing"
	"time"
)

var errTimeout = errors.New("timed out")

func fetchWithTimeout(compute func() int, timeout time.Duration) (int, error) {
	ch := make(chan int)
	go func() {
		ch <- compute() // want leak
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(timeout):
		return 0, errTimeout
	}
}

// compute cannot finish before the test lets it, which is after the
// caller has timed out: the send has no receiver, ever.
func TestLeakSendAfterTimeout(t *testing.T) {
	release := make(chan struct{})
	if _, err := fetchWithTimeout(func() int { <-release; return 42 }, time.Millisecond); err != errTimeout {
		t.Fatalf("err = %v, want %v", err, errTimeout)
	}
	close(release)
	sched.WaitBlocked(t, "fetchWithTimeout.func1", "chan send")
}

// The fix: a buffer of one, so the late send completes into the void.
func fetchWithTimeoutFixed(compute func() int, timeout time.Duration) (int, error) {
	ch := make(chan int, 1)
	go func() {
		ch <- compute()
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(timeout):
		return 0, errTimeout
	}
}

func TestNoLeakSendAfterTimeout(t *testing.T) {
	release := make(chan struct{})
	if _, err := fetchWithTimeoutFixed(func() int { <-release; return 42 }, time.Millisecond); err != errTimeout {
		t.Fatalf("err = %v, want %v", err, errTimeout)
	}
	close(release)
	sched.WaitGone(t, "fetchWithTimeoutFixed.func1")
}
