// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"math/bits"
	"unsafe"

	"drace/toolkit/vclock"
)

// A read clock is FastTrack's read vector clock for the many readers of a
// word that read the same bytes at the same code location: the clock of
// each reader's last read, indexed by slot, so that such a read is one
// store, where a reader's own cell would be found by binary search among
// the others and inserted in order. It stands for a plain read cell per
// non-zero entry, all with the read clock's mask and site, none reported
// (a reader that a write reports leaves the clock for a cell of its own,
// marked reported).
//
// It lives in a word's overflow slice as one cell, the last (cellOrder),
// with fVector set: a is the address of a block (allocVec: aligned to its
// size, 256 bytes at least) | the mask, b the site<<32 |
// the block's first slot lo<<16 | log2 of its capacity<<8 | fVector. The
// block holds the clocks of slots [lo, lo+capacity), 0 for none, and
// nothing else, so that a read touches only its own entry's cache line.
//
// A word has at most one read clock: readers at other code locations, or
// of other bytes, keep cells of their own. Slots are at most 256, so a
// read clock takes at most 1 KiB; it is made, or grown to cover more
// slots, only when it takes no more memory than the cells of the readers
// it replaces (16 bytes each).
const (
	fVector = 1 << 3 // the cell is a read clock (only in overflow cells)

	vecMinCap  = 64 // the smallest block: 256 bytes, so its address leaves the mask's byte free
	vecLogCap  = 8  // the block's log2 capacity in b
	vecLogMask = 0xff << vecLogCap
	vecLoShift = 16 // the block's first slot in b
	vecLoMask  = 0xffff << vecLoShift
)

func (c cell) isVec() bool { return c.b&fVector != 0 }

// vec returns the block of the read clock c.
func (c cell) vec() []uint32 {
	p := uintptr(c.a &^ 0xff)
	// The block is outside the Go heap, read as a pointer (written as an
	// integer, without a write barrier).
	return unsafe.Slice((*uint32)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), 1<<(c.b&vecLogMask>>vecLogCap))
}

// vecLo returns the slot of the first entry of the read clock c.
func (c cell) vecLo() uint32 { return uint32(c.b&vecLoMask) >> vecLoShift }

// vecCell returns the read clock cell of block v, whose first entry is
// slot lo's, for the reads of mask at site.
func vecCell(v []uint32, lo uint32, mask uint8, site uint32) cell {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(v[:1])))
	if p&0xff != 0 {
		panic("fasttrack: read clock block not 256-byte aligned")
	}
	return cell{uint64(p) | uint64(mask), uint64(site)<<32 | uint64(lo)<<vecLoShift | uint64(bits.TrailingZeros(uint(cap(v))))<<vecLogCap | fVector}
}

// vecEntry returns the index in c's block of slot's clock, or -1 if c
// does not cover slot.
func (c cell) vecEntry(slot uint32) int {
	i := int(slot) - int(c.vecLo())
	if i < 0 || i >= 1<<(c.b&vecLogMask>>vecLogCap) {
		return -1
	}
	return i
}

// vecCap returns the capacity of a block for the slots [lo, hi].
func vecCap(lo, hi uint32) int {
	n := int(hi-lo) + 1
	return max(vecMinCap, 1<<bits.Len(uint(n-1)))
}

// vecCount returns the number of readers in v.
func vecCount(v []uint32) int {
	n := 0
	for _, e := range v {
		if e != 0 {
			n++
		}
	}
	return n
}

// allocVec returns a zeroed block of n entries (a power of two, at least
// vecMinCap), at its full length. It is a slice of n/4 cells from the
// overflow's cells, aligned to its size as those are, so that the slices
// that readers' cells outgrow, and that gatherVec frees, make the read
// clocks that replace them.
func (o *overflow) allocVec(n int) []uint32 {
	s := o.cells.Alloc(n / 4)
	if s == nil {
		panic("fasttrack: the system refused memory for read clocks")
	}
	s = s[:cap(s)]
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}

// freeVec frees the block of the read clock c.
func (o *overflow) freeVec(c cell) {
	v := c.vec()
	o.cells.Free(unsafe.Slice((*cell)(unsafe.Pointer(unsafe.SliceData(v))), len(v)/4)[:0])
}

// copyVec returns a copy of the read clock c, in a block of its own.
func (o *overflow) copyVec(c cell) cell {
	v := o.allocVec(len(c.vec()))
	copy(v, c.vec())
	return vecCell(v, c.vecLo(), c.mask(), c.site())
}

// vecCells calls f with the plain read cell each non-zero entry of the
// read clock c stands for, and its index in c's block.
func vecCells(c cell, f func(i int, r cell)) {
	lo := c.vecLo()
	for i, e := range c.vec() {
		if e != 0 {
			f(i, vecRead(c, lo+uint32(i), e))
		}
	}
}

