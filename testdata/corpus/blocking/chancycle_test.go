// Case: two peers each wait to hear from the other before they speak: a cycle of two channel receives, left blocked when the test gives up on them.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"testing"
)

// A peer answers a greeting: it listens first, then speaks.
func listenThenSpeak(in <-chan string, out chan<- string, name string) {
	greeting := <-in // want leak
	out <- name + " heard " + greeting
}

func TestLeakChannelCycle(t *testing.T) {
	aToB, bToA := make(chan string), make(chan string)
	go listenThenSpeak(bToA, aToB, "a")
	go listenThenSpeak(aToB, bToA, "b")
	sched.WaitBlockedN(t, 2, "listenThenSpeak", "chan receive")
}

// speakThenListen speaks first, into a buffer, so neither waits for the
// other to start.
func speakThenListen(in <-chan string, out chan<- string, name string, heard chan<- string) {
	out <- name
	heard <- name + " heard " + <-in
}

func TestNoLeakChannelCycle(t *testing.T) {
	aToB, bToA := make(chan string, 1), make(chan string, 1)
	heard := make(chan string, 2)
	go speakThenListen(bToA, aToB, "a", heard)
	go speakThenListen(aToB, bToA, "b", heard)
	<-heard
	<-heard
}
