// Case: a request handler runs a worker and waits for its result or for the request's context to end, select { case v := <-results: ...; case <-ctx.Done(): ... }, and another goroutine (the client going away) cancels the context; this run the cancel came after the select received the result (steered without synchronisation), but had it come first the handler could take ctx.Done() and return, and the worker's send on the unbuffered channel would block for good (a goroutine leak). The twin's worker selects on ctx.Done() too, so a cancel releases it.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"context"
	"testing"

	"drace.test/corpus/internal/sched"
)

// produce sends its result on results.
func produce(results chan<- int) {
	results <- 7 // want deadlock "select leak"
}

// produceOrQuit sends its result on results unless ctx ends first.
func produceOrQuit(ctx context.Context, results chan<- int) {
	select {
	case results <- 7:
	case <-ctx.Done():
	}
}

// handle runs a worker and waits for its result or the context's end.
func handle(ctx context.Context, fixed bool) (int, error) {
	results := make(chan int)
	if fixed {
		go produceOrQuit(ctx, results)
	} else {
		go produce(results)
	}
	select {
	case v := <-results:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// serve handles a request whose context a client goroutine cancels once
// the handler has its answer (steered: the test is waiting for the
// client), with no synchronisation between the select and the cancel.
func serve(t *testing.T, fixed bool, caller string) {
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan struct{})
	go func() {
		sched.WaitBlocked(t, caller, "chan receive")
		cancel()
		close(gone)
	}()
	v, err := handle(ctx, fixed)
	<-gone
	if err != nil || v != 7 {
		t.Errorf("result %d, %v; want 7, nil", v, err)
	}
}

func TestDeadlockPredictedSelectCancel(t *testing.T) {
	serve(t, false, "serve")
}

func TestNoDeadlockPredictedSelectCancel(t *testing.T) {
	serve(t, true, "serve")
}
