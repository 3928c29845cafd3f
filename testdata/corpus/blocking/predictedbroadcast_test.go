// Case: workers wait on a sync.Cond for a start Broadcast without checking a flag; this run every worker was waiting before the Broadcast (steered without synchronisation), so it does not hang, but the Broadcast could run before a worker waits, which then waits for good. The twin's workers check a started flag under the lock, so in that order they do not wait.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A startGate lets its workers go at once.
type startGate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started bool
}

func newStartGate() *startGate {
	g := new(startGate)
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *startGate) open() {
	g.mu.Lock()
	g.started = true
	g.mu.Unlock()
	g.cond.Broadcast() // want deadlock "Signal before the Wait"
}

// await waits for the Broadcast, not for the gate to be open.
func (g *startGate) await() {
	g.mu.Lock()
	g.cond.Wait() // want deadlock "Signal before the Wait"
	g.mu.Unlock()
}

func (g *startGate) awaitFixed() {
	g.mu.Lock()
	for !g.started {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

// runGate starts two workers that wait at the gate, opens it once both
// wait (seen in goroutine dumps), and waits for them.
func runGate(t *testing.T, fixed bool) {
	g := newStartGate()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if fixed {
				g.awaitFixed()
			} else {
				g.await()
			}
		}()
	}
	fn := "(*startGate).await"
	if fixed {
		fn = "(*startGate).awaitFixed"
	}
	sched.WaitBlockedN(t, 2, fn, "sync.Cond.Wait")
	g.open()
	// The opener's own next step, before wg.Wait: a predictor places the
	// Broadcast before a Wait only with the event after it (so that the
	// call returned), and wg.Wait's first read depends on the workers
	// whenever both finished first, which one run in 60 at GOMAXPROCS 2
	// does.
	gatesOpened++
	wg.Wait()
}

// gatesOpened counts the gates opened; only the opener touches it.
var gatesOpened int

func TestDeadlockPredictedBroadcast(t *testing.T) { runGate(t, false) }

func TestNoDeadlockPredictedBroadcast(t *testing.T) { runGate(t, true) }
