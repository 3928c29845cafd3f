// Case: lazy initialisation without sync.Once: two goroutines check and set the cached value with plain accesses.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync"
	"testing"
)

type lazyLimit struct {
	limit int
	once  sync.Once
}

func computeLimit() int { return 64 }

func (l *lazyLimit) get() int {
	p := l.limit // want race
	if p == 0 {
		p = computeLimit()
		l.limit = p // want race
	}
	return p
}

func (l *lazyLimit) getOnce() int {
	l.once.Do(func() { l.limit = computeLimit() })
	return l.limit
}

func TestRaceLazyInit(t *testing.T) {
	l := new(lazyLimit)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = l.get()
		}()
	}
	wg.Wait()
}

func TestNoRaceLazyInit(t *testing.T) {
	l := new(lazyLimit)
	got := make([]int, 2)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = l.getOnce()
		}()
	}
	wg.Wait()
	if got[0] != 64 || got[1] != 64 {
		t.Errorf("got %v, want [64 64]", got)
	}
}
