package holder

import (
	"sync"
	"testing"
)

// The test's goroutine locks mu, then waits for a value that the
// goroutine it starts sends only once it holds mu: every goroutine is
// blocked, and the one waiting on mu is told who holds it.
func TestHeldMutex(t *testing.T) {
	var mu sync.Mutex
	ch := make(chan int)
	mu.Lock() // the holder's Lock
	go func() {
		mu.Lock() // want deadlock "all goroutines are blocked"
		ch <- 1
		mu.Unlock()
	}()
	<-ch // want deadlock "all goroutines are blocked"
	mu.Unlock()
}
