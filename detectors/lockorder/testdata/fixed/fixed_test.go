package fixed

import (
	"sync"
	"testing"
)

// The racy test's goroutines, both taking a before b.
func TestOrder(t *testing.T) {
	var a, b sync.Mutex
	for range 2 {
		alone(func() {
			a.Lock()
			b.Lock()
			b.Unlock()
			a.Unlock()
		})
	}
}

// alone runs f in a goroutine of its own and waits for it to return.
func alone(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
