// Case: a cache invalidates its lazily loaded value by assigning a fresh sync.Once while another goroutine calls Do on it.
// Classes: hb predictive
// Deterministic: hb predictive
package syncprims

import (
	"sync"
	"sync/atomic"
	"testing"
)

type lazyTable struct {
	once sync.Once
	rows int
}

func (c *lazyTable) get() int {
	// The race runtime's stack of Do's atomic load of its done flag has
	// no frame of this file: only invalidate's line is in every report.
	c.once.Do(func() { c.rows = 3 })
	return c.rows
}

// invalidate resets the Once so that the next get loads again; nothing
// orders the reset with a get in flight.
func (c *lazyTable) invalidate() {
	c.once = sync.Once{} // want race
}

func TestRaceOnceReset(t *testing.T) {
	c := new(lazyTable)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.get()
	}()
	c.invalidate()
	<-done
}

// swappableTable swaps in a whole new lazily loaded entry: a get uses the
// entry it loaded, whose Once nobody writes.
type swappableTable struct {
	cur atomic.Pointer[lazyTable]
}

func (s *swappableTable) get() int {
	return s.cur.Load().get()
}

func (s *swappableTable) invalidate() {
	s.cur.Store(new(lazyTable))
}

func TestNoRaceOnceReset(t *testing.T) {
	s := new(swappableTable)
	s.invalidate()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if n := s.get(); n != 3 {
			t.Errorf("get() = %d, want 3", n)
		}
	}()
	s.invalidate()
	<-done
}
