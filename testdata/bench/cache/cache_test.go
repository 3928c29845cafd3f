// Package cache is a drace bench workload: a lock-striped cache (one
// sync.RWMutex per stripe) with atomic hit and miss counters, hammered by
// several goroutines with a skewed key distribution.
package cache

import (
	"sync"
	"sync/atomic"
	"testing"
)

const stripes = 16

type stripe struct {
	mu    sync.RWMutex
	items map[uint64]uint64
	order []uint64 // insertion order, for FIFO eviction
}

type Cache struct {
	stripes      [stripes]stripe
	perStripe    int
	hits, misses atomic.Int64
	evictions    atomic.Int64
}

func New(capacity int) *Cache {
	c := &Cache{perStripe: capacity / stripes}
	for i := range c.stripes {
		c.stripes[i].items = make(map[uint64]uint64)
	}
	return c
}

// Get returns key's value, computing and caching it with fill on a miss.
func (c *Cache) Get(key uint64, fill func(uint64) uint64) uint64 {
	s := &c.stripes[key*0x9e3779b97f4a7c15>>60]
	s.mu.RLock()
	v, ok := s.items[key]
	s.mu.RUnlock()
	if ok {
		c.hits.Add(1)
		return v
	}
	c.misses.Add(1)
	v = fill(key)
	s.mu.Lock()
	if _, ok := s.items[key]; !ok {
		if len(s.order) >= c.perStripe {
			delete(s.items, s.order[0])
			s.order = s.order[1:]
			c.evictions.Add(1)
		}
		s.items[key] = v
		s.order = append(s.order, key)
	}
	s.mu.Unlock()
	return v
}

// expensive is the value a key stands for: a short hash chain.
func expensive(key uint64) uint64 {
	h := key
	for range 64 {
		h ^= h >> 33
		h *= 0xff51afd7ed558ccd
		h ^= h >> 29
	}
	return h
}

func TestCache(t *testing.T) {
	const (
		workers = 8
		ops     = 25000
	)
	c := New(1024)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for w := range workers {
		wg.Go(func() {
			x := uint64(w)*0x9e3779b97f4a7c15 + 1
			for range ops {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				// Skewed keys: mostly a hot set, sometimes the long tail.
				key := x % 512
				if x>>60 == 0 {
					key = x % 100000
				}
				if c.Get(key, expensive) != expensive(key) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n != 0 {
		t.Fatalf("%d wrong values", n)
	}
	if got := c.hits.Load() + c.misses.Load(); got != workers*ops {
		t.Fatalf("hits+misses = %d, want %d", got, workers*ops)
	}
	if c.hits.Load() < c.misses.Load() {
		t.Errorf("hits %d < misses %d: the hot set does not stay cached", c.hits.Load(), c.misses.Load())
	}
	t.Logf("hits %d, misses %d, evictions %d", c.hits.Load(), c.misses.Load(), c.evictions.Load())
}
