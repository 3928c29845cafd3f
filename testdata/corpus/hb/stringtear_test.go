// Case: a string variable is reassigned by one goroutine while another copies it: the two-word header can be read torn.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync"
	"testing"
)

var tearWords = [2]string{"a", "bbbbbbbb"}

func TestRaceStringTear(t *testing.T) {
	s := tearWords[0]
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			s = tearWords[i%2] // want race
		}
	}()
	torn := 0
	for i := 0; i < 100; i++ {
		c := s // want race
		if c != tearWords[0] && c != tearWords[1] {
			torn++
		}
	}
	<-done
	if torn > 0 {
		t.Logf("read %d torn strings", torn)
	}
}

func TestNoRaceStringTear(t *testing.T) {
	var mu sync.Mutex
	s := tearWords[0]
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			mu.Lock()
			s = tearWords[i%2]
			mu.Unlock()
		}
	}()
	for i := 0; i < 100; i++ {
		mu.Lock()
		c := s
		mu.Unlock()
		if c != tearWords[0] && c != tearWords[1] {
			t.Fatalf("torn string %q", c)
		}
	}
	<-done
}
