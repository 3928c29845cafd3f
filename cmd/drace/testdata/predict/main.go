// Command predict is drace predict's end-to-end test program: a race
// that a mutex hand-off hides from happens-before ("handoff"), and its
// twin whose reordering would change what a read saw ("twin").
//
// Run with GOMAXPROCS=1, so that runtime.Gosched runs the goroutine to
// its end first.
package main

import (
	"os"
	"runtime"
	"sync"
)

var (
	mu     sync.Mutex
	x      int
	shared int  // only read in the critical sections
	ready  bool // written in one critical section, read in the other
)

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	twin := len(os.Args) > 1 && os.Args[1] == "twin"
	go func() {
		defer wg.Done()
		x = 1
		mu.Lock()
		if twin {
			ready = true
		} else {
			_ = shared
		}
		mu.Unlock()
	}()
	runtime.Gosched()
	mu.Lock()
	var seen bool
	if twin {
		seen = ready
	} else {
		_ = shared
		seen = true
	}
	mu.Unlock()
	if seen {
		_ = x
	}
	wg.Wait()
}
