// Case: the test goroutine ranges over a map while a goroutine updates it.
// Classes: hb lockset
// Deterministic: hb lockset

package maps

import (
	"sync"
	"testing"
)

func TestRaceMapRangeWrite(t *testing.T) {
	prices := map[string]int{"apple": 3, "pear": 4, "plum": 2}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := range 100 {
			prices["fruit"] = k // want race
		}
	}()
	total := 0
	for _, p := range prices { // want race
		total += p
	}
	wg.Wait()
	_ = total
}

func TestNoRaceMapRangeWrite(t *testing.T) {
	var mu sync.RWMutex
	prices := map[string]int{"apple": 3, "pear": 4, "plum": 2}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := range 100 {
			mu.Lock()
			prices["fruit"] = k
			mu.Unlock()
		}
	}()
	total := 0
	mu.RLock()
	for _, p := range prices {
		total += p
	}
	mu.RUnlock()
	wg.Wait()
	_ = total
}
