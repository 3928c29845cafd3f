// Case: two shutdown paths close the same quit channel concurrently; the second close panics.
// Classes: runtime
// Deterministic: runtime

package channels

import (
	"sync"
	"testing"
)

type stopper struct {
	quit chan struct{}
}

func (s *stopper) stop() {
	close(s.quit) // want panic "close of closed channel"
}

// Both goroutines stop the worker, as a signal handler and a deferred Stop
// would. One of the closes panics, whichever runs second, and the panic
// kills the test binary. No race is reported: the second close panics
// before it touches the channel as a write. (Done is not deferred: a
// deferred Done would run as the goroutine panics, and the test could
// return and the binary exit before the panic is printed.)
func TestPanicCloseClose(t *testing.T) {
	s := &stopper{quit: make(chan struct{})}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			s.stop()
			wg.Done()
		}()
	}
	wg.Wait()
}

type onceStopper struct {
	quit chan struct{}
	once sync.Once
}

func (s *onceStopper) stop() {
	s.once.Do(func() { close(s.quit) })
}

func TestNoPanicCloseClose(t *testing.T) {
	s := &onceStopper{quit: make(chan struct{})}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stop()
		}()
	}
	wg.Wait()
	<-s.quit
}
