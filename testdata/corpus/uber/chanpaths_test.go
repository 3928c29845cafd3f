// Case: a future's goroutine sends on its channel only on success; on error it just sets a field, which the waiter reads after giving up.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func futureCompute(fail bool) (int, error) {
	if fail {
		return 0, errors.New("backend down")
	}
	return 7, nil
}

type future struct {
	ch  chan struct{}
	val int
	err error
}

func (f *future) start(wg *sync.WaitGroup, fail bool) {
	f.ch = make(chan struct{}, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		v, err := futureCompute(fail)
		if err != nil {
			f.err = err // want race
			return      // no send on this path
		}
		f.val = v
		f.ch <- struct{}{}
	}()
}

func (f *future) wait(ctx context.Context) (int, error) {
	select {
	case <-f.ch:
		return f.val, nil
	case <-ctx.Done():
		if err := f.err; err != nil { // want race
			return 0, err
		}
		return 0, ctx.Err()
	}
}

type safeFuture struct {
	done chan struct{} // closed on every path, after val and err are set
	val  int
	err  error
}

func (f *safeFuture) start(wg *sync.WaitGroup, fail bool) {
	f.done = make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(f.done)
		f.val, f.err = futureCompute(fail)
	}()
}

func (f *safeFuture) wait(ctx context.Context) (int, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return 0, ctx.Err() // does not touch the fields
	}
}

func TestRaceChanPaths(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the caller's deadline has already passed
	var wg sync.WaitGroup
	f := new(future)
	f.start(&wg, true)
	_, _ = f.wait(ctx)
	wg.Wait()
}

func TestNoRaceChanPaths(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var wg sync.WaitGroup
	f := new(safeFuture)
	f.start(&wg, true)
	if _, err := f.wait(ctx); err == nil {
		t.Error("wait returned no error")
	}
	wg.Wait()
}
