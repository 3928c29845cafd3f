// Case: a time.AfterFunc callback delivers its result on an unbuffered channel nobody receives from; the callback's goroutine blocks forever.
// Classes: leak
// Deterministic: leak

package leak

import (
	"drace.test/corpus/internal/sched"
	"testing"
	"time"
)

// The caller schedules a refresh and moves on without waiting for its
// result: the callback runs in a goroutine of its own, which the send
// blocks forever.
func TestLeakAfterFunc(t *testing.T) {
	refreshed := make(chan string)
	time.AfterFunc(time.Millisecond, func() {
		refreshed <- "config v2" // want leak
	})
	sched.WaitBlocked(t, "TestLeakAfterFunc.func1", "chan send")
}

// The fix: room for the result, so the callback never blocks.
func TestNoLeakAfterFunc(t *testing.T) {
	refreshed := make(chan string, 1)
	time.AfterFunc(time.Millisecond, func() {
		refreshed <- "config v2"
	})
	for len(refreshed) == 0 {
		time.Sleep(time.Millisecond)
	}
	sched.WaitGone(t, "TestNoLeakAfterFunc.func1")
}
