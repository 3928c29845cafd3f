// Case: data published through a plain bool flag, with no barrier between the writer and the polling reader.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestRacePublish(t *testing.T) {
	var (
		data  int
		ready bool
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		data = 42    // want race
		ready = true // want race
	}()
	// A plain bool may never be seen to change: poll a bounded number of times.
	for i := 0; i < 2000 && !ready; i++ { // want race
		time.Sleep(10 * time.Microsecond)
	}
	got := data // want race
	<-done
	if got != 42 {
		t.Logf("read data = %d before it was published", got)
	}
}

func TestNoRacePublish(t *testing.T) {
	m := new(struct {
		data  int
		ready atomic.Bool
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.data = 42
		m.ready.Store(true) // releases data
	}()
	for !m.ready.Load() { // acquires data; the writer always stores, so this ends
		time.Sleep(10 * time.Microsecond)
	}
	got := m.data
	<-done
	if got != 42 {
		t.Errorf("data = %d, want 42", got)
	}
}
