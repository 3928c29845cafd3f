// Case: a method with a value receiver locks a copy of the struct's mutex, so the counters it guards are not protected.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"sync"
	"testing"
)

type hitCounter struct {
	mu   sync.Mutex
	hits []int // shared by every copy of the struct
}

// inc has a value receiver: c.mu is a fresh copy on every call.
func (c hitCounter) inc(i int) {
	c.mu.Lock()
	c.hits[i]++ // want race
	c.mu.Unlock()
}

type safeHitCounter struct {
	mu   sync.Mutex
	hits []int
}

func (c *safeHitCounter) inc(i int) {
	c.mu.Lock()
	c.hits[i]++
	c.mu.Unlock()
}

func TestRaceMutexCopy(t *testing.T) {
	h := &hitCounter{hits: make([]int, 2)}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.inc(0)
		}()
	}
	wg.Wait()
}

func TestNoRaceMutexCopy(t *testing.T) {
	h := &safeHitCounter{hits: make([]int, 2)}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.inc(0)
		}()
	}
	wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hits[0] != 2 {
		t.Errorf("hits = %v", h.hits)
	}
}
