// Case: a plain store to a uint32 state word races with atomic.LoadUint32 of it in another goroutine.
// Classes: hb atomicmix
// Deterministic: hb atomicmix

package atomicmix

import (
	"sync"
	"sync/atomic"
	"testing"
)

const (
	stateRunning uint32 = iota
	stateStopping
)

// The worker polls the state with atomic.LoadUint32, but Stop writes it with
// a plain store: the 32-bit word is accessed both ways, without order.
func TestRacePlainStoreAtomicLoad32(t *testing.T) {
	state := stateRunning
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if atomic.LoadUint32(&state) == stateStopping {
			return
		}
	}()
	state = stateStopping // want race atomicmix
	wg.Wait()
}

func TestNoRacePlainStoreAtomicLoad32(t *testing.T) {
	var state atomic.Uint32
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if state.Load() == stateStopping {
			return
		}
	}()
	state.Store(stateStopping)
	wg.Wait()
}
