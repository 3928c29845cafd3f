// Case: goroutines append to a shared slice with no lock: the header (and the backing array) are read and written concurrently.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package uber

import (
	"sort"
	"sync"
	"testing"
)

func TestRaceSliceAppend(t *testing.T) {
	var results []int
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results = append(results, i*i) // want race
		}()
	}
	wg.Wait()
}

func TestNoRaceSliceAppend(t *testing.T) {
	var (
		mu      sync.Mutex
		results []int
		wg      sync.WaitGroup
	)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			results = append(results, i*i)
			mu.Unlock()
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	sort.Ints(results)
	if len(results) != 2 || results[0] != 0 || results[1] != 1 {
		t.Errorf("results = %v", results)
	}
}
