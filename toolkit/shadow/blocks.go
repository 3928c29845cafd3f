// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import (
	"math/bits"
	"runtime/race"
	"unsafe"
)

// Blocks allocates slices of T outside the Go heap, for a detector's state
// that outgrows a word's record: the cells of a read-shared word, say. The
// garbage collector neither scans that memory nor counts it toward its
// heap goal. That matters more than the memory itself: state kept on the
// Go heap raises the goal, the program's objects then spread over a
// larger heap, and the shadow of every word they touch grows with it.
//
// Capacities are powers of two, from 2 elements up (more for T of 1 to 7
// bytes: a block holds at least 16 bytes). Blocks of up to half a chunk
// (a chunk being the most elements, a power of two, that fit in 1 MiB)
// are cut from chunks by a buddy scheme: a block lies at an offset in
// its chunk that is a multiple of its capacity, Free merges a block with
// its buddy (the other half of the block of twice the capacity) while
// that buddy is free, and Alloc splits a larger free block when no block
// of the capacity asked for is free. So the blocks a word outgrows go to
// make larger ones for the next words: a set of words that all grow at
// once, each block freed as a block twice its size is taken, needs little
// more memory than the largest blocks it ends with. Larger blocks are
// mapped one by one and kept for reuse by their capacity. Nothing is
// given back to the system. Blocks that grow, or are freed, together take
// little more than what is in use, rounded up to powers of two; but, as
// with any allocator that does not move blocks, a contrived order of
// frees can leave every chunk split by a few small blocks in use, so that
// a larger block needs a new chunk: the memory is then bounded by the
// most ever in use at once times a factor that grows with the number of
// capacities a chunk holds (14 for 16-byte elements), not by a fixed one.
// A block's address is a multiple of its size in bytes, up to 4 KiB, when
// the size of T is a power of two.
//
// T must not hold pointers to the Go heap (pointers to shadow or to other
// blocks are fine). The zero Blocks is ready to use; its methods may be
// called from several goroutines, and do not allocate on the Go heap.
type Blocks[T any] struct {
	mu     race.SpinLock
	free   [maxClass]uintptr // per class, a doubly-linked list of free blocks
	mapped uintptr           // bytes taken from the system
}

const (
	minBlockShift = 1 // the smallest block holds 2 elements
	maxClass      = 40
	blockChunk    = 1 << 20 // at most the bytes of a chunk's elements
)

// A free block's first word is the address of the next free block of its
// class, its second that of the previous one (0 at either end). A chunk's
// first elements are its map: a byte per smallest block (unit) of the
// chunk, class+1 for the first unit of a free block, 0 otherwise.
// They form a block that is never free.

// geometry is the layout of chunks for elements of elem bytes (not 0).
type geometry struct {
	elem  uintptr
	k0    int     // the smallest class
	chunk int     // classes below it are cut from chunks; 0 if none are
	lgN   int     // a chunk holds 1<<lgN elements
	align uintptr // a chunk's address is a multiple of it (a power of two ≥ its size)
	meta  int     // the class of the block that holds the chunk's map
}

func geometryOf(elem uintptr) geometry {
	g := geometry{elem: elem}
	for (uintptr(1)<<(g.k0+minBlockShift))*elem < 16 {
		g.k0++
	}
	if elem > blockChunk {
		return g
	}
	g.lgN = bits.Len(uint(blockChunk/elem)) - 1
	g.chunk = g.lgN - minBlockShift
	size := uintptr(1) << g.lgN * elem
	g.align = uintptr(1) << (bits.Len(uint(size - 1)))
	units := uintptr(1) << (g.lgN - minBlockShift - g.k0)
	g.meta = max(class(int((units+elem-1)/elem)), g.k0)
	if g.meta >= g.chunk {
		g.chunk = 0 // a chunk would hold only its map
	}
	return g
}

// class returns the size class of a block of n elements: capacity
// 1<<(class+minBlockShift).
func class(n int) int {
	if n <= 1<<minBlockShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minBlockShift
}

// Alloc returns an empty slice of capacity at least n (and at least 2),
// its elements zero; nil if the system refused the memory.
func (b *Blocks[T]) Alloc(n int) []T {
	var zero T
	elem := unsafe.Sizeof(zero)
	k := class(n)
	if elem == 0 {
		return make([]T, 0, 1<<(k+minBlockShift)) // takes no memory; Free ignores it
	}
	g := geometryOf(elem)
	k = max(k, g.k0)
	capacity := 1 << (k + minBlockShift)
	b.mu.Lock()
	var p uintptr
	if k < g.chunk {
		p = b.cut(&g, k)
	} else if p = b.free[k]; p != 0 {
		b.unlink(&g, p, k)
	} else if p = mapShadow(uintptr(capacity) * elem); p != 0 {
		b.mapped += uintptr(capacity) * elem
	}
	b.mu.Unlock()
	if p == 0 {
		return nil
	}
	s := unsafe.Slice((*T)(unsafe.Pointer(p)), capacity)
	clear(s)
	return s[:0]
}

