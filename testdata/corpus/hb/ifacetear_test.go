// Case: an interface variable is reassigned between values of different dynamic types while another goroutine copies it: type and data words can be read torn.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync/atomic"
	"testing"
)

var tearValues = [2]any{int64(1), "one"}

func TestRaceIfaceTear(t *testing.T) {
	v := tearValues[0]
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			v = tearValues[i%2] // want race
		}
	}()
	ints := 0
	for i := 0; i < 100; i++ {
		c := v // want race
		// Look only at the type word: a torn value's data word may not match it.
		if _, ok := c.(int64); ok {
			ints++
		}
	}
	<-done
	_ = ints
}

func TestNoRaceIfaceTear(t *testing.T) {
	var v atomic.Value // holds values of one concrete type only
	type box struct{ x any }
	v.Store(box{tearValues[0]})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			v.Store(box{tearValues[i%2]})
		}
	}()
	for i := 0; i < 100; i++ {
		switch x := v.Load().(box).x.(type) {
		case int64:
			if x != 1 {
				t.Fatalf("torn int64 %d", x)
			}
		case string:
			if x != "one" {
				t.Fatalf("torn string %q", x)
			}
		}
	}
	<-done
}
