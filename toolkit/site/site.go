// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package site

import (
	"math/bits"
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

// A Table numbers code locations from 1. It keeps each location's Key by
// id, in chunks that never move, and an index: an open-addressing hash
// table of ids that readers probe without a lock, comparing the keys the
// ids name, and that grows, under mu, into a new index twice the size
// when half full. The zero Table is empty and ready to use; it must not be
// copied.
//
// Keys and index live outside the Go heap (see the package
// documentation): index points to a slice header on the heap whose array
// is mapped memory. A location costs 16 bytes of key and 8 to 16 of index.
type Table struct {
	index atomic.Pointer[[]atomic.Uint32] // length a power of two
	mu    race.SpinLock
	n     uint32 // locations numbered, under mu
	// chunks[c] holds the keys of the ids from minKeys<<c - minKeys + 1
	// on, minKeys<<c of them; a chunk is mapped when its first id is
	// numbered, and stored before any of its ids is published.
	chunks [maxChunks]atomic.Pointer[Key]
}

const (
	// minSlots is the size of a Table's first index, and minKeys the
	// number of keys of its first chunk.
	minSlots  = 1024
	minKeys   = 512
	maxChunks = 24 // minKeys<<maxChunks - minKeys ≥ 1<<32 - 1 ids
)

// hash mixes a key so that the low bits, which pick the slot, depend on
// every bit of both PC and stack: a PC reached by many stacks (a helper
// called from everywhere, a map operation) must not probe in one cluster.
func hash(k Key) uintptr {
	h := uint64(k.PC)*0x9e3779b97f4a7c15 ^ uint64(k.Stack)*0xc2b2ae3d27d4eb4f
	return uintptr(h ^ h>>29 ^ h>>47)
}

// chunkOf returns the chunk that holds the key of id (not 0), and the
// key's index in it.
func chunkOf(id uint32) (c int, i uint32) {
	q := (id-1)/minKeys + 1
	c = bits.Len32(q) - 1
	return c, id - 1 - (minKeys<<c - minKeys)
}

// key returns the key of id, which must have been published (or be under
// mu).
func (t *Table) key(id uint32) *Key {
	c, i := chunkOf(id)
	return (*Key)(unsafe.Add(unsafe.Pointer(t.chunks[c].Load()), uintptr(i)*unsafe.Sizeof(Key{})))
}

// ID returns the id of location k, numbering it if it is new. It panics if
// the Table already holds 1<<32-1 locations, or if the system refuses the
// memory for more.
func (t *Table) ID(k Key) uint32 {
	if index := t.index.Load(); index != nil {
		if id := t.lookup(*index, k); id != 0 {
			return id
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var index []atomic.Uint32
	if p := t.index.Load(); p != nil {
		index = *p
		if id := t.lookup(index, k); id != 0 {
			return id
		}
	}
	if t.n == 1<<32-1 {
		panic("site: more than 1<<32-1 code locations")
	}
	id := t.n + 1
	if c, i := chunkOf(id); i == 0 {
		t.chunks[c].Store((*Key)(mapMem(uintptr(minKeys<<c) * unsafe.Sizeof(Key{}))))
	}
	*t.key(id) = k
	t.n = id
	if 2*uint64(id) > uint64(len(index)) {
		// Readers of the old index find what it has, and look again
		// under the lock for the rest. Its memory is given back to the
		// system but stays mapped: a reader still probing it reads
		// zeroes, a miss, and looks again under the lock.
		size := max(minSlots, 2*len(index))
		ni := unsafe.Slice((*atomic.Uint32)(mapMem(uintptr(size)*4)), size)
		for j := uint32(1); j <= id; j++ {
			t.insert(ni, j)
		}
		t.index.Store(&ni)
		if index != nil {
			dropMem(unsafe.Pointer(unsafe.SliceData(index)), uintptr(len(index))*4)
		}
		return id
	}
	t.insert(index, id)
	return id
}

// Lookup returns the id of location k, or 0 if it has not been numbered.
// It never locks or allocates.
func (t *Table) Lookup(k Key) uint32 {
	if index := t.index.Load(); index != nil {
		return t.lookup(*index, k)
	}
	return 0
}

// Key returns the location numbered id, or the zero Key if there is none.
func (t *Table) Key(id uint32) Key {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id == 0 || id > t.n {
		return Key{}
	}
	return *t.key(id)
}

// KeyOf returns the location numbered id, an id that ID returned, without
// the lock: the caller must be ordered after that call of ID (a detector
// that stored the id in a record under a lock, and reads it under the
// same lock, is).
func (t *Table) KeyOf(id uint32) Key {
	if id == 0 {
		return Key{}
	}
	return *t.key(id)
}

// Len returns the number of locations numbered.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return int(t.n)
}

func (t *Table) lookup(index []atomic.Uint32, k Key) uint32 {
	m := uintptr(len(index) - 1)
	for i := hash(k) & m; ; i = (i + 1) & m {
		id := index[i].Load()
		if id == 0 {
			return 0
		}
		if *t.key(id) == k {
			return id
		}
	}
}

// insert adds id, whose key is set, to index (t.mu held).
func (t *Table) insert(index []atomic.Uint32, id uint32) {
	m := uintptr(len(index) - 1)
	i := hash(*t.key(id)) & m
	for index[i].Load() != 0 {
		i = (i + 1) & m
	}
	index[i].Store(id)
}
