// Case: a relay takes a request from a channel and answers on the same channel, where a second consumer reads the answer; this run the relay was first in line (steered without synchronisation), so it took the request and the consumer the answer, but had the consumer been first, it would have taken the request and the relay would wait for good for a request no one sends. The twin answers on a channel of its own, so the consumer cannot take the request.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"testing"

	"drace.test/corpus/internal/sched"
)

// relay answers one request from in on out.
func relay(in <-chan int, out chan<- int) {
	v := <-in // want deadlock "receive with no sender left"
	out <- v + 1
}

// consume hands the answer it reads from in to got.
func consume(in <-chan int, got chan<- int) {
	got <- <-in // want deadlock "receive with no sender left"
}

// ask runs a relay and a consumer, the relay first in line, and sends
// the request on requests.
func ask(t *testing.T, requests, answers chan int) int {
	got := make(chan int)
	go relay(requests, answers)
	sched.WaitBlocked(t, "relay", "chan receive")
	go consume(answers, got)
	sched.WaitBlocked(t, "consume", "chan receive")
	requests <- 1
	return <-got
}

func TestDeadlockPredictedSteal(t *testing.T) {
	ch := make(chan int)
	if n := ask(t, ch, ch); n != 2 {
		t.Errorf("answer %d, want 2", n)
	}
}

func TestNoDeadlockPredictedSteal(t *testing.T) {
	if n := ask(t, make(chan int), make(chan int)); n != 2 {
		t.Errorf("answer %d, want 2", n)
	}
}
