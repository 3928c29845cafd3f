// Case: a context.WithTimeout whose cancel is never called; a goroutine waiting on ctx.Done() outlives the test by the whole timeout.
// Classes: leak
// Deterministic: leak

package leak

import (
	"context"
	"drace.test/corpus/internal/sched"
	"testing"
	"time"
)

// handle serves a request under a deadline, with a goroutine that releases
// the request's resources when its context ends. It never calls cancel: the
// goroutine waits for the full minute of the timeout, long after the test
// has ended.
func handle(parent context.Context, release func()) {
	ctx, cancel := context.WithTimeout(parent, time.Minute)
	_ = cancel
	go func() {
		<-ctx.Done() // want leak
		release()
	}()
}

func TestLeakContextTimeout(t *testing.T) {
	handle(context.Background(), func() {})
	sched.WaitBlocked(t, "handle.func1", "chan receive")
}

func handleFixed(parent context.Context, release func()) {
	ctx, cancel := context.WithTimeout(parent, time.Minute)
	defer cancel()
	go func() {
		<-ctx.Done()
		release()
	}()
}

func TestNoLeakContextTimeout(t *testing.T) {
	released := make(chan struct{})
	handleFixed(context.Background(), func() { close(released) })
	<-released
	sched.WaitGone(t, "handleFixed.func1")
}
