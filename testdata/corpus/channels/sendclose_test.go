// Case: a producer sends on a channel while the consumer closes it to stop the producer.
// Classes: hb lockset
// Deterministic: hb

package channels

import (
	"sync"
	"testing"
)

// Whichever comes first, the send (a read of the channel) and the close (a
// write) are unordered. If the close wins, the send panics; the producer
// recovers so that the test reports the race rather than the panic.
func TestRaceSendClose(t *testing.T) {
	events := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() { _ = recover() }()
		events <- 1 // want race
	}()
	close(events) // want race
	wg.Wait()
}

// The fix: only the sender closes; the consumer asks it to stop through a
// channel of its own.
func TestNoRaceSendClose(t *testing.T) {
	events := make(chan int, 1)
	stop := make(chan struct{})
	go func() {
		defer close(events)
		select {
		case events <- 1:
		case <-stop:
		}
	}()
	close(stop)
	for range events {
	}
}
