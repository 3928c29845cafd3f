// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"runtime/race"
	"sync/atomic"
	"unsafe"

	"drace/toolkit/shadow"
)

// What a report needs of an earlier access and a cell does not hold — its
// PC, stack and goroutine — is kept apart: the code location (PC, stack)
// as a site id of a toolkit/site Table, numbered once per location for the
// run, and the goroutine as the holder of the cell's slot at the cell's
// clock (toolkit/vclock's Holders). Unlike ThreadSanitizer's per-thread
// traces, neither is overwritten by later accesses, so a race with an
// access however old is reported with both stacks.

// overflow holds the cells of the words that have more than one: blocks,
// numbered from 0, in chunks that never move (so that a block stays put
// while the table grows), with a free list. A block of 32 bytes holds one
// cell itself, the common case of a word with two cells (a write and a
// later read, typically), and more in a slice of cells (shadow.Blocks)
// it points to. A block names the entry it belongs to: when the allocator
// resets the shadow of a word (OnMalloc), the block is left behind
// without a look at the word, and alloc collects the blocks whose entry
// no longer names them once there are twice as many as at the last
// collection.
type overflow struct {
	// cells holds the blocks' cells beyond one, outside the Go heap (see
	// shadow.Blocks): a read-shared set of many readers on the heap would
	// raise the collector's goal, and with it the shadow of the program.
	cells  shadow.Blocks[cell]
	chunks shadow.Blocks[ovfBlock]
	mu     race.SpinLock
	dir    atomic.Pointer[[]*[ovfChunk]ovfBlock]
	n      uint32 // blocks made
	free   uint32 // 1 + the first free block; 0 if none
	live   int    // blocks in use, under mu
	// collectAt is the number of live blocks at which alloc collects.
	collectAt int
}

const ovfChunk = 1024

// An ovfBlock is the overflow of an entry: its cells, sorted by slot (see
// readShared), either one cell held in the block itself (x and y are its
// a and b) or a slice of cells from overflow.cells (x its address, y
// len<<32 | cap). 32 bytes.
type ovfBlock struct {
	mu race.SpinLock // see lockOvf
	// aux holds, while the block is in use, whether it holds its cell
	// itself (auxInline) and how many (auxOne), and the number of
	// cells that are writes, plain or atomic, as of the last compact (a
	// plain read adds and removes only reads: see readShared); while it
	// is free, the next free block, as overflow.free.
	aux   uint32
	owner *entry // while in use
	x, y  uint64
}

const (
	auxInline = 1 << 31
	auxOne    = 1 << 30
	auxWrites = auxOne - 1
)

// cells returns b's cells, in place: changing one changes b's.
func (b *ovfBlock) cells() []cell {
	if b.aux&auxInline != 0 {
		s := unsafe.Slice((*cell)(unsafe.Pointer(&b.x)), 1)
		if b.aux&auxOne == 0 {
			return s[:0]
		}
		return s
	}
	if b.x == 0 {
		return nil
	}
	// x holds the address of memory outside the Go heap, read as a
	// pointer (written as an integer, without a write barrier).
	p := *(*unsafe.Pointer)(unsafe.Pointer(&b.x))
	return unsafe.Slice((*cell)(p), uint32(b.y))[:b.y>>32]
}

func (b *ovfBlock) len() int {
	if b.aux&auxInline != 0 {
		return int(b.aux / auxOne & 1)
	}
	return int(b.y >> 32)
}

// setCells makes s b's cells: b's own cell (as cells returned it) or a
// slice from overflow.cells.
func (b *ovfBlock) setCells(s []cell) {
	writes := b.aux & auxWrites
	if cap(s) == 1 {
		b.aux = auxInline | writes
		if len(s) == 1 {
			b.aux |= auxOne
		}
		return
	}
	b.aux = writes
	if cap(s) == 0 {
		b.x, b.y = 0, 0
		return
	}
	b.x = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s[:1]))))
	b.y = uint64(len(s))<<32 | uint64(cap(s))
}

