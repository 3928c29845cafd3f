// Case: a handler puts a sync.Pool object back while the goroutine it started still reads it; the next request gets the same object from the pool and overwrites it.
// Classes: hb predictive
// Deterministic: hb predictive
package syncprims

import (
	"sync"
	"sync/atomic"
	"testing"
)

type logEntry struct {
	id  int
	msg string
}

// handleAsync fills a pooled entry and audits it asynchronously, but puts
// it back as soon as it returns.
func handleAsync(pool *sync.Pool, wg *sync.WaitGroup, id int, audit func(int)) {
	e := pool.Get().(*logEntry)
	defer pool.Put(e)
	e.id = id // want race
	wg.Add(1)
	go func() {
		defer wg.Done()
		audit(e.id) // want race
	}()
}

// Under the race detector Put drops a quarter of the objects at random:
// sixteen requests make sure the same entry is reused.
const poolRequests = 16

func TestRacePoolPutInUse(t *testing.T) {
	pool := &sync.Pool{New: func() any { return new(logEntry) }}
	var wg sync.WaitGroup
	var sum atomic.Int64
	for i := range poolRequests {
		handleAsync(pool, &wg, i, func(id int) { sum.Add(int64(id)) })
	}
	wg.Wait()
	t.Logf("audited sum %d", sum.Load())
}

// handleAsyncCopy hands the auditor a copy of what it needs; the entry is
// the handler's alone until it puts it back.
func handleAsyncCopy(pool *sync.Pool, wg *sync.WaitGroup, id int, audit func(int)) {
	e := pool.Get().(*logEntry)
	defer pool.Put(e)
	e.id = id
	wg.Add(1)
	go func(id int) {
		defer wg.Done()
		audit(id)
	}(e.id)
}

func TestNoRacePoolPutInUse(t *testing.T) {
	pool := &sync.Pool{New: func() any { return new(logEntry) }}
	var wg sync.WaitGroup
	var sum atomic.Int64
	for i := range poolRequests {
		handleAsyncCopy(pool, &wg, i, func(id int) { sum.Add(int64(id)) })
	}
	wg.Wait()
	if got, want := sum.Load(), int64(poolRequests*(poolRequests-1)/2); got != want {
		t.Errorf("audited sum %d, want %d", got, want)
	}
}
