// Case: a WaitGroup passed by value to each worker: their Dones reach copies and the waiter blocks forever.
// Classes: leak
// Deterministic: leak

package waitgroup

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

// go vet's copylocks check reports the by-value parameter; go test's vet
// subset does not run it.
func sendID(id int, wg sync.WaitGroup, out chan<- int) {
	defer wg.Done()
	out <- id
}

// The closer waits for the workers to close out; the copies' counters
// reach zero, the original's never does. The test reads what it needs
// and returns, leaking the closer.
func TestLeakWaitGroupCopy(t *testing.T) {
	var wg sync.WaitGroup
	out := make(chan int, 2)
	for i := range 2 {
		wg.Add(1)
		go sendID(i, wg, out)
	}
	go func() {
		wg.Wait() // want leak
		close(out)
	}()
	<-out
	<-out
	sched.WaitBlocked(t, "TestLeakWaitGroupCopy.func1", "sync.WaitGroup.Wait")
}

func sendIDFixed(id int, wg *sync.WaitGroup, out chan<- int) {
	defer wg.Done()
	out <- id
}

func TestNoLeakWaitGroupCopy(t *testing.T) {
	var wg sync.WaitGroup
	out := make(chan int, 2)
	for i := range 2 {
		wg.Add(1)
		go sendIDFixed(i, &wg, out)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	n := 0
	for range out {
		n++
	}
	if n != 2 {
		t.Errorf("got %d ids, want 2", n)
	}
}
