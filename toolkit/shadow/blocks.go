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
// Capacities are powers of two, from 4 elements up. A freed block is kept
// for reuse by its capacity, never given back to the system: the memory
// is bounded by the most ever in use at once. T must not hold pointers
// to the Go heap (pointers to shadow or to other blocks are fine). The zero Blocks is ready to use; its methods may be called
// from several goroutines, and do not allocate on the Go heap.
type Blocks[T any] struct {
	mu       race.SpinLock
	free     [maxClass]uintptr // each free block's first word holds the next
	cur, end uintptr           // the chunk blocks are cut from
}

const (
	minBlockShift = 2 // the smallest block holds 4 elements
	maxClass      = 40
	blockChunk    = 1 << 20 // bytes mapped at once for blocks smaller than it
)

// class returns the size class of a block of n elements: capacity
// 1<<(class+minBlockShift).
func class(n int) int {
	if n <= 1<<minBlockShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minBlockShift
}

// Alloc returns an empty slice of capacity at least n (and at least 4),
// its elements zero; nil if the system refused the memory.
func (b *Blocks[T]) Alloc(n int) []T {
	var zero T
	elem := unsafe.Sizeof(zero)
	k := class(n)
	capacity := 1 << (k + minBlockShift)
	if elem == 0 {
		return make([]T, 0, capacity) // takes no memory; Free ignores it
	}
	size := uintptr(capacity) * elem
	b.mu.Lock()
	p := b.free[k]
	if p != 0 {
		b.free[k] = *(*uintptr)(unsafe.Pointer(p))
	} else {
		p = b.cut(size)
	}
	b.mu.Unlock()
	if p == 0 {
		return nil
	}
	s := unsafe.Slice((*T)(unsafe.Pointer(p)), capacity)
	clear(s)
	return s[:0]
}

// cut takes size bytes from the current chunk, mapping another when it
// has no room (what is left of it is lost). Called with b.mu held.
func (b *Blocks[T]) cut(size uintptr) uintptr {
	size = (size + 7) &^ 7
	if size >= blockChunk {
		return mapShadow(size)
	}
	if b.end-b.cur < size {
		p := mapShadow(blockChunk)
		if p == 0 {
			return 0
		}
		b.cur, b.end = p, p+blockChunk
	}
	p := b.cur
	b.cur += size
	return p
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
	if unsafe.Sizeof(zero) == 0 {
		return
	}
	k := bits.TrailingZeros(uint(c)) - minBlockShift
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))
	b.mu.Lock()
	*(*uintptr)(unsafe.Pointer(p)) = b.free[k]
	b.free[k] = p
	b.mu.Unlock()
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
