// Case: two goroutines write the same field of a shared struct; the twin's goroutines write adjacent one-byte fields, which do not race.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package hb

import (
	"sync"
	"testing"
)

type fieldState struct {
	started bool
	stopped bool
	closing bool
	count   int32
}

func TestRaceStructField(t *testing.T) {
	st := new(fieldState)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		st.started = true // want race
	}()
	go func() {
		defer wg.Done()
		st.started = false // want race
	}()
	wg.Wait()
}

func TestNoRaceStructField(t *testing.T) {
	st := new(fieldState)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		st.started = true
	}()
	go func() {
		defer wg.Done()
		st.stopped = true // the byte next to started
	}()
	go func() {
		defer wg.Done()
		st.count = 5 // same 8-byte word as the bools
	}()
	wg.Wait()
	if !st.started || !st.stopped || st.closing || st.count != 5 {
		t.Errorf("state = %+v", *st)
	}
}
