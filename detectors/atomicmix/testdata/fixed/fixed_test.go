package fixed

import (
	"sync/atomic"
	"testing"
)

type server struct{ closed atomic.Bool }

// The flag of the racy test as an atomic.Bool: no plain access is left.
func TestClose(t *testing.T) {
	s := new(server)
	done := make(chan bool)
	go func() {
		s.closed.Store(true)
		done <- true
	}()
	if s.closed.Load() {
		t.Log("closed early")
	}
	<-done
}
