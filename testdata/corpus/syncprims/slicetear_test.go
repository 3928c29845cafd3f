// Case: a router's backends slice field is replaced while a request goroutine indexes it: pointer, length and capacity are read unsynchronised and can be seen torn.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type router struct {
	mu       sync.RWMutex // used by the fixed methods only
	backends []string
}

func (r *router) pick(n int) string {
	return r.backends[n%len(r.backends)] // want race
}

func (r *router) setBackends(b []string) {
	r.backends = b // want race
}

// route picks a backend, waits for the next request and picks again.
func route(r *router, pick func(int) string, next <-chan struct{}, picked chan<- string) {
	picked <- pick(1)
	<-next
	picked <- pick(2)
}

func TestRaceSliceHeaderTear(t *testing.T) {
	r := &router{backends: []string{"a", "b"}}
	next := make(chan struct{})
	picked := make(chan string, 2)
	go route(r, r.pick, next, picked)
	sched.WaitBlocked(t, "route", "chan receive") // it has picked once
	r.setBackends([]string{"c", "d", "e"})
	close(next)
	t.Logf("picked %s then %s", <-picked, <-picked)
}

func (r *router) pickLocked(n int) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.backends[n%len(r.backends)]
}

func (r *router) setBackendsLocked(b []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.backends = b
}

func TestNoRaceSliceHeaderTear(t *testing.T) {
	r := &router{backends: []string{"a", "b"}}
	next := make(chan struct{})
	picked := make(chan string, 2)
	go route(r, r.pickLocked, next, picked)
	sched.WaitBlocked(t, "route", "chan receive")
	r.setBackendsLocked([]string{"c", "d", "e"})
	close(next)
	if a, b := <-picked, <-picked; a != "b" || b != "e" {
		t.Errorf("picked %s then %s, want b then e", a, b)
	}
}
