// Case: a server's handlers register themselves with the WaitGroup (Add inside the handler goroutine) and run until the stop channel closes, and Stop waits for them before it closes it; this run the handler registered after Stop's Wait (steered without synchronisation), so Wait returned at once and it does not hang, but had the handler's Add come first, Stop would wait for a Done that needs its own close. The twin closes the stop channel before it waits.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A handlerServer runs handlers until stop is closed.
type handlerServer struct {
	wg      sync.WaitGroup
	stop    chan struct{}
	stopped chan struct{}
}

// handle runs one handler; it registers itself, too late for Stop.
func (s *handlerServer) handle(t *testing.T, caller string) {
	// Steered: Stop is past its Wait, waiting for stopped.
	sched.WaitBlocked(t, caller, "chan receive")
	s.wg.Add(1) // want deadlock "Add before the Wait"
	defer s.wg.Done()
	<-s.stop
}

// stop waits for the handlers, then tells them to stop: the bug.
func (s *handlerServer) shutdown() {
	s.wg.Wait() // want deadlock "Add before the Wait"
	close(s.stop)
}

func (s *handlerServer) shutdownFixed() {
	close(s.stop)
	s.wg.Wait()
}

func runHandlerServer(t *testing.T, fixed bool, caller string) {
	s := &handlerServer{stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		s.handle(t, caller)
		close(s.stopped)
	}()
	if fixed {
		s.shutdownFixed()
	} else {
		s.shutdown()
	}
	<-s.stopped
}

func TestDeadlockPredictedShutdown(t *testing.T) {
	runHandlerServer(t, false, "runHandlerServer")
}

func TestNoDeadlockPredictedShutdown(t *testing.T) {
	runHandlerServer(t, true, "runHandlerServer")
}
