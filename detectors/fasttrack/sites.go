// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"runtime/race"
	"sync/atomic"

	"drace/toolkit/shadow"
)

// What a report needs of an earlier access and a cell does not hold — its
// PC, stack and goroutine — is kept apart: the code location (PC, stack)
// as a site id of a toolkit/site Table, numbered once per location for the
// run, and the goroutine as the holder of the cell's slot at the cell's
// clock (toolkit/vclock's Holders). Unlike ThreadSanitizer's per-thread
// traces, neither is overwritten by later accesses, so a race with an
// access however old is reported with both stacks.

// overflow holds the cells of the words that have more than two: blocks
// of cells, numbered from 0, in chunks that never move (so that a block
// stays put while the table grows), with a free list. A block names the
// entry it belongs to: when the allocator resets the shadow of a word
// (OnMalloc), the block is left behind without a look at the word, and
// alloc collects the blocks whose entry no longer names them once there
// are twice as many as at the last collection.
type overflow struct {
	// cells holds the blocks' cells, outside the Go heap (see
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

type ovfBlock struct {
	mu    race.SpinLock // see lockOvf
	cells []cell        // sorted by slot (see readShared)
	// writes counts the cells that are writes, plain or atomic, as of
	// the last compact: a plain read adds and removes only reads.
	writes int
	owner  *entry // while in use
	next   uint32 // while free: the next free block, as free
}

// room returns s with room for one more cell, moved to a larger block
// if full.
func (o *overflow) room(s []cell) []cell {
	if len(s) < cap(s) {
		return s
	}
	if s = o.cells.Grow(s); s == nil {
		panic("fasttrack: the system refused memory for overflow cells")
	}
	return s
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
		o.free = o.at(i - 1).next
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
			nd := append(dir[:len(dir):len(dir)], (*[ovfChunk]ovfBlock)(chunk[:ovfChunk]))
			o.dir.Store(&nd)
		}
		o.n++
		i = o.n
	}
	b := o.at(i - 1)
	b.mu.Lock()
	b.owner = w
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
	if cap(b.cells) > 8 {
		o.cells.Free(b.cells) // keep no large read-shared set around
		b.cells = nil
	} else {
		clear(b.cells)
		b.cells = b.cells[:0]
	}
	b.writes = 0
	b.owner = nil
	b.next = o.free
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
