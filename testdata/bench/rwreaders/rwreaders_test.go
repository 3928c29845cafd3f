// Package rwreaders is a drace bench workload: 16 goroutines reading a
// shared configuration map under a sync.RWMutex's read lock while one
// writer replaces entries now and then.
package rwreaders

import (
	"strconv"
	"sync"
	"testing"
)

const (
	readers = 16
	reads   = 5000
	writes  = 500
	keys    = 64
)

func TestRWMutexReaders(t *testing.T) {
	var (
		mu  sync.RWMutex
		cfg = make(map[string]int, keys)
		wg  sync.WaitGroup
	)
	names := make([]string, keys)
	for i := range names {
		names[i] = "key" + strconv.Itoa(i)
		cfg[names[i]] = i
	}
	hits := make([]int, readers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range reads {
				mu.RLock()
				if v, ok := cfg[names[(r*7+i)%keys]]; ok && v >= 0 {
					hits[r]++
				}
				mu.RUnlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range writes {
			mu.Lock()
			cfg[names[i%keys]] = i
			mu.Unlock()
		}
	}()
	wg.Wait()
	for r, h := range hits {
		if h != reads {
			t.Fatalf("reader %d found %d of %d keys", r, h, reads)
		}
	}
}
