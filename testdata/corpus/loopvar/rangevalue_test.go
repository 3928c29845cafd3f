// Case: goroutines started in a for-range loop read the value variable v, which the loop shares and rewrites (Go < 1.22 semantics).
// Classes: hb predictive
// Deterministic: hb predictive
package loopvar

import (
	"sync"
	"testing"
)

type job struct {
	name string
	cost int
}

func TestRaceRangeValue(t *testing.T) {
	jobs := []job{{"a", 1}, {"b", 2}, {"c", 3}}
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for _, v := range jobs { // want race
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := v.cost // want race
			mu.Lock()
			total += c
			mu.Unlock()
		}()
	}
	wg.Wait()
}

func TestNoRaceRangeValue(t *testing.T) {
	jobs := []job{{"a", 1}, {"b", 2}, {"c", 3}}
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for _, v := range jobs {
		wg.Add(1)
		go func(v job) { // the goroutine gets its own copy
			defer wg.Done()
			mu.Lock()
			total += v.cost
			mu.Unlock()
		}(v)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if total != 6 {
		t.Errorf("total = %d, want 6", total)
	}
}
