// Case: a producer closes its output on an error path and again on the way out (break where return was meant).
// Classes: runtime
// Deterministic: runtime

package channels

import "testing"

func produce(out chan<- int, items []int) {
	for _, it := range items {
		if it < 0 {
			close(out) // tell the consumer there is nothing more
			break
		}
		out <- it
	}
	close(out) // want panic "close of closed channel"
}

func TestPanicDoubleClose(t *testing.T) {
	out := make(chan int, 4)
	produce(out, []int{1, 2, -1, 3})
	for range out {
	}
}

func produceFixed(out chan<- int, items []int) {
	defer close(out)
	for _, it := range items {
		if it < 0 {
			return
		}
		out <- it
	}
}

func TestNoPanicDoubleClose(t *testing.T) {
	out := make(chan int, 4)
	produceFixed(out, []int{1, 2, -1, 3})
	n := 0
	for range out {
		n++
	}
	if n != 2 {
		t.Errorf("got %d items, want 2", n)
	}
}