// setWrites sets the count of writes among b's cells.
func (b *ovfBlock) setWrites(n int) { b.aux = b.aux&^auxWrites | uint32(n) }

// writes returns the count of writes among b's cells (see aux).
func (b *ovfBlock) writes() int { return int(b.aux & auxWrites) }

// room returns s, b's cells, with room for one more cell: moved from b
// itself or a full slice into a larger slice (the caller then sets it).
func (o *overflow) room(b *ovfBlock, s []cell) []cell {
	if len(s) < cap(s) {
		return s
	}
	var ns []cell
	if b.aux&auxInline != 0 {
		ns = o.cells.Alloc(4)
		if ns != nil {
			ns = append(ns, s...)
		}
	} else {
		ns = o.cells.Grow(s)
	}
	if ns == nil {
		panic("fasttrack: the system refused memory for overflow cells")
	}
	return ns
}

// shrink returns s, b's cells, moved into b itself if there is one left
// (its slice freed).
func (o *overflow) shrink(b *ovfBlock, s []cell) []cell {
	if len(s) != 1 || b.aux&auxInline != 0 {
		return s
	}
	c := s[0]
	o.cells.Free(s)
	b.x, b.y = c.a, c.b
	return unsafe.Slice((*cell)(unsafe.Pointer(&b.x)), 1)
}

func (o *overflow) at(i uint32) *ovfBlock { return &(*o.dir.Load())[i/ovfChunk][i%ovfChunk] }

// alloc gives w (locked, without a block) a block, and returns it locked.
func (o *overflow) alloc(w *entry) *ovfBlock {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.live >= o.collectAt {
		o.collect()
		o.collectAt = max(2*o.live, 1024)
	}
	o.live++
	var i uint32
	if o.free != 0 {
		i = o.free
		o.free = o.at(i - 1).aux
	} else {
		var dir []*[ovfChunk]ovfBlock
		if p := o.dir.Load(); p != nil {
			dir = *p
		}
		if int(o.n/ovfChunk) >= len(dir) {
			// The blocks are outside the Go heap too: they name only
			// shadow and cells.
			chunk := o.chunks.Alloc(ovfChunk)
			if chunk == nil {
				panic("fasttrack: the system refused memory for overflow blocks")
			}
			// Appended in place while there is room (a reader of an
			// older header reads only the chunks it lists), so that the
			// directory's garbage is linear in its size.
			nd := append(dir, (*[ovfChunk]ovfBlock)(chunk[:ovfChunk]))
			o.dir.Store(&nd)
		}
		o.n++
		i = o.n
	}
	b := o.at(i - 1)
	b.mu.Lock()
	b.owner = w
	b.aux = auxInline
	b.x, b.y = 0, 0
	w.setOvf(uint64(i))
	return b
}

// release frees w's block b (both locked). It does not allocate.
func (o *overflow) release(w *entry, b *ovfBlock) {
	o.mu.Lock()
	o.free1(uint32(w.ovf()), b)
	w.setOvf(0)
	o.mu.Unlock()
}

// free1 frees block i, b, with o.mu held.
func (o *overflow) free1(i uint32, b *ovfBlock) {
	if b.aux&auxInline == 0 && b.x != 0 {
		o.cells.Free(b.cells())
	}
	b.x, b.y = 0, 0
	b.owner = nil
	b.aux = o.free
	o.free = i
	o.live--
}

// collect frees the blocks whose entry has been reset, with o.mu held. A
// block locked by its entry's holder is in use.
func (o *overflow) collect() {
	for i := uint32(1); i <= o.n; i++ {
		b := o.at(i - 1)
		if b.owner == nil || b.owner.ovf() == uint64(i) || !b.mu.TryLock() {
			continue
		}
		o.free1(i, b)
		b.mu.Unlock()
	}
}

// inUse returns the number of blocks in use, including those left behind
// by resets and not yet collected.
func (o *overflow) inUse() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.live
}
