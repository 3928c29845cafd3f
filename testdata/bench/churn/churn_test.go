// Package churn is a drace bench workload: goroutine churn, 100 000 short
// goroutines each doing a little work under one mutex. A detector whose
// per-goroutine state grows with the goroutines ever started (vector
// clocks indexed by goroutine) pays quadratically here.
package churn

import (
	"sync"
	"testing"
)

const goroutines = 100_000

func TestChurn(t *testing.T) {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sum int
	)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := i*3 + 1
			mu.Lock()
			sum += x
			mu.Unlock()
		}()
	}
	wg.Wait()
	mu.Lock() // not needed after Wait, but lockset knows only locks
	got := sum
	mu.Unlock()
	if want := 3*goroutines*(goroutines-1)/2 + goroutines; got != want {
		t.Fatalf("sum = %d, want %d", got, want)
	}
}
