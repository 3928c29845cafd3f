// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import (
	"math/bits"
	"runtime/race"
	"unsafe"
)

// Slabs allocates blocks of one size, a multiple of 4 KiB, outside the Go
// heap, for a detector's state that is sparse within a block: a page of
// a block takes memory only once written, and Free gives the block's
// pages back to the system, so that a block whose state fills its first
// pages only costs those. Blocks are cut from chunks of 64, at most
// maxSlabChunks chunks in all; a block's address is a multiple of 4 KiB.
//
// The zero Slabs is ready to use once Size is set; its methods may be
// called from several goroutines, and do not allocate on the Go heap (Free
// may be called inside the runtime's allocator).
type Slabs struct {
	Size   uintptr // the bytes of a block: a multiple of 4 KiB, set before the first Alloc
	mu     race.SpinLock
	chunks [maxSlabChunks]slabChunk
	n      int // chunks mapped
}

const maxSlabChunks = 1024

// A slabChunk is 64 blocks from base, used one bit each.
type slabChunk struct {
	base uintptr
	used uint64
}

// Alloc returns the address of a zeroed block, or 0 if the system refused
// the memory (or the chunks are all used).
func (s *Slabs) Alloc() uintptr {
	if s.Size == 0 || s.Size%4096 != 0 {
		panic("shadow: Slabs.Size not a multiple of 4 KiB")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.n {
		c := &s.chunks[i]
		if c.used != ^uint64(0) {
			k := bits.TrailingZeros64(^c.used)
			c.used |= 1 << k
			return c.base + uintptr(k)*s.Size
		}
	}
	if s.n == maxSlabChunks {
		return 0
	}
	p := mapShadow(64 * s.Size)
	if p == 0 {
		return 0
	}
	s.chunks[s.n] = slabChunk{base: p, used: 1}
	s.n++
	return p
}

// Free frees the block at p, which Alloc returned, and gives its pages
// back to the system (zeroing them where it cannot).
func (s *Slabs) Free(p uintptr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.n {
		c := &s.chunks[i]
		if p >= c.base && p < c.base+64*s.Size {
			k := (p - c.base) / s.Size
			if c.used&(1<<k) == 0 || (p-c.base)%s.Size != 0 {
				break
			}
			if !releaseShadow(p, s.Size) {
				clear(unsafe.Slice((*byte)(unsafe.Pointer(p)), s.Size))
			}
			c.used &^= 1 << k
			return
		}
	}
	panic("shadow: Slabs.Free of a block that Alloc did not return")
}

// InUse returns the number of blocks allocated and not freed.
func (s *Slabs) InUse() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.n {
		n += bits.OnesCount64(s.chunks[i].used)
	}
	return n
}
