// Case: goroutines started in a three-clause for loop read i while the loop's post statement increments it (Go < 1.22 semantics).
// Classes: hb predictive
// Deterministic: hb predictive
package loopvar

import (
	"sync"
	"testing"
)

func TestRaceThreeClause(t *testing.T) {
	out := make(chan int, 3)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ { // want race
		wg.Add(1)
		go func() {
			defer wg.Done()
			out <- i * i // want race
		}()
	}
	wg.Wait()
	close(out)
	for range out {
	}
}

func TestNoRaceThreeClause(t *testing.T) {
	sum := new([3]int)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sum[i] = i * i // distinct elements
		}(i)
	}
	wg.Wait()
	if *sum != [3]int{0, 1, 4} {
		t.Errorf("sum = %v", sum)
	}
}
