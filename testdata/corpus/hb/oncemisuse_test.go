// Case: sync.Once guards the initialisation, but a fast-path accessor reads the result without calling Do.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync"
	"testing"
)

type onceRegistry struct {
	once sync.Once
	size int
}

func (r *onceRegistry) load() {
	r.once.Do(func() {
		r.size = 3 // want race
	})
}

// Size skips once.Do: it is not ordered after the initialisation.
func (r *onceRegistry) Size() int {
	return r.size // want race
}

// SafeSize goes through once.Do, which orders it after the initialisation.
func (r *onceRegistry) SafeSize() int {
	r.load()
	return r.size
}

func TestRaceOnceMisuse(t *testing.T) {
	r := new(onceRegistry)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.load()
	}()
	n := r.Size()
	<-done
	_ = n
}

func TestNoRaceOnceMisuse(t *testing.T) {
	r := new(onceRegistry)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.load()
	}()
	n := r.SafeSize()
	<-done
	if n != 3 {
		t.Errorf("size = %d, want 3", n)
	}
}