// vecRead returns the plain read cell of slot's entry clock in the read
// clock c.
func vecRead(c cell, slot, clock uint32) cell {
	return cell{epochBits(vclock.MakeEpoch(slot, clock)) | uint64(c.mask()), uint64(c.site()) << 32}
}

// readVec applies a plain read by cur, of the read clock c's mask at its
// site, to c, whose block covers the reader's slot (at index i): it
// stores the reader's clock, and reports whether the entry held it
// already (a repeat). If the reader follows the other readers whose
// entries share its own's cache line (16 slots), and there are some, it
// likely follows all (it joined them, as after a WaitGroup's Wait): it
// clears the entries that happen before it, so that the read clock does
// not outlive its readers until the next write. A read that follows
// none of its neighbours, the usual one in read-shared mode, pays for a
// comparison or two.
func readVec(c cell, i int, cur *curAccess, cv vclock.Clock) bool {
	v := c.vec()
	clock := cur.e.Clock()
	if v[i] == clock {
		return true
	}
	v[i] = clock
	lo := c.vecLo()
	follows := false
	for j := i &^ 15; j < i&^15+16; j++ {
		if j == i || v[j] == 0 {
			continue
		}
		if !vclock.MakeEpoch(lo+uint32(j), v[j]).Before(cv) {
			return false
		}
		follows = true
	}
	if follows {
		// Every entry covers the read's bytes: clear those that happen
		// before it, as FastTrack's [READ EXCLUSIVE] does.
		for j, e := range v {
			if e != 0 && j != i && vclock.MakeEpoch(lo+uint32(j), e).Before(cv) {
				v[j] = 0
			}
		}
	}
	return false
}

// readClockOnly applies a plain read by g of the bytes mask to the word
// whose shadow w (locked) has a read clock alone in its overflow block ovf
// (a word written once and then read by many goroutines, see settleVec),
// when the read is one of the read clock's: of its bytes, at its site, by
// a slot its block covers, and the cell in place, if any, a write that
// the read does not race with. It is what readShared does then — the
// write needs no record, and the read is readVec's — without its general
// loops, and reports whether it applied the read (false: readShared
// must).
func (d *detector) readClockOnly(w *entry, ovf *ovfBlock, mask uint8, g *gstate, cur *curAccess) bool {
	if !ovf.inline() || ovf.y&fVector == 0 || uint8(ovf.x) != mask {
		return false
	}
	vc := cell{ovf.x, ovf.y}
	cv := g.C
	if c := w.get(); c.a != 0 && (c.b&fWrite == 0 || c.mask()&mask != 0 && c.b&fReported == 0 && !c.epoch().Before(cv)) {
		// A read in place, which the read may merge into or clear, or
		// a write it races with.
		return false
	}
	i := vc.vecEntry(cur.e.Slot())
	if i < 0 {
		return false
	}
	if cur.site == 0 {
		cur.site = d.siteOf(g, cur.a)
	}
	if vc.site() != cur.site {
		return false
	}
	readVec(vc, i, cur, cv)
	return true
}

// gatherVec moves the plain read cells among reads (the sparse reads of a
// word's overflow, sorted by slot) that have the mask and site of the
// read own into a read clock: into vc, the word's read clock (a zero cell
// if none), when it has the same mask and site, growing it to cover
// their slots, or into a new one. It does so only if the read clock then
// takes no more memory than the cells it stands for, and returns the
// reads left (in reads' memory, in order) and the read clock (vc
// unchanged if nothing moved).
func (o *overflow) gatherVec(reads []cell, vc cell, own cell) ([]cell, cell) {
	mask, site := own.mask(), own.site()
	if vc.a != 0 && (vc.mask() != mask || vc.site() != site) {
		return reads, vc
	}
	k, lo, hi := 0, uint32(1<<32-1), uint32(0)
	for _, c := range reads {
		if c.mask() == mask && c.b == own.b {
			k++
			lo, hi = min(lo, c.slot()), max(hi, c.slot())
		}
	}
	var old []uint32
	count := 0
	if vc.a != 0 {
		old = vc.vec()
		count = vecCount(old)
		lo, hi = min(lo, vc.vecLo()), max(hi, vc.vecLo()+uint32(len(old))-1)
	}
	if k == 0 || hi > vecLoMask>>vecLoShift || vecCap(lo, hi)*4 > (count+k)*int(unsafe.Sizeof(cell{})) {
		return reads, vc
	}
	v := o.allocVec(vecCap(lo, hi))
	if old != nil {
		copy(v[vc.vecLo()-lo:], old)
		o.freeVec(vc)
	}
	n := 0
	for _, c := range reads {
		if c.mask() == mask && c.b == own.b {
			i := c.slot() - lo
			v[i] = max(v[i], c.epoch().Clock())
			continue
		}
		reads[n] = c
		n++
	}
	return reads[:n], vecCell(v, lo, mask, site)
}
