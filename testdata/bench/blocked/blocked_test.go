// Package blocked is a drace bench workload: a test that leaves 30 000
// goroutines blocked on one channel, as a server's handlers left waiting
// on a queue nobody drains. What it costs is the blocking-bug checks':
// the leak detector's look at the goroutines a test leaves, and the
// runtime's deadlock checks while they are blocked. Under -drace=leak the
// test fails by design: the leak (and the goroutine explosion) is
// reported.
package blocked

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

const goroutines = 30_000

func TestBlocked(t *testing.T) {
	ch := make(chan int)
	var started atomic.Int64
	for range goroutines {
		go func() {
			started.Add(1)
			<-ch
		}()
	}
	for started.Load() < goroutines {
		runtime.Gosched()
	}
	// Let them all park, and the deadlock checks see them a while.
	time.Sleep(500 * time.Millisecond)
}
