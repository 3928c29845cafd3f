// Case: deferred calls run last-in first-out, so wg.Done runs before the deferred write of the result that the waiter then reads.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"sync"
	"testing"
)

func TestRaceWaitGroupDoneOrder(t *testing.T) {
	var wg sync.WaitGroup
	exited := make(chan struct{})
	var result int
	wg.Add(1)
	go func() {
		defer close(exited)
		r := 0
		defer func() { result = r }() // want race
		defer wg.Done()               // registered last, so it runs first
		r = 42
	}()
	wg.Wait()
	got := result // want race
	<-exited
	_ = got
}

func TestNoRaceWaitGroupDoneOrder(t *testing.T) {
	var wg sync.WaitGroup
	result := new(int)
	wg.Add(1)
	go func() {
		defer wg.Done() // registered first, so it runs last
		r := 0
		defer func() { *result = r }()
		r = 42
	}()
	wg.Wait()
	if *result != 42 {
		t.Errorf("result = %d, want 42", *result)
	}
}
