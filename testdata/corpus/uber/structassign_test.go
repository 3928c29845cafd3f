// Case: one goroutine sets a field of a shared struct while another assigns the whole struct.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"sync"
	"testing"
)

type endpoint struct {
	host string
	port int
}

func TestRaceStructAssign(t *testing.T) {
	ep := &endpoint{host: "a.internal", port: 80}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ep.port = 8080 // want race
	}()
	*ep = endpoint{host: "b.internal", port: 443} // want race
	<-done
}

func TestNoRaceStructAssign(t *testing.T) {
	var mu sync.Mutex
	ep := &endpoint{host: "a.internal", port: 80}
	done := make(chan struct{})
	go func() {
		defer close(done)
		mu.Lock()
		ep.port = 8080
		mu.Unlock()
	}()
	mu.Lock()
	*ep = endpoint{host: "b.internal", port: 443}
	mu.Unlock()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if ep.host != "b.internal" || (ep.port != 8080 && ep.port != 443) {
		t.Errorf("ep = %+v", *ep)
	}
}
