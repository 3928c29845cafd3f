package fixed

import (
	"sort"
	"sync"
	"testing"
)

// A counter that takes its own mutex on every increment.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
}

// The racy test's goroutines, both through the counter's method.
func TestCounter(t *testing.T) {
	var (
		wg sync.WaitGroup
		c  counter
	)
	wg.Add(2)
	for range 2 {
		go func() {
			defer wg.Done()
			c.inc()
		}()
	}
	wg.Wait()
}

// The racy comparison, counting under the mutex.
func TestSortCallback(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
	)
	done := make(chan bool)
	go func() {
		mu.Lock()
		calls++
		mu.Unlock()
		done <- true
	}()
	<-done
	s := []int{3, 1, 2}
	sort.Slice(s, func(i, j int) bool {
		mu.Lock()
		calls++
		mu.Unlock()
		return s[i] < s[j]
	})
}
