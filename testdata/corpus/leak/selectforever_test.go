// Case: a background goroutine parks itself in select {} after its work, with nothing that could ever wake it.
// Classes: leak
// Deterministic: leak

package leak

import (
	"drace.test/corpus/internal/sched"
	"testing"
)

// startWorker does its work, then "stays alive" in an empty select.
func startWorker(work func()) {
	go func() {
		work()
		select {} // want leak
	}()
}

func TestLeakSelectForever(t *testing.T) {
	startWorker(func() {})
	sched.WaitBlocked(t, "startWorker.func1", "select (no cases)")
}

// The fix: stay alive until told to stop.
func startWorkerFixed(work func(), stop <-chan struct{}, stopped chan<- struct{}) {
	go func() {
		defer close(stopped)
		work()
		<-stop
	}()
}

func TestNoLeakSelectForever(t *testing.T) {
	stop, stopped := make(chan struct{}), make(chan struct{})
	startWorkerFixed(func() {}, stop, stopped)
	close(stop)
	<-stopped
}
