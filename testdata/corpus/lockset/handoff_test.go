// Case: a buffer handed to a consumer over a channel: the producer keeps writing it after the send; the twin's hand-off of ownership is correct but has no common lock.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
// Known-FP: lockset
package lockset

import (
	"testing"
)

type packet struct {
	data []byte
	hops int
}

func TestRaceHandoff(t *testing.T) {
	ch := make(chan *packet)
	done := make(chan struct{})
	go func() { // consumer
		defer close(done)
		p := <-ch
		p.hops++ // want race
	}()
	p := new(packet)
	p.data = []byte("payload")
	ch <- p
	// The producer no longer owns p.
	p.hops = 1 // want race
	<-done
}

// The producer gives up p at the send and the consumer hands it back by
// closing done: every access is ordered, with no lock. A lockset detector
// sees p.hops written by two goroutines with no common lock and reports it
// (a false positive); a hybrid detector sees the channel order and does not.
func TestNoRaceHandoff(t *testing.T) {
	ch := make(chan *packet)
	done := make(chan struct{})
	go func() { // consumer
		defer close(done)
		p := <-ch
		p.hops++
	}()
	p := &packet{data: []byte("payload")}
	p.hops = 1
	ch <- p
	<-done
	if p.hops != 2 {
		t.Errorf("hops = %d, want 2", p.hops)
	}
}
