// Case: a notifier sends on a channel field that its constructor forgot to make: a send on a nil channel blocks for good.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"testing"
)

type notifier struct {
	events chan string
}

// newNotifier forgets to make the channel.
func newNotifier() *notifier { return &notifier{} }

func (n *notifier) notify(ev string) {
	go func() {
		n.events <- ev // want leak
	}()
}

func TestLeakNilChannel(t *testing.T) {
	n := newNotifier()
	n.notify("started")
	sched.WaitBlocked(t, "(*notifier).notify.func1", "chan send (nil chan)")
}

func newNotifierFixed() *notifier { return &notifier{events: make(chan string, 1)} }

func TestNoLeakNilChannel(t *testing.T) {
	n := newNotifierFixed()
	n.notify("started")
	if ev := <-n.events; ev != "started" {
		t.Errorf("event %q, want started", ev)
	}
}
