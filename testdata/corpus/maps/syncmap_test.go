// Case: sync.Map misuse: goroutines Load a *struct from a sync.Map and increment its field in place.
// Classes: hb lockset
// Deterministic: hb lockset

package maps

import (
	"sync"
	"sync/atomic"
	"testing"
)

type hitStats struct {
	n int
}

// sync.Map makes Load and Store safe, not the values behind the pointers
// it returns: both goroutines update the same hitStats unsynchronised.
func TestRaceSyncMapValueMutation(t *testing.T) {
	var stats sync.Map
	stats.Store("/index", &hitStats{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _ := stats.Load("/index")
			v.(*hitStats).n++ // want race
		}()
	}
	wg.Wait()
}

type atomicHitStats struct {
	n atomic.Int64
}

func TestNoRaceSyncMapValueMutation(t *testing.T) {
	var stats sync.Map
	stats.Store("/index", &atomicHitStats{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _ := stats.Load("/index")
			v.(*atomicHitStats).n.Add(1)
		}()
	}
	wg.Wait()
	v, _ := stats.Load("/index")
	if n := v.(*atomicHitStats).n.Load(); n != 2 {
		t.Errorf("hits = %d, want 2", n)
	}
}
