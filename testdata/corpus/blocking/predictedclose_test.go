// Case: a goroutine holds a Mutex while it waits for a channel to be closed, and the only closer takes that Mutex first; this run does not hang (the closer finished before the waiter locked), the other order does. The twin only polls the channel with a select's default under the Mutex, which never blocks.
// Classes: lockorder
// Deterministic: lockorder

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A loader publishes its result under its lock, then closes loaded.
type loader struct {
	mu     sync.Mutex
	result string
	loaded chan struct{}
}

func (l *loader) load() {
	l.mu.Lock() // want deadlock "lock and channel cycle"
	l.result = "data"
	l.mu.Unlock()
	close(l.loaded)
}

// get waits for the load with the lock held.
func (l *loader) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	<-l.loaded // want deadlock "lock and channel cycle"
	return l.result
}

// The load has finished before get locks (RunAlone polls the number of
// goroutines, no synchronisation), so the run does not hang. Had get
// locked first, it would wait for the close with the lock held, and the
// loader for the lock.
func TestDeadlockPredictedClose(t *testing.T) {
	l := &loader{loaded: make(chan struct{})}
	sched.RunAlone(l.load)
	if r := l.get(); r != "data" {
		t.Errorf("got %q, want data", r)
	}
}

// getFixed polls for the load under the lock: a select with a default
// never blocks.
func (l *loader) getFixed() (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.loaded:
		return l.result, true
	default:
		return "", false
	}
}

func TestNoDeadlockPredictedClose(t *testing.T) {
	l := &loader{loaded: make(chan struct{})}
	sched.RunAlone(l.load)
	if r, ok := l.getFixed(); !ok || r != "data" {
		t.Errorf("got %q, %v; want data, true", r, ok)
	}
}
