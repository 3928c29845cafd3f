// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"math/bits"
	"runtime/race"
	"sync/atomic"
	"unsafe"

	"drace/toolkit/shadow"
	"drace/toolkit/vclock"
)

// What a report needs of an earlier access and a cell does not hold — its
// PC, stack and goroutine — is kept apart: the code location (PC, stack)
// as a site id of a toolkit/site Table, numbered once per location for the
// run, and the goroutine as the holder of the cell's slot at the cell's
// clock (toolkit/vclock's Holders). Unlike ThreadSanitizer's per-thread
// traces, neither is overwritten by later accesses, so a race with an
// access however old is reported with both stacks.

// overflow holds the cells of the words that have more than one: blocks
// of 16 bytes, numbered from 0, in chunks that never move (so that a block
// stays put while the table grows), with a free list. A block holds one
// cell itself, the common case of a word with two cells (a write and a
// later read, typically), so that such a word costs 32 bytes in all, and
// more in a slice of cells (shadow.Blocks) it points to. When the
// allocator resets the shadow of a word (OnMalloc), its block is freed
// (dropEntry).
//
// Blocks and cells live outside the Go heap: a read-shared set of many
// readers on the heap would raise the collector's goal, and with it the
// shadow of the program. ThreadSanitizer, when the detector is tested
// with -race, does not check accesses there (nor to shadow memory), so
// they need no lock but the entry's.
type overflow struct {
	cells  shadow.Blocks[cell]
	groups vecGroups     // the group blocks of read clocks (readclock.go)
	slots  *vclock.Slots // the detector's, for the slots used so far
	chunks shadow.Blocks[ovfBlock]
	mu     race.SpinLock
	dir    atomic.Pointer[[]*[ovfChunk]ovfBlock]
	n      uint32 // blocks made
	free   uint32 // 1 + the first free block; 0 if none
	live   int    // blocks in use, under mu
}

const ovfChunk = 4096

// An ovfBlock is the overflow of an entry: its cells, sorted by slot (see
// readShared). Either the block holds one cell itself, x and y being its
// a and b (x is 0 if the block is empty), or y has ovfSlice set and the
// cells are a slice from overflow.cells: x is its address (32-byte
// aligned) | log2 of its capacity, y len<<32 | ovfSlice | the number of
// cells that are writes, plain or atomic, as of the last compact (a plain
// read adds and removes only reads: see readShared). A free block holds
// the next free one in x.
type ovfBlock struct{ x, y uint64 }

const (
	ovfSlice  = 1 << 31 // never set in a cell's b (entryBits)
	ovfWrites = ovfSlice - 1
)

func (b *ovfBlock) inline() bool { return b.y&ovfSlice == 0 }

// cells returns b's cells, in place: changing one changes b's.
func (b *ovfBlock) cells() []cell {
	if b.inline() {
		s := unsafe.Slice((*cell)(unsafe.Pointer(&b.x)), 1)
		if b.x == 0 {
			return s[:0]
		}
		return s
	}
	// x holds the address of memory outside the Go heap, read as a
	// pointer (written as an integer, without a write barrier).
	x := b.x &^ 31
	p := *(*unsafe.Pointer)(unsafe.Pointer(&x))
	return unsafe.Slice((*cell)(p), 1<<(b.x&31))[:b.y>>32]
}

func (b *ovfBlock) len() int {
	if b.inline() {
		if b.x == 0 {
			return 0
		}
		return 1
	}
	return int(b.y >> 32)
}

// setCells makes s b's cells: b's own cell (as cells returned it) or a
// slice from overflow.cells.
func (b *ovfBlock) setCells(s []cell) {
	if cap(s) == 1 {
		if len(s) == 0 {
			b.x, b.y = 0, 0
		}
		return
	}
	writes := b.y & ovfWrites
	if b.inline() {
		writes = 0
		for _, c := range s {
			if c.a != 0 && c.b&fWrite != 0 {
				writes++
			}
		}
	}
	b.x = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))) | uint64(bits.TrailingZeros(uint(cap(s))))
	b.y = uint64(len(s))<<32 | ovfSlice | writes
}

// setWrites sets the count of writes among b's cells, when in a slice.
func (b *ovfBlock) setWrites(n int) {
	if !b.inline() {
		b.y = b.y&^ovfWrites | uint64(n)
	}
}

// writes returns the count of writes among b's cells (see ovfBlock).
func (b *ovfBlock) writes() int {
	if b.inline() {
		if b.x != 0 && b.y&fWrite != 0 {
			return 1
		}
		return 0
	}
	return int(b.y & ovfWrites)
}

// room returns s, b's cells, with room for one more cell: moved from b
// itself or a full slice into a larger slice (the caller then sets it).
func (o *overflow) room(b *ovfBlock, s []cell) []cell {
	if len(s) < cap(s) {
		return s
	}
	var ns []cell
	if b.inline() {
		if ns = o.cells.Alloc(2); ns != nil {
			ns = append(ns, s...)
		}
	} else {
		ns = o.cells.Grow(s)
	}
	if ns == nil {
		panic("fasttrack: the system refused memory for overflow cells")
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(ns)))&31 != 0 {
		panic("fasttrack: overflow cells not 32-byte aligned")
	}
	return ns
}

// fit returns s, a slice of b's cells, moved to a smaller slice if it
// fills a quarter of its capacity or less (s freed), as when a read clock
// has taken the place of many readers' cells.
func (o *overflow) fit(s []cell) []cell {
	if cap(s) <= 4 || len(s)*4 > cap(s) {
		return s
	}
	ns := o.cells.Alloc(len(s))
	if ns == nil {
		return s
	}
	ns = append(ns, s...)
	o.cells.Free(s)
	return ns
}

// shrink returns s, b's cells, moved into b itself if there is one left
// (its slice freed), unless s is a slice of 2 or 4: a word whose cells come and
// go, as the atomic cells of a contended mutex's word do, would allocate
// and free a slice (under the allocator's lock) at every other access.
func (o *overflow) shrink(b *ovfBlock, s []cell) []cell {
	if len(s) != 1 || b.inline() || cap(s) <= 4 {
		return s
	}
	c := s[0]
	o.cells.Free(s)
	b.x, b.y = c.a, c.b
	return unsafe.Slice((*cell)(unsafe.Pointer(&b.x)), 1)
}

func (o *overflow) at(i uint32) *ovfBlock { return &(*o.dir.Load())[i/ovfChunk][i%ovfChunk] }

// alloc gives w (locked, without a block) an empty block, and returns it.
func (o *overflow) alloc(w *entry) *ovfBlock {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.live++
	var i uint32
	if o.free != 0 {
		i = o.free
		o.free = uint32(o.at(i - 1).x)
	} else {
		var dir []*[ovfChunk]ovfBlock
		if p := o.dir.Load(); p != nil {
			dir = *p
		}
		if int(o.n/ovfChunk) >= len(dir) {
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
	b.x, b.y = 0, 0
	w.setOvf(uint64(i))
	return b
}

// release frees w's block b (w locked). It does not allocate.
func (o *overflow) release(w *entry, b *ovfBlock) {
	for _, c := range b.cells() {
		if c.isVec() {
			o.freeVec(c)
		}
	}
	if !b.inline() {
		o.cells.Free(b.cells())
	}
	o.mu.Lock()
	b.x, b.y = uint64(o.free), 0
	o.free = uint32(w.ovf())
	o.live--
	o.mu.Unlock()
	w.setOvf(0)
}

// inUse returns the number of blocks in use.
func (o *overflow) inUse() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.live
}
