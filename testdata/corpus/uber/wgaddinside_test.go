// Case: wg.Add is called inside the goroutines it counts, racing with wg.Wait (caught when Wait finds the goroutines already added).
// Classes: hb
// Deterministic:
package uber

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestRaceWaitGroupAddInside(t *testing.T) {
	var wg sync.WaitGroup
	var exited sync.WaitGroup // joins every goroutine, whatever wg does
	release := make(chan struct{})
	base := runtime.NumGoroutine()
	exited.Add(3)
	for i := 0; i < 2; i++ {
		// The WaitGroup's own race annotations (a read in the first Add, a
		// write in a blocking Wait) have no frame in this file on their
		// stacks: the report points here, where the Adding goroutine starts.
		go func() { // want race
			defer exited.Done()
			wg.Add(1)
			defer wg.Done()
			<-release
		}()
	}
	go func() {
		defer exited.Done()
		time.Sleep(100 * time.Millisecond)
		close(release)
	}()
	// Give the goroutines time to call Add (nothing makes sure they have:
	// that is the bug). Watching the goroutine count is no synchronisation.
	for i := 0; runtime.NumGoroutine() < base+3 && i < 1000; i++ {
		time.Sleep(100 * time.Microsecond)
	}
	time.Sleep(2 * time.Millisecond)
	wg.Wait()
	exited.Wait()
}

func TestNoRaceWaitGroupAddInside(t *testing.T) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for i := 0; i < 2; i++ {
		wg.Add(1) // before the go statement
		go func() {
			defer wg.Done()
			<-release
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(20 * time.Millisecond)
		close(release)
	}()
	time.Sleep(5 * time.Millisecond)
	wg.Wait()
}
