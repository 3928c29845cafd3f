// Case: a forwarder spawns one goroutine per message and the consumer stops reading: 1100 goroutines pile up, each blocked on its send.
// Classes: leak
// Deterministic: leak

package leak

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// messages is just over the leak detector's explosion threshold in corpus
// runs (DRACE_FLAGS=leak.explosion=1000 goroutines alive from one go
// statement; the default is 10000); each goroutine costs the race runtime
// and every detector, so no more than needed.
const messages = 1100

// forward hands every message to a goroutine of its own: nothing bounds
// how many exist at once.
func forward(in <-chan int, out chan<- int) {
	for m := range in {
		go func() { // want leak "GOROUTINE EXPLOSION"
			out <- 2 * m // want leak
		}()
	}
}

// The consumer takes one result and goes away; every other delivery
// blocks, forever.
func TestLeakGoroutinePerMessage(t *testing.T) {
	in, out := make(chan int, messages), make(chan int)
	for i := range messages {
		in <- i
	}
	close(in)
	before := runtime.NumGoroutine()
	forward(in, out)
	<-out
	// Wait until they have all started (none can complete its send); the
	// poll reads a count, which orders nothing.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() < before+messages-1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// The fix: a fixed pool of workers, and a consumer that drains them.
func forwardPool(in <-chan int, out chan<- int, workers int) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range in {
				out <- 2 * m
			}
		}()
	}
	wg.Wait()
	close(out)
}

func TestNoLeakGoroutinePerMessage(t *testing.T) {
	in, out := make(chan int, messages), make(chan int)
	for i := range messages {
		in <- i
	}
	close(in)
	go forwardPool(in, out, 8)
	n := 0
	for range out {
		n++
	}
	if n != messages {
		t.Errorf("got %d results, want %d", n, messages)
	}
}
