// Case: a relay takes a request from a buffered channel and answers on the same channel, where a second consumer reads the answer; this run the relay was first in line (steered without synchronisation), so it took the request and the consumer the answer, but had the consumer been first, it would have taken the request and the relay would wait for good on the empty buffer for a request no one sends. The twin answers on a buffered channel of its own, so the consumer cannot take the request.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"testing"

	"drace.test/corpus/internal/sched"
)

// bufRelay answers one request from in on out.
func bufRelay(in <-chan int, out chan<- int) {
	v := <-in // want deadlock "receive with no sender left"
	out <- v + 1
}

// bufConsume hands the answer it reads from in to got.
func bufConsume(in <-chan int, got chan<- int) {
	got <- <-in // want deadlock "receive with no sender left"
}

// askBuffered runs a relay and a consumer, the relay first in line, and
// sends the request on requests.
func askBuffered(t *testing.T, requests, answers chan int) int {
	got := make(chan int)
	go bufRelay(requests, answers)
	sched.WaitBlocked(t, "bufRelay", "chan receive")
	go bufConsume(answers, got)
	sched.WaitBlocked(t, "bufConsume", "chan receive")
	requests <- 1
	return <-got
}

func TestDeadlockPredictedBufferedSteal(t *testing.T) {
	ch := make(chan int, 1)
	if n := askBuffered(t, ch, ch); n != 2 {
		t.Errorf("answer %d, want 2", n)
	}
}

func TestNoDeadlockPredictedBufferedSteal(t *testing.T) {
	if n := askBuffered(t, make(chan int, 1), make(chan int, 1)); n != 2 {
		t.Errorf("answer %d, want 2", n)
	}
}
