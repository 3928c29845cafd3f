// Case: two goroutines increment a shared counter with no synchronisation.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package hb

import (
	"sync"
	"testing"
)

func TestRaceCounter(t *testing.T) {
	var n int
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n++ // want race
		}()
	}
	wg.Wait()
}

func TestNoRaceCounter(t *testing.T) {
	var (
		mu sync.Mutex
		n  int
		wg sync.WaitGroup
	)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			n++
			mu.Unlock()
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if n != 2 {
		t.Errorf("n = %d, want 2", n)
	}
}
