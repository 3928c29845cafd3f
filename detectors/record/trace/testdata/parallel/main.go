// Command parallel races on many variables from goroutines that run at
// once, one per CPU, for the tests that a replay prints what the detectors
// printed online at GOMAXPROCS above 1: the unordered accesses of the
// goroutines interleave finely, between mutex sections, atomics and
// channel operations, so a trace holding them in another order than the
// one the detectors saw names other accesses in the races' reports, or
// other races.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	vars   = 32
	rounds = 3000
)

var (
	shared  [vars]int
	mu      sync.Mutex
	guarded int
	counter atomic.Int64
)

//go:noinline
func worker(id int, start <-chan struct{}, ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	<-start
	for i := range rounds {
		v := &shared[(i*7+id*3)%vars]
		if (i+id)%3 == 0 {
			*v++ // races with the other workers' reads and writes
		} else {
			_ = *v
		}
		switch i % 16 {
		case 0:
			mu.Lock()
			guarded++
			mu.Unlock()
		case 8:
			select {
			case ch <- i:
			default:
			}
		}
		counter.Add(1)
	}
}

func main() {
	workers := max(runtime.GOMAXPROCS(0), 2)
	start := make(chan struct{})
	ch := make(chan int, 4)
	var wg sync.WaitGroup
	for id := range workers {
		wg.Add(1)
		go worker(id, start, ch, &wg)
	}
	close(start) // the workers start together
	wg.Wait()
	fmt.Println(workers, counter.Load(), guarded)
}
