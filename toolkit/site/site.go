// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package site

import (
	"runtime/race"
	"sync/atomic"
	"unsafe"
)

// A Key is a code location: the PC of an access and the stack it was made
// with.
type Key struct {
	PC    uintptr
	Stack race.StackID
}

// A Table numbers code locations from 1. It is an open-addressing hash
// table that readers probe without a lock and that grows, under mu, into a
// new table twice the size when half full. The zero Table is empty and
// ready to use; it must not be copied.
//
// Its hash table and its keys live outside the Go heap (see the package
// documentation): tab points to a slice header on the heap whose array is
// mapped memory.
type Table struct {
	tab atomic.Pointer[[]slot] // length a power of two
	mu  race.SpinLock
	// keys holds the locations by id - 1, under mu: n of them in mapped
	// memory of room keys.
	keys unsafe.Pointer
	n    int
	room int
}

// A slot is an entry of the hash table. Its id is stored last,
// atomically, so that a reader that sees it non-zero sees the key.
type slot struct {
	pc    uintptr
	stack race.StackID
	id    atomic.Uint32
}

// minSlots is the size of a Table's first hash table, and minKeys the
// room of its first array of keys.
const (
	minSlots = 1024
	minKeys  = 512
)

// hash mixes a key so that the low bits, which pick the slot, depend on
// every bit of both PC and stack: a PC reached by many stacks (a helper
// called from everywhere, a map operation) must not probe in one cluster.
func hash(k Key) uintptr {
	h := uint64(k.PC)*0x9e3779b97f4a7c15 ^ uint64(k.Stack)*0xc2b2ae3d27d4eb4f
	return uintptr(h ^ h>>29 ^ h>>47)
}

// ID returns the id of location k, numbering it if it is new. It panics if
// the Table already holds 1<<32-1 locations, or if the system refuses the
// memory for a larger table.
func (t *Table) ID(k Key) uint32 {
	if tab := t.tab.Load(); tab != nil {
		if id := lookup(*tab, k); id != 0 {
			return id
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var tab []slot
	if p := t.tab.Load(); p != nil {
		tab = *p
		if id := lookup(tab, k); id != 0 {
			return id
		}
	}
	n := t.n + 1
	if uint64(n) > 1<<32-1 {
		panic("site: more than 1<<32-1 code locations")
	}
	if 2*n > len(tab) {
		// Readers of the old table find what it has, and look again
		// under the lock for the rest. Its memory is given back to the
		// system but stays mapped: a reader still probing it reads
		// zeroes, a miss, and looks again under the lock.
		size := max(minSlots, 2*len(tab))
		nt := unsafe.Slice((*slot)(mapMem(uintptr(size)*unsafe.Sizeof(slot{}))), size)
		for i, key := range t.keyList() {
			insert(nt, key, uint32(i+1))
		}
		t.tab.Store(&nt)
		if tab != nil {
			dropMem(unsafe.Pointer(unsafe.SliceData(tab)), uintptr(len(tab))*unsafe.Sizeof(slot{}))
		}
		tab = nt
	}
	if t.n == t.room {
		// No reader but under mu: the old array goes at once.
		room := max(minKeys, 2*t.room)
		keys := mapMem(uintptr(room) * unsafe.Sizeof(Key{}))
		copy(unsafe.Slice((*Key)(keys), room), t.keyList())
		if t.keys != nil {
			unmapMem(t.keys, uintptr(t.room)*unsafe.Sizeof(Key{}))
		}
		t.keys, t.room = keys, room
	}
	unsafe.Slice((*Key)(t.keys), t.room)[t.n] = k
	t.n = n
	insert(tab, k, uint32(n))
	return uint32(n)
}

// keyList returns the keys numbered, by id - 1 (t.mu held).
func (t *Table) keyList() []Key {
	if t.keys == nil {
		return nil
	}
	return unsafe.Slice((*Key)(t.keys), t.n)
}

// Lookup returns the id of location k, or 0 if it has not been numbered.
// It never locks or allocates.
func (t *Table) Lookup(k Key) uint32 {
	if tab := t.tab.Load(); tab != nil {
		return lookup(*tab, k)
	}
	return 0
}

// Key returns the location numbered id, or the zero Key if there is none.
func (t *Table) Key(id uint32) Key {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id == 0 || uint64(id) > uint64(t.n) {
		return Key{}
	}
	return t.keyList()[id-1]
}

// Len returns the number of locations numbered.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

func lookup(tab []slot, k Key) uint32 {
	m := uintptr(len(tab) - 1)
	for i := hash(k) & m; ; i = (i + 1) & m {
		s := &tab[i]
		id := s.id.Load()
		if id == 0 {
			return 0
		}
		if s.pc == k.PC && s.stack == k.Stack {
			// The key read may be the zeroes of a table given back
			// meanwhile (see ID): then so is the id now.
			if s.id.Load() != id {
				return 0
			}
			return id
		}
	}
}

func insert(tab []slot, k Key, id uint32) {
	m := uintptr(len(tab) - 1)
	i := hash(k) & m
	for tab[i].id.Load() != 0 {
		i = (i + 1) & m
	}
	tab[i].pc, tab[i].stack = k.PC, k.Stack
	tab[i].id.Store(id)
}
