// Case: a debouncer appends events to a pending batch and Resets its time.AfterFunc timer; an event arriving while the fired callback takes the batch races with it.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
	"time"
)

type debouncer struct {
	mu      sync.Mutex // used by the fixed methods only
	timer   *time.Timer
	pending []string
	out     chan []string
}

func newDebouncer(out chan []string, fire func(*debouncer)) *debouncer {
	d := &debouncer{out: out}
	d.timer = time.AfterFunc(time.Hour, func() { fire(d) })
	d.timer.Stop()
	return d
}

// add relies on Reset to order it with the callback, but Reset orders
// only the callback runs it arms, not one already running.
func (d *debouncer) add(ev string) {
	d.pending = append(d.pending, ev) // want race
	d.timer.Reset(time.Millisecond)
}

func (d *debouncer) fire() {
	var batch []string
	batch, d.pending = d.pending, nil // want race
	d.out <- batch
}

func TestRaceDebounce(t *testing.T) {
	out := make(chan []string)
	d := newDebouncer(out, (*debouncer).fire)
	d.add("a")
	sched.WaitBlocked(t, "(*debouncer).fire", "chan send") // the callback has taken the batch
	d.add("b")                                             // the timer has fired: Reset arms it again
	n := len(<-out)
	n += len(<-out)
	if n != 2 {
		t.Logf("%d events flushed, want 2", n)
	}
}

func (d *debouncer) addLocked(ev string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending = append(d.pending, ev)
	d.timer.Reset(time.Millisecond)
}

func (d *debouncer) fireLocked() {
	d.mu.Lock()
	batch := d.pending
	d.pending = nil
	d.mu.Unlock()
	d.out <- batch
}

func TestNoRaceDebounce(t *testing.T) {
	out := make(chan []string)
	d := newDebouncer(out, (*debouncer).fireLocked)
	d.addLocked("a")
	sched.WaitBlocked(t, "(*debouncer).fireLocked", "chan send")
	d.addLocked("b")
	n := len(<-out)
	n += len(<-out)
	if n != 2 {
		t.Errorf("%d events flushed, want 2", n)
	}
}
