package racy

import (
	"sort"
	"sync"
	"testing"
)

// One goroutine increments the counter under the mutex, the other
// forgets it: the counter's lockset becomes empty.
func TestCounter(t *testing.T) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counter int
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		mu.Lock()
		counter++
		mu.Unlock()
	}()
	go func() {
		defer wg.Done()
		counter++ // want race
	}()
	wg.Wait()
}

// The program's code that the standard library calls back (sort.Slice's
// comparison) is checked like the rest, also when the standard library
// is built without access instrumentation (lockset alone ignores it): the
// comparison counts without the mutex another goroutine counted under.
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
		calls++ // want race
		return s[i] < s[j]
	})
}
