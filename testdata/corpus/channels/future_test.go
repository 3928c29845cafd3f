// Case: a future reports its result through a channel and its error through a shared field, which the cancel path also writes; the result send then blocks forever.
// Classes: hb lockset leak
// Deterministic: hb lockset leak

package channels

import (
	"context"
	"drace.test/corpus/internal/sched"
	"testing"
)

type future struct {
	err  error
	done chan struct{}
}

// start runs fn. The goroutine sets f.err and then signals on f.done,
// trusting the channel to publish f.err; but nobody receives on the cancel
// path, so the field is shared memory without order and the send never
// completes.
func (f *future) start(fn func() error) {
	go func() {
		err := fn()
		f.err = err          // want race
		f.done <- struct{}{} // want leak
	}()
}

func (f *future) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		f.err = err // want race
		return err
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		f.err = ctx.Err()
		return f.err
	}
}

// The pattern of Uber's study of Go data races: message passing for the
// happy path, shared memory for the error. With the context cancelled up
// front, wait takes the cancel path whatever the schedule.
func TestRaceFutureCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &future{done: make(chan struct{})}
	f.start(func() error { return nil })
	if err := f.wait(ctx); err == nil {
		t.Error("wait after cancel returned nil")
	}
	// Keep the goroutine's write inside the test: let it reach its send.
	sched.WaitBlocked(t, "(*future).start.func1", "chan send")
}

// The fix sends the error itself through a buffered channel: the
// goroutine never blocks and no memory is shared.
type futureFixed struct {
	done chan error
}

func (f *futureFixed) start(fn func() error) {
	go func() {
		f.done <- fn()
	}()
}

func (f *futureFixed) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case err := <-f.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestNoRaceFutureCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &futureFixed{done: make(chan error, 1)}
	f.start(func() error { return nil })
	if err := f.wait(ctx); err == nil {
		t.Error("wait after cancel returned nil")
	}
	sched.WaitGone(t, "(*futureFixed).start.func1")
}
