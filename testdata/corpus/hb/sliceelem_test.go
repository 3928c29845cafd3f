// Case: one goroutine writes a slice element while another reads the same element; the twin's goroutines write different elements.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"testing"
)

func TestRaceSliceElem(t *testing.T) {
	s := make([]int, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s[2] = 7 // want race
	}()
	v := s[2] // want race
	<-done
	_ = v
}

func TestNoRaceSliceElem(t *testing.T) {
	s := make([]int, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s[2] = 7
	}()
	s[3] = 8 // the next element: a different memory location
	<-done
	if s[2] != 7 || s[3] != 8 {
		t.Errorf("s = %v", s)
	}
}
