// Case: an int32 flag set with atomic.StoreInt32 is read plainly after a channel receive: ordered, but mixed.
// Classes: atomicmix
// Deterministic: atomicmix

package atomicmix

import (
	"sync/atomic"
	"testing"
)

// close(done) happens before <-done returns, so the plain read is ordered
// after the atomic store: no data race, a mixed access only.
func TestAtomicMixChannelOrdered32(t *testing.T) {
	var ready int32
	done := make(chan struct{})
	go func() {
		atomic.StoreInt32(&ready, 1)
		close(done)
	}()
	<-done
	if ready != 1 { // want atomicmix
		t.Errorf("ready = %d, want 1", ready)
	}
}

func TestNoAtomicMixChannelOrdered32(t *testing.T) {
	var ready int32
	done := make(chan struct{})
	go func() {
		atomic.StoreInt32(&ready, 1)
		close(done)
	}()
	<-done
	if n := atomic.LoadInt32(&ready); n != 1 {
		t.Errorf("ready = %d, want 1", n)
	}
}
