// Case: a supervisor cancels a worker's context and at once harvests and resets the worker's counter, as if cancel waited for the worker to stop.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"context"
	"runtime"
	"testing"
)

type crawler struct {
	pages int
}

func (c *crawler) run(ctx context.Context, stopped chan<- struct{}) {
	defer close(stopped)
	for {
		c.pages++ // want race
		select {
		case <-ctx.Done():
			return
		default:
			runtime.Gosched()
		}
	}
}

func TestRaceCtxCancelHarvest(t *testing.T) {
	c := new(crawler)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go c.run(ctx, stopped)
	cancel() // only asks the worker to stop
	var n int
	n, c.pages = c.pages, 0 // want race
	<-stopped
	t.Logf("harvested %d pages", n)
}

// runCounted keeps its count to itself and reports it once it has seen
// ctx.Done(): the receive orders the count after all of its work.
func (c *crawler) runCounted(ctx context.Context, result chan<- int) {
	n := 0
	for {
		n++
		select {
		case <-ctx.Done():
			result <- n
			return
		default:
			runtime.Gosched()
		}
	}
}

func TestNoRaceCtxCancelHarvest(t *testing.T) {
	c := new(crawler)
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan int)
	go c.runCounted(ctx, result)
	cancel()
	if n := <-result; n < 1 {
		t.Errorf("harvested %d pages, want at least 1", n)
	}
}
