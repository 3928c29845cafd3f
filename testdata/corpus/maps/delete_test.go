// Case: a goroutine deletes a map entry while the test goroutine reads it.
// Classes: hb lockset
// Deterministic: hb lockset

package maps

import (
	"sync"
	"testing"
)

func TestRaceMapDeleteRead(t *testing.T) {
	conns := map[int]string{1: "db", 2: "cache"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		delete(conns, 2) // want race
	}()
	if _, ok := conns[1]; !ok { // want race
		t.Error("connection 1 vanished")
	}
	wg.Wait()
}

func TestNoRaceMapDeleteRead(t *testing.T) {
	var mu sync.RWMutex
	conns := map[int]string{1: "db", 2: "cache"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		mu.Lock()
		delete(conns, 2)
		mu.Unlock()
	}()
	mu.RLock()
	_, ok := conns[1]
	mu.RUnlock()
	if !ok {
		t.Error("connection 1 vanished")
	}
	wg.Wait()
}
