// Package service is a drace bench workload: a request-serving process
// that runs for a minute with a bounded live heap and heavy heap churn.
// Clients send requests over a channel to a pool of workers; each request
// allocates a payload of skewed size, starts a short goroutine for a
// "downstream call", encodes a response with encoding/json, and touches a
// bounded session cache under a mutex, while a background goroutine swaps
// a shared configuration through an atomic pointer. The live heap stays
// bounded (the cache evicts), so after warm-up the memory of a detector
// whose state is bounded by the live heap stays flat; a detector whose
// state grows with everything ever allocated, or every goroutine ever
// started, grows for the whole minute. drace bench samples resident
// memory every second (see the table's memory-over-time section).
package service

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runFor is how long the service runs: long enough for growth to show
// against warm-up.
const runFor = 60 * time.Second

const (
	workers      = 8
	clients      = 4
	cacheEntries = 2048
)

type config struct {
	salt   uint32
	blocks [][]byte // a few KiB, replaced wholesale
}

type request struct {
	id    uint64
	size  int
	reply chan response
}

type response struct {
	id  uint64
	sum uint32
	doc []byte
}

// A sessionCache keeps the latest response of up to cacheEntries
// sessions, evicting the oldest: the bound on the live heap.
type sessionCache struct {
	mu    sync.Mutex
	items map[uint64][]byte
	ring  [cacheEntries]uint64
	next  int
	full  bool
}

func (c *sessionCache) put(key uint64, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; !ok {
		if c.full {
			delete(c.items, c.ring[c.next])
		}
		c.ring[c.next] = key
		c.next = (c.next + 1) % cacheEntries
		c.full = c.full || c.next == 0
	}
	c.items[key] = v
}

func (c *sessionCache) get(key uint64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.items[key]
	return v, ok
}

type server struct {
	cfg     atomic.Pointer[config]
	cache   sessionCache
	served  atomic.Uint64
	hits    atomic.Uint64
	queue   chan request
	workers sync.WaitGroup
}

func newConfig(gen uint32) *config {
	c := &config{salt: gen*2654435761 + 1}
	for i := range 4 {
		b := make([]byte, 1024)
		for j := range b {
			b[j] = byte(int(gen) + i + j)
		}
		c.blocks = append(c.blocks, b)
	}
	return c
}

// downstream stands for a call to another service: its own goroutine,
// answering on a channel.
func downstream(payload []byte, salt uint32) <-chan uint32 {
	ch := make(chan uint32, 1)
	go func() {
		ch <- crc32.Update(salt, crc32.IEEETable, payload)
	}()
	return ch
}

func (s *server) handle(r request) response {
	cfg := s.cfg.Load()
	payload := make([]byte, r.size)
	for i := range payload {
		payload[i] = byte(r.id) ^ byte(i)
	}
	copy(payload, cfg.blocks[r.id%uint64(len(cfg.blocks))])
	sum := <-downstream(payload, cfg.salt)

	// Sessions are skewed towards small numbers, so some stay cached.
	k := (r.id * 0x9e3779b97f4a7c15) >> 51 // 0 .. 8191
	session := k * k >> 13
	if _, ok := s.cache.get(session); ok {
		s.hits.Add(1)
	}
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(struct {
		ID      uint64 `json:"id"`
		Sum     uint32 `json:"sum"`
		Size    int    `json:"size"`
		Session uint64 `json:"session"`
	}{r.id, sum, r.size, session})
	if err != nil {
		panic(err)
	}
	doc := bytes.Clone(buf.Bytes())
	s.cache.put(session, doc)
	s.served.Add(1)
	return response{id: r.id, sum: sum, doc: doc}
}

// size returns a payload size between 64 B and 64 KiB, mostly small.
func size(x uint64) int {
	x ^= x >> 31
	x *= 0x9e3779b97f4a7c15
	shift := 6 + (x>>58)%11 // 64 B .. 64 KiB, uniform in log
	return int(1<<shift+(x>>20)%(1<<shift))/2 + 32
}

func TestService(t *testing.T) {
	s := &server{queue: make(chan request, 64)}
	s.cache.items = make(map[uint64][]byte)
	s.cfg.Store(newConfig(0))
	for range workers {
		s.workers.Add(1)
		go func() {
			defer s.workers.Done()
			for r := range s.queue {
				r.reply <- s.handle(r)
			}
		}()
	}

	stop := make(chan struct{})
	var admin sync.WaitGroup
	admin.Add(1)
	go func() { // configuration reloads
		defer admin.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for gen := uint32(1); ; gen++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				s.cfg.Store(newConfig(gen))
			}
		}
	}()

	deadline := time.Now().Add(runFor)
	var sent atomic.Uint64
	var clientsWG sync.WaitGroup
	for c := range clients {
		clientsWG.Add(1)
		go func() {
			defer clientsWG.Done()
			reply := make(chan response, 1)
			for i := uint64(c); time.Now().Before(deadline); i += clients {
				s.queue <- request{id: i, size: size(i), reply: reply}
				resp := <-reply
				if resp.id != i || len(resp.doc) == 0 {
					t.Errorf("request %d: got response %d with %d bytes", i, resp.id, len(resp.doc))
					return
				}
				sent.Add(1)
			}
		}()
	}
	clientsWG.Wait()
	close(s.queue)
	s.workers.Wait()
	close(stop)
	admin.Wait()

	if got, want := s.served.Load(), sent.Load(); got != want || got == 0 {
		t.Fatalf("served %d requests, clients got %d answers", got, want)
	}
	s.cache.mu.Lock()
	n := len(s.cache.items)
	s.cache.mu.Unlock()
	if n > cacheEntries {
		t.Fatalf("session cache holds %d entries, bound %d", n, cacheEntries)
	}
	t.Logf("served %d requests in %v, %d cache hits", s.served.Load(), runFor, s.hits.Load())
}
