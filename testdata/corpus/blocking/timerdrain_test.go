// Case: a watchdog drains its timer's channel after Stop although it already received the tick, and blocks on the channel for good.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"testing"
	"time"
)

// watchdog counts idle periods: a kick restarts the timer, a tick counts
// one. To restart, it stops the timer and drains a tick that Stop did not
// prevent: but the tick it received in the select is gone already, and
// since Go 1.23 a stopped timer's channel holds no stale tick either.
func watchdog(kicks <-chan struct{}, idle func()) {
	t := time.NewTimer(time.Millisecond)
	fired := false
	for {
		select {
		case <-t.C:
			fired = true
			idle()
		case _, ok := <-kicks:
			if !ok {
				return
			}
		}
		if fired && !t.Stop() {
			<-t.C // want leak
		}
		t.Reset(time.Hour)
	}
}

func TestLeakTimerDrain(t *testing.T) {
	kicks := make(chan struct{})
	idled := make(chan struct{}, 1)
	go watchdog(kicks, func() { idled <- struct{}{} })
	<-idled
	sched.WaitBlocked(t, "watchdog", "chan receive")
}

// watchdogFixed resets the timer without draining: Reset of a stopped or
// fired timer needs no drain since Go 1.23.
func watchdogFixed(kicks <-chan struct{}, idle func()) {
	t := time.NewTimer(time.Millisecond)
	for {
		select {
		case <-t.C:
			idle()
		case _, ok := <-kicks:
			if !ok {
				t.Stop()
				return
			}
		}
		t.Reset(time.Hour)
	}
}

func TestNoLeakTimerDrain(t *testing.T) {
	kicks := make(chan struct{})
	idled := make(chan struct{}, 1)
	go watchdogFixed(kicks, func() { idled <- struct{}{} })
	<-idled
	kicks <- struct{}{}
	close(kicks)
	sched.WaitGone(t, "watchdogFixed")
}
