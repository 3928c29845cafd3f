package basic

// Case: a variable handed between goroutines by a channel, without a lock:
// ordered, so only a lockset detector complains.
// Classes: lockset
// Deterministic: lockset
// Known-FP: lockset

import "testing"

func TestRaceHandoff(t *testing.T) {
	x := 0
	ch := make(chan bool)
	go func() {
		x = 1 // want race "lockset"
		ch <- true
	}()
	<-ch
	x = 2 // want race "lockset"
	_ = x
}

func TestNoRaceHandoff(t *testing.T) {
	x := 0
	ch := make(chan bool)
	go func() {
		x = 1
		ch <- true
	}()
	<-ch
	_ = x
}
