// Case: a watcher waits for a context whose cancel function is dropped: nothing can ever cancel it, and the watcher outlives the test.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"context"
	"drace.test/corpus/internal/sched"
	"testing"
)

// A conn closes its transport when its context ends. open keeps the
// context but drops its cancel function.
type conn struct {
	closed chan struct{}
}

func open(parent context.Context) *conn {
	ctx, cancel := context.WithCancel(parent)
	_ = cancel // the bug: nobody keeps it to call it
	c := &conn{closed: make(chan struct{})}
	go func() {
		<-ctx.Done() // want leak
		close(c.closed)
	}()
	return c
}

func TestLeakContextNotCancelled(t *testing.T) {
	open(context.Background())
	sched.WaitBlocked(t, "open.func1", "chan receive")
}

// A fixed conn keeps cancel and calls it in Close.
type connFixed struct {
	cancel context.CancelFunc
	closed chan struct{}
}

func openFixed(parent context.Context) *connFixed {
	ctx, cancel := context.WithCancel(parent)
	c := &connFixed{cancel: cancel, closed: make(chan struct{})}
	go func() {
		<-ctx.Done()
		close(c.closed)
	}()
	return c
}

func (c *connFixed) Close() {
	c.cancel()
	<-c.closed
}

func TestNoLeakContextNotCancelled(t *testing.T) {
	openFixed(context.Background()).Close()
}
