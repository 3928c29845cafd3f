// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package hybrid

import (
	"runtime/race"
	"sync/atomic"
)

// A cell records where an access was made as a site number, interned once
// per code location (PC, StackID) for the whole run, so that it fits in 32
// bits next to the access's lock set.

// A siteKey is a code location.
type siteKey struct {
	pc    uintptr
	stack race.StackID
}

// siteTable numbers code locations, from 1: an open-addressing hash table
// that goroutines read without a lock (a location is numbered once and
// then only looked up), and insert into under mu.
type siteTable struct {
	tab  atomic.Pointer[[]siteSlot] // length a power of two
	mu   race.SpinLock
	keys []siteKey // by number - 1, under mu
}

// A siteSlot is a slot of the table: id is stored last, atomically, so a
// reader that sees it non-zero sees the key.
type siteSlot struct {
	pc    uintptr
	stack race.StackID
	id    atomic.Uint32
}

func siteHash(k siteKey) uintptr {
	return (k.pc ^ uintptr(k.stack)<<17) * 0x9e3779b97f4a7c15 >> 7
}

// site returns the number of code location k.
func (t *siteTable) site(k siteKey) uint32 {
	if tab := t.tab.Load(); tab != nil {
		if id := lookupSite(*tab, k); id != 0 {
			return id
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var tab []siteSlot
	if p := t.tab.Load(); p != nil {
		tab = *p
		if id := lookupSite(tab, k); id != 0 {
			return id
		}
	}
	if 2*(len(t.keys)+1) > len(tab) {
		// Grow into a new table; readers of the old one find what it
		// has, and look again under the lock for the rest.
		nt := make([]siteSlot, max(1024, 2*len(tab)))
		for i := range t.keys {
			insertSite(nt, t.keys[i], uint32(i+1))
		}
		tab = nt
		t.tab.Store(&nt)
	}
	t.keys = append(t.keys, k)
	insertSite(tab, k, uint32(len(t.keys)))
	return uint32(len(t.keys))
}

func lookupSite(tab []siteSlot, k siteKey) uint32 {
	m := uintptr(len(tab) - 1)
	for i := siteHash(k) & m; ; i = (i + 1) & m {
		s := &tab[i]
		id := s.id.Load()
		if id == 0 {
			return 0
		}
		if s.pc == k.pc && s.stack == k.stack {
			return id
		}
	}
}

func insertSite(tab []siteSlot, k siteKey, id uint32) {
	m := uintptr(len(tab) - 1)
	i := siteHash(k) & m
	for tab[i].id.Load() != 0 {
		i = (i + 1) & m
	}
	tab[i].pc, tab[i].stack = k.pc, k.stack
	tab[i].id.Store(id)
}

// siteOf returns the code location numbered id.
func (t *siteTable) siteOf(id uint32) siteKey {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id == 0 || int(id) > len(t.keys) {
		return siteKey{}
	}
	return t.keys[id-1]
}

// holders records which goroutine held each slot from which clock on, the
// last holderHistory of them per slot: a report names the goroutine of an
// earlier access made by one of its slot's last holderHistory holders, and
// says "goroutine 0" (unknown) for an older one.
type holders struct {
	mu    race.SpinLock
	slots []*holderRing
}

const holderHistory = 64

type holderRing struct {
	n    int // holders recorded
	from [holderHistory]uint32
	gid  [holderHistory]int64
}

// attach records that goroutine gid holds slot t from clock c on.
func (h *holders) attach(t, c uint32, gid int64) {
	h.mu.Lock()
	for int(t) >= len(h.slots) {
		h.slots = append(h.slots, nil)
	}
	r := h.slots[t]
	if r == nil {
		r = new(holderRing)
		h.slots[t] = r
	}
	i := r.n % holderHistory
	r.from[i], r.gid[i] = c, gid
	r.n++
	h.mu.Unlock()
}

// gid returns the goroutine that held slot t at clock c, 0 if not known.
func (h *holders) gid(t, c uint32) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if int(t) >= len(h.slots) || h.slots[t] == nil {
		return 0
	}
	r := h.slots[t]
	// The newest holder whose first clock is at most c.
	for k := 1; k <= min(r.n, holderHistory); k++ {
		i := (r.n - k) % holderHistory
		if r.from[i] <= c {
			return r.gid[i]
		}
	}
	return 0 // before the oldest holder kept
}
