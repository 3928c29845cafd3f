// Case: a WaitGroup reused for the next batch (Done then Add at once) while a monitor's Wait for the previous batch has not returned yet.
// Classes: runtime hb
// Deterministic: runtime hb

package waitgroup

import (
	"drace.test/corpus/internal/sched"
	"runtime"
	"sync"
	"testing"
)

// The stage's Done wakes the monitor; its Add, made before the monitor has
// run, reuses the WaitGroup under it, and the monitor's Wait panics with
// "sync: WaitGroup is reused before previous Wait has returned". With one P
// the monitor cannot run between the Done and the Add. The Add, from a zero
// counter, also races with the monitor's blocking Wait (hb). The panic is
// class runtime's, owed by every configuration; the race is class hb's,
// owed by -race and fasttrack only.
func TestPanicWaitGroupReuse(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var inflight sync.WaitGroup
	inflight.Add(1) // batch 1
	monitorDone := make(chan struct{})
	go func() {
		inflight.Wait()    // want panic "WaitGroup is reused before previous Wait has returned"
		close(monitorDone) // not deferred: the test must not end while Wait panics
	}()
	sched.WaitBlocked(t, "TestPanicWaitGroupReuse.func1", "sync.WaitGroup.Wait")
	release := make(chan struct{})
	go func() { // want race
		inflight.Done() // batch 1 is complete: wakes the monitor
		inflight.Add(1) // batch 2 is in flight, before the monitor has run
		<-release
		inflight.Done()
	}()
	<-monitorDone
	close(release)
}

// The fix: one WaitGroup per batch, each counted before anyone waits on it.
func TestNoPanicWaitGroupReuse(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	batch1, batch2 := new(sync.WaitGroup), new(sync.WaitGroup)
	batch1.Add(1)
	batch2.Add(1)
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		batch1.Wait()
	}()
	sched.WaitBlocked(t, "TestNoPanicWaitGroupReuse.func1", "sync.WaitGroup.Wait")
	release := make(chan struct{})
	go func() {
		batch1.Done()
		<-release
		batch2.Done()
	}()
	<-monitorDone
	close(release)
	batch2.Wait()
}
