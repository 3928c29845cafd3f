// Case: a goroutine started inside a function reads its named result, which the function's return statement then writes.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"sync"
	"testing"
)

func namedCallee(wg *sync.WaitGroup, seen chan<- int) (result int) {
	result = 10
	wg.Add(1)
	go func() {
		defer wg.Done()
		seen <- result // want race
	}()
	return 20 // want race
}

func namedCalleeFixed(wg *sync.WaitGroup, seen chan<- int) (result int) {
	result = 10
	r := result // the goroutine gets its own copy
	wg.Add(1)
	go func() {
		defer wg.Done()
		seen <- r
	}()
	return 20
}

func TestRaceNamedResult(t *testing.T) {
	var wg sync.WaitGroup
	seen := make(chan int, 1)
	_ = namedCallee(&wg, seen)
	wg.Wait()
	<-seen
}

func TestNoRaceNamedResult(t *testing.T) {
	var wg sync.WaitGroup
	seen := make(chan int, 1)
	got := namedCalleeFixed(&wg, seen)
	wg.Wait()
	if s := <-seen; got != 20 || s != 10 {
		t.Errorf("got %d, goroutine saw %d; want 20, 10", got, s)
	}
}
