// Case: a uint64 statistic updated with atomic.AddUint64 is reset with a plain store between two phases ordered by WaitGroups.
// Classes: atomicmix
// Deterministic: atomicmix

package atomicmix

import (
	"sync"
	"sync/atomic"
	"testing"
)

func runPhase(bytes *uint64, workers int) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddUint64(bytes, 512)
		}()
	}
	wg.Wait()
}

// The reset sits between two phases: the first phase's Wait orders it after
// every add of that phase, and the go statements of the second phase order
// it before theirs. No data race, but the word is both atomic and plain.
func TestAtomicMixPlainReset(t *testing.T) {
	var bytes uint64
	runPhase(&bytes, 2)
	bytes = 0 // want atomicmix
	runPhase(&bytes, 3)
	if got := atomic.LoadUint64(&bytes); got != 3*512 {
		t.Errorf("bytes = %d, want %d", got, 3*512)
	}
}

func TestNoAtomicMixPlainReset(t *testing.T) {
	var bytes uint64
	runPhase(&bytes, 2)
	atomic.StoreUint64(&bytes, 0)
	runPhase(&bytes, 3)
	if got := atomic.LoadUint64(&bytes); got != 3*512 {
		t.Errorf("bytes = %d, want %d", got, 3*512)
	}
}
