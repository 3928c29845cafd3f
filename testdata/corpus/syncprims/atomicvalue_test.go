// Case: a config held in an atomic.Value is updated by mutating the stored struct in place after Store; a reader that loaded it reads the field being written.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"drace.test/corpus/internal/sched"
	"sync/atomic"
	"testing"
)

type limits struct {
	maxConns int
	burst    int
}

// serve reads the current limits, waits for the next request, and reads
// them again.
func serve(cur *atomic.Value, next <-chan struct{}, seen chan<- int) {
	l := cur.Load().(*limits)
	seen <- l.maxConns // want race
	<-next
	l = cur.Load().(*limits)
	seen <- l.maxConns
}

func TestRaceAtomicValueMutate(t *testing.T) {
	var cur atomic.Value
	cur.Store(&limits{maxConns: 10, burst: 2})
	next := make(chan struct{})
	seen := make(chan int, 2)
	go serve(&cur, next, seen)
	sched.WaitBlocked(t, "serve", "chan receive") // it has read the limits once
	cur.Load().(*limits).maxConns = 20            // want race
	close(next)
	t.Logf("served with %d then %d", <-seen, <-seen)
}

// Copy on write: the stored struct is never written after Store.
func TestNoRaceAtomicValueMutate(t *testing.T) {
	var cur atomic.Value
	cur.Store(&limits{maxConns: 10, burst: 2})
	next := make(chan struct{})
	seen := make(chan int, 2)
	go serve(&cur, next, seen)
	sched.WaitBlocked(t, "serve", "chan receive")
	l := *cur.Load().(*limits)
	l.maxConns = 20
	cur.Store(&l)
	close(next)
	if a, b := <-seen, <-seen; a != 10 || b != 20 {
		t.Errorf("served with %d then %d, want 10 then 20", a, b)
	}
}
