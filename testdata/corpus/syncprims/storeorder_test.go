// Case: a loader sets its atomic ready flag before writing the data it publishes; a reader that sees the flag reads the data as it is written.
// Classes: hb predictive
// Deterministic: hb predictive
package syncprims

import (
	"sync/atomic"
	"testing"
	"time"
)

type snapshot struct {
	ready atomic.Bool
	rows  int
}

func (s *snapshot) loadEarlyFlag() {
	s.ready.Store(true)
	s.rows = 42 // want race
}

func (s *snapshot) load() {
	s.rows = 42
	s.ready.Store(true) // releases rows
}

// waitRows polls the flag (the loader always sets it) and then reads the
// rows.
func waitRows(t *testing.T, s *snapshot) int {
	deadline := time.Now().Add(5 * time.Second)
	for !s.ready.Load() {
		if time.Now().After(deadline) {
			t.Fatal("snapshot never ready")
		}
		time.Sleep(10 * time.Microsecond)
	}
	return s.rows // want race
}

func TestRaceAtomicStoreOrder(t *testing.T) {
	s := new(snapshot)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.loadEarlyFlag()
	}()
	n := waitRows(t, s)
	<-done
	t.Logf("read %d rows", n)
}

func TestNoRaceAtomicStoreOrder(t *testing.T) {
	s := new(snapshot)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.load()
	}()
	n := waitRows(t, s)
	<-done
	if n != 42 {
		t.Errorf("read %d rows, want 42", n)
	}
}
