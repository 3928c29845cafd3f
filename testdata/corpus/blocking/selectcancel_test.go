// Case: a producer sends without selecting on its context, so when the consumer cancels and stops reading, the producer stays blocked on its send.
// Classes: leak
// Deterministic: leak

package blocking

import (
	"context"
	"drace.test/corpus/internal/sched"
	"testing"
)

// numbers produces 0, 1, 2, ... for as long as ctx lasts, its caller
// believes; but it sends without selecting on ctx.Done(), so once the
// reader has cancelled and gone, its send waits for good.
func numbers(ctx context.Context) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; ; i++ {
			out <- i // want leak
		}
	}()
	return out
}

// firstEven takes numbers until an even one after 2, then cancels.
func firstEven(next func(context.Context) <-chan int) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for n := range next(ctx) {
		if n > 2 && n%2 == 0 {
			return n
		}
	}
	return -1
}

func TestLeakSelectOnCancel(t *testing.T) {
	if n := firstEven(numbers); n != 4 {
		t.Errorf("firstEven = %d, want 4", n)
	}
	sched.WaitBlocked(t, "numbers.func1", "chan send")
}

// numbersFixed selects between the send and the cancellation.
func numbersFixed(ctx context.Context) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; ; i++ {
			select {
			case out <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func TestNoLeakSelectOnCancel(t *testing.T) {
	if n := firstEven(numbersFixed); n != 4 {
		t.Errorf("firstEven = %d, want 4", n)
	}
	sched.WaitGone(t, "numbersFixed.func1")
}
