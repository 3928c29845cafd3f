// Package mutex is a drace bench workload: 64 goroutines contending for one
// sync.Mutex, each updating a shared table in short critical sections.
package mutex

import (
	"sync"
	"testing"
)

const (
	goroutines = 64
	rounds     = 3000
)

func TestContendedMutex(t *testing.T) {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		table [16]int
		total int
	)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				mu.Lock()
				table[(g+i)%len(table)]++
				total++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	mu.Lock() // not needed after Wait, but lockset knows only locks
	sum, n := 0, total
	for _, c := range table {
		sum += c
	}
	mu.Unlock()
	if sum != goroutines*rounds || n != sum {
		t.Fatalf("table sum %d, total %d, want %d", sum, n, goroutines*rounds)
	}
}