// cut returns a block of class k (below g.chunk) from a chunk: a free one,
// or half of a free one of the next class up, split in turn; a new chunk's
// if none is free. Called with b.mu held.
func (b *Blocks[T]) cut(g *geometry, k int) uintptr {
	j := k
	for j < g.chunk && b.free[j] == 0 {
		j++
	}
	if j == g.chunk {
		if !b.newChunk(g) {
			return 0
		}
		for j = k; b.free[j] == 0; j++ {
		}
	}
	p := b.free[j]
	b.unlink(g, p, j)
	for j > k {
		j--
		b.push(g, p+uintptr(1)<<(j+minBlockShift)*g.elem, j)
	}
	return p
}

// newChunk maps a chunk and frees its blocks: all but the first, which
// holds its map. Called with b.mu held.
func (b *Blocks[T]) newChunk(g *geometry) bool {
	size := uintptr(1) << g.lgN * g.elem
	// Mapped with room to align it; the pages outside it are never
	// touched, and take no memory.
	m := mapShadow(size + g.align)
	if m == 0 {
		return false
	}
	b.mapped += size
	base := (m + g.align - 1) &^ (g.align - 1)
	for j := g.meta; j < g.chunk; j++ {
		b.push(g, base+uintptr(1)<<(j+minBlockShift)*g.elem, j)
	}
	return true
}

// mapByte returns the byte of its chunk's map for the block at p, and the
// chunk's address. Only for blocks cut from chunks.
func (g *geometry) mapByte(p uintptr) (*uint8, uintptr) {
	base := p &^ (g.align - 1)
	unit := (p - base) / g.elem >> (g.k0 + minBlockShift)
	return (*uint8)(unsafe.Pointer(base + unit)), base
}

func link(p uintptr) *[2]uintptr { return (*[2]uintptr)(unsafe.Pointer(p)) }

// push adds the block at p to the free list of class k. Called with b.mu
// held.
func (b *Blocks[T]) push(g *geometry, p uintptr, k int) {
	next := b.free[k]
	*link(p) = [2]uintptr{next, 0}
	if next != 0 {
		link(next)[1] = p
	}
	b.free[k] = p
	if k < g.chunk {
		m, _ := g.mapByte(p)
		*m = uint8(k + 1)
	}
}

// unlink takes the block at p off the free list of class k. Called with
// b.mu held.
func (b *Blocks[T]) unlink(g *geometry, p uintptr, k int) {
	l := link(p)
	next, prev := l[0], l[1]
	if prev != 0 {
		link(prev)[0] = next
	} else {
		b.free[k] = next
	}
	if next != 0 {
		link(next)[1] = prev
	}
	if k < g.chunk {
		m, _ := g.mapByte(p)
		*m = 0
	}
}

// Free gives back a block from Alloc or Grow (of any length); s must not
// be used after. Freeing a nil or empty-capacity slice does nothing.
func (b *Blocks[T]) Free(s []T) {
	c := cap(s)
	if c < 1<<minBlockShift || c&(c-1) != 0 {
		if c != 0 {
			panic("shadow: Blocks.Free of a slice that Alloc did not return")
		}
		return
	}
	var zero T
	elem := unsafe.Sizeof(zero)
	if elem == 0 {
		return
	}
	g := geometryOf(elem)
	k := bits.TrailingZeros(uint(c)) - minBlockShift
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))
	b.mu.Lock()
	if k < g.chunk {
		// Merge with the buddy while it is free, up to half a chunk.
		_, base := g.mapByte(p)
		for ; k+1 < g.chunk; k++ {
			size := uintptr(1) << (k + minBlockShift) * g.elem
			buddy := base + ((p - base) ^ size)
			if m, _ := g.mapByte(buddy); *m != uint8(k+1) {
				break
			}
			b.unlink(&g, buddy, k)
			p = min(p, buddy)
		}
	}
	b.push(&g, p, k)
	b.mu.Unlock()
}

// Mapped returns the bytes of memory b has taken from the system.
func (b *Blocks[T]) Mapped() uintptr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mapped
}

// Grow returns s with room for at least one more element: s itself if it
// has room, else a block of twice its capacity holding its elements, s
// being freed. It returns nil if the system refused the memory.
func (b *Blocks[T]) Grow(s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	ns := b.Alloc(2 * len(s))
	if ns == nil {
		return nil
	}
	ns = append(ns, s...)
	b.Free(s)
	return ns
}
