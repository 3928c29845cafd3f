// Case: two goroutines write a variable with no synchronisation.
// Classes: hb lockset
// Deterministic: hb

package basic

import (
	"sync"
	"testing"
)

func TestRaceSimple(t *testing.T) {
	x := 0
	done := make(chan bool)
	go func() {
		x = 1 // want race
		done <- true
	}()
	x = 2 // want race
	<-done
	_ = x
}

func TestNoRaceSimple(t *testing.T) {
	x := 0
	var mu sync.Mutex
	done := make(chan bool)
	go func() {
		mu.Lock()
		x = 1
		mu.Unlock()
		done <- true
	}()
	mu.Lock()
	x = 2
	mu.Unlock()
	<-done
	_ = x
}
