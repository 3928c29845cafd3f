// Case: a time.AfterFunc callback writes state that the caller goes on writing after arming the timer.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync"
	"testing"
	"time"
)

func TestRaceAfterFunc(t *testing.T) {
	state := "idle" // before AfterFunc: ordered before the callback
	fired := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() {
		state = "expired" // want race
		close(fired)
	})
	state = "running" // want race
	<-fired
	t.Logf("state = %s", state)
}

func TestNoRaceAfterFunc(t *testing.T) {
	var mu sync.Mutex
	state := "idle"
	fired := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() {
		mu.Lock()
		state = "expired"
		mu.Unlock()
		close(fired)
	})
	mu.Lock()
	if state == "idle" {
		state = "running"
	}
	mu.Unlock()
	<-fired
	mu.Lock()
	defer mu.Unlock()
	if state != "expired" {
		t.Errorf("state = %q, want expired", state)
	}
}
