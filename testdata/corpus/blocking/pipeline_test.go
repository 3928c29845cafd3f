// Case: a consumer stops reading a three-stage pipeline after the first result; the stages stay blocked on their sends.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"drace.test/corpus/internal/sched"
	"testing"
)

func generate(n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := range n {
			out <- i // want leak
		}
	}()
	return out
}

func square(in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for v := range in {
			out <- v * v // want leak
		}
	}()
	return out
}

// firstAbove returns the first value above min and stops reading.
func firstAbove(in <-chan int, min int) int {
	for v := range in {
		if v > min {
			return v
		}
	}
	return -1
}

func TestLeakPipelineStage(t *testing.T) {
	if v := firstAbove(square(generate(10)), 10); v != 16 {
		t.Errorf("firstAbove = %d, want 16", v)
	}
	sched.WaitBlocked(t, "square.func1", "chan send")
	sched.WaitBlocked(t, "generate.func1", "chan send")
}

// The fix: stages also select on a done channel, which the consumer
// closes when it stops reading.
func generateFixed(done <-chan struct{}, n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := range n {
			select {
			case out <- i:
			case <-done:
				return
			}
		}
	}()
	return out
}

func squareFixed(done <-chan struct{}, in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- v * v:
			case <-done:
				return
			}
		}
	}()
	return out
}

func TestNoLeakPipelineStage(t *testing.T) {
	done := make(chan struct{})
	if v := firstAbove(squareFixed(done, generateFixed(done, 10)), 10); v != 16 {
		t.Errorf("firstAbove = %d, want 16", v)
	}
	close(done)
	sched.WaitGone(t, "squareFixed.func1")
	sched.WaitGone(t, "generateFixed.func1")
}
