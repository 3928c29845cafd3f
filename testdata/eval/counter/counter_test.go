package counter

import (
	"sync"
	"testing"
)

func TestConcurrentHits(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Hit()
		}()
	}
	wg.Wait()
	if c.N() == 0 {
		t.Error("no hits counted")
	}
}

func TestOneHit(t *testing.T) {
	var c Counter
	c.Hit()
	if c.N() != 1 {
		t.Errorf("N() = %d, want 1", c.N())
	}
}
