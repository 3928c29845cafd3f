// Case: a goroutine inserts into a map while the test goroutine looks a key up.
// Classes: hb lockset
// Deterministic: hb lockset

package maps

import (
	"sync"
	"testing"
)

func TestRaceMapReadWrite(t *testing.T) {
	sessions := map[string]int{"alice": 1}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sessions["bob"] = 2 // want race
	}()
	if sessions["alice"] != 1 { // want race
		t.Error("alice lost her session")
	}
	<-done
}

func TestNoRaceMapReadWrite(t *testing.T) {
	var mu sync.Mutex
	sessions := map[string]int{"alice": 1}
	done := make(chan struct{})
	go func() {
		defer close(done)
		mu.Lock()
		sessions["bob"] = 2
		mu.Unlock()
	}()
	mu.Lock()
	id := sessions["alice"]
	mu.Unlock()
	if id != 1 {
		t.Error("alice lost her session")
	}
	<-done
}
