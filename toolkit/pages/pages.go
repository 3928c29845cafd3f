// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pages

import (
	"runtime/race"
	"sync/atomic"
)

const (
	PageShift    = 12
	PageSize     = 1 << PageShift
	WordsPerPage = PageSize / 8 // aligned 8-byte words in a page

	// NShards is the number of shards of a Table: a page is in the
	// shard of its key mod NShards.
	NShards = 64

	// When Drop covers more pages than this and more than the table
	// has, it scans the shards rather than looking up every page of the
	// range.
	scanThreshold = 64
)

// A Page is a pointer to a detector's page type P.
type Page[P any] interface {
	*P
	// Drop drops the page's state in [lo, hi] (inclusive), which is
	// within the page at start, [start, start+PageSize), and may be all
	// of it. It reports whether the page is left empty: the table then
	// removes it. It runs with the page's shard locked, inside the
	// allocator: it must not allocate. A detector whose goroutines hold
	// on to a page while its shard is unlocked must make sure they
	// see, when Drop reports true, that the page is gone.
	Drop(start, lo, hi uintptr) (empty bool)
}

// A Table is a sharded map of pages by key. The zero value is empty.
type Table[P any, PP Page[P]] struct {
	shards [NShards]Shard[P]
	// npages is the number of pages, guarded by a SpinLock rather
	// than a sync/atomic value: Drop may run on the system stack.
	npages struct {
		mu race.SpinLock
		n  int64
	}
}

// A Shard holds the pages whose key is its index mod NShards. Its lock
// guards its map and, for detectors that work in a page with its shard
// locked, the pages.
type Shard[P any] struct {
	mu race.SpinLock
	// n is the number of pages in the map, written with mu held and
	// read without by Drop, which skips the shards that have none: most
	// allocations are of memory that has no page (a goroutine's stack,
	// a buffer), and most shards have none.
	n     atomic.Int32
	pages map[uintptr]*P
	_     [48]byte // keep shards' locks on separate cache lines
}

// Unlock unlocks s.
func (s *Shard[P]) Unlock() { s.mu.Unlock() }

func (t *Table[P, PP]) shard(key uintptr) *Shard[P] { return &t.shards[key%NShards] }

// Lock locks the shard of key and returns it with the page of key, which
// is nil if there is none and create is false. A new page is allocated
// with the shard unlocked. The caller unlocks the shard.
func (t *Table[P, PP]) Lock(key uintptr, create bool) (*Shard[P], *P) {
	s := t.shard(key)
	s.mu.Lock()
	p := s.pages[key]
	if p == nil && create {
		s.mu.Unlock()
		np := new(P) // allocate outside the lock
		s.mu.Lock()
		p = t.insert(s, key, np)
	}
	return s, p
}

// LockShard locks and returns the shard of key without looking its page
// up: for a caller that holds a pointer into the page already (state of
// the page that the shard's lock guards) and needs only that lock.
func (t *Table[P, PP]) LockShard(key uintptr) *Shard[P] {
	s := t.shard(key)
	s.mu.Lock()
	return s
}

// Find returns the page of key, or nil if there is none and create is
// false, with its shard unlocked.
func (t *Table[P, PP]) Find(key uintptr, create bool) *P {
	s := t.shard(key)
	s.mu.Lock()
	p := s.pages[key]
	s.mu.Unlock()
	if p != nil || !create {
		return p
	}
	np := new(P) // allocate outside the lock
	s.mu.Lock()
	p = t.insert(s, key, np)
	s.mu.Unlock()
	return p
}

// insert returns the page of key in s (locked), adding np if there is
// none.
func (t *Table[P, PP]) insert(s *Shard[P], key uintptr, np *P) *P {
	if p := s.pages[key]; p != nil {
		return p
	}
	if s.pages == nil {
		s.pages = make(map[uintptr]*P)
	}
	s.pages[key] = np
	s.n.Add(1)
	t.add(1)
	return np
}

func (t *Table[P, PP]) add(n int64) {
	t.npages.mu.Lock()
	t.npages.n += n
	t.npages.mu.Unlock()
}

// Len returns the number of pages.
func (t *Table[P, PP]) Len() int64 {
	t.npages.mu.Lock()
	n := t.npages.n
	t.npages.mu.Unlock()
	return n
}

// Count returns the number of pages in the shards' maps, for tests: it is
// Len when the table is consistent.
func (t *Table[P, PP]) Count() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.pages)
		s.mu.Unlock()
	}
	return n
}

// Drop drops the state of [addr, addr+size) from every page it covers
// (Page.Drop), and the pages left empty. It does not allocate.
func (t *Table[P, PP]) Drop(addr, size uintptr) {
	if size == 0 {
		return
	}
	last := addr + size - 1 // the last byte, inclusive
	if last < addr {
		last = ^uintptr(0) // clip at the top of the address space
	}
	kfirst, klast := addr>>PageShift, last>>PageShift
	if n := klast - kfirst + 1; n > scanThreshold && int64(n) > t.Len() {
		for i := range t.shards {
			s := &t.shards[i]
			if s.n.Load() == 0 {
				continue
			}
			s.mu.Lock()
			for k, p := range s.pages {
				if kfirst <= k && k <= klast {
					t.dropIn(s, k, p, addr, last)
				}
			}
			s.mu.Unlock()
		}
		return
	}
	for k := kfirst; ; k++ {
		// A shard without pages is skipped without its lock: a page
		// made at the same time is as if made after the drop.
		if s := t.shard(k); s.n.Load() != 0 {
			s.mu.Lock()
			if p := s.pages[k]; p != nil {
				t.dropIn(s, k, p, addr, last)
			}
			s.mu.Unlock()
		}
		if k == klast {
			break
		}
	}
}

// dropIn drops [addr, last] (inclusive) from page k, p, of shard s
// (locked), and the page if it is left empty.
func (t *Table[P, PP]) dropIn(s *Shard[P], k uintptr, p *P, addr, last uintptr) {
	start := k << PageShift
	lo, hi := max(addr, start), min(last, start+PageSize-1)
	if PP(p).Drop(start, lo, hi) {
		delete(s.pages, k)
		s.n.Add(-1)
		t.add(-1)
	}
}
