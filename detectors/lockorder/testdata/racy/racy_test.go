package racy

import (
	"sync"
	"testing"
)

// Two goroutines take two mutexes in opposite orders, one after the
// other: this run cannot hang, but run at once each could hold its first
// mutex and wait for ever for its second.
func TestOrder(t *testing.T) {
	var a, b sync.Mutex
	alone(func() {
		a.Lock()
		b.Lock()
		b.Unlock()
		a.Unlock()
	})
	alone(func() {
		b.Lock()
		a.Lock() // want deadlock "lock order cycle"
		a.Unlock()
		b.Unlock()
	})
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
