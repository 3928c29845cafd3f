package racy

import (
	"sync/atomic"
	"testing"
)

type server struct{ closed int32 }

// The flag is set with sync/atomic but read plainly, with nothing
// ordering the two.
func TestClose(t *testing.T) {
	s := new(server)
	done := make(chan bool)
	go func() {
		atomic.StoreInt32(&s.closed, 1)
		done <- true
	}()
	if s.closed == 1 { // want atomicmix
		t.Log("closed early")
	}
	<-done
}
