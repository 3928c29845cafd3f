// Package pingpong is a drace bench workload: two goroutines handing a
// value back and forth over unbuffered channels, each hand-off a
// synchronisation with almost no work between.
package pingpong

import "testing"

const exchanges = 100_000

func TestPingPong(t *testing.T) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	v := 0
	for range exchanges {
		ping <- v
		v = <-pong
	}
	close(ping)
	if v != exchanges {
		t.Fatalf("value %d after %d exchanges", v, exchanges)
	}
}
