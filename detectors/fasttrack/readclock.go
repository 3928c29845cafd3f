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

	vecMinCap   = 64 // the smallest block: 256 bytes, so its address leaves the mask's byte free
	vecLogCap   = 8  // the block's log2 capacity (in slots) in b
	vecLogMask  = 0xff << vecLogCap
	vecLoShift  = 16 // the block's first slot in b
	vecLoMask   = 0xff << vecLoShift
	vecColShift = 24 // a group block's column in b
	vecColMask  = (vecGroupWords - 1) << vecColShift
	vecGrouped  = 1 << 28 // the block is a group's (ovfSlice, bit 31, stays clear)

	vecGroupWords = 16 // the words of a group: 128 bytes of the program
)

func (c cell) isVec() bool { return c.b&fVector != 0 }

// A vecView is the entries of a read clock: n of them, the i-th at
// p[i*stride] (stride 1 for a block of its own, vecGroupWords for a
// column of a group block).
type vecView struct {
	p      *uint32
	n      int
	stride int
}

func (v vecView) len() int { return v.n }

// at returns the address of entry i (< v.n).
func (v vecView) at(i int) *uint32 {
	return (*uint32)(unsafe.Add(unsafe.Pointer(v.p), uintptr(i*v.stride)*4))
}

func (v vecView) get(i int) uint32    { return *v.at(i) }
func (v vecView) set(i int, x uint32) { *v.at(i) = x }

// block returns the address of c's block.
func (c cell) block() uintptr { return uintptr(c.a &^ 0xff) }

// vec returns the entries of the read clock c.
func (c cell) vec() vecView {
	p := c.block()
	stride := 1
	if c.b&vecGrouped != 0 {
		p += uintptr(c.b&vecColMask>>vecColShift) * 4
		stride = vecGroupWords
	}
	// The block is outside the Go heap, read as a pointer (written as an
	// integer, without a write barrier).
	return vecView{(*uint32)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), 1 << (c.b & vecLogMask >> vecLogCap), stride}
}

// vec returns the entries of the read clock c that a scan of them needs
// to look at: for a column of a group block, which covers every slot,
// those of the slots used so far (the others are 0).
func (o *overflow) vec(c cell) vecView {
	v := c.vec()
	if v.stride != 1 && o.slots != nil {
		v.n = min(v.n, o.slots.Used())
	}
	return v
}

// vecLo returns the slot of the first entry of the read clock c.
func (c cell) vecLo() uint32 { return uint32(c.b&vecLoMask) >> vecLoShift }

// vecCell returns the read clock cell of the block at p, of 1<<logCap
// slots from slot lo's, for the reads of mask at site: the block's own
// (col < 0) or column col of a group block.
func vecCell(p uintptr, logCap int, lo uint32, col int, mask uint8, site uint32) cell {
	if p&0xff != 0 {
		panic("fasttrack: read clock block not 256-byte aligned")
	}
	b := uint64(site)<<32 | uint64(lo)<<vecLoShift | uint64(logCap)<<vecLogCap | fVector
	if col >= 0 {
		b |= vecGrouped | uint64(col)<<vecColShift
	}
	return cell{uint64(p) | uint64(mask), b}
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
func vecCount(v vecView) int {
	n := 0
	for i := range v.n {
		if v.get(i) != 0 {
			n++
		}
	}
	return n
}

// allocVec returns the address of a zeroed block of n entries (a power of
// two, at least vecMinCap). It is a slice of n/4 cells from the
// overflow's cells, aligned to its size as those are, so that the slices
// that readers' cells outgrow, and that gatherVec frees, make the read
// clocks that replace them.
func (o *overflow) allocVec(n int) uintptr {
	s := o.cells.Alloc(n / 4)
	if s == nil {
		panic("fasttrack: the system refused memory for read clocks")
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(s)))
}

// freeBlock frees the block of n entries at p.
func (o *overflow) freeBlock(p uintptr, n int) {
	o.cells.Free(unsafe.Slice((*cell)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), n/4)[:0])
}

// freeVec frees the read clock c: its block, or its column of a group
// block (cleared, for the word that may take it again), the block freed
// with the group's last column.
func (o *overflow) freeVec(c cell) {
	v := o.vec(c)
	if c.b&vecGrouped == 0 {
		o.freeBlock(c.block(), v.n)
		return
	}
	for i := range v.n {
		// Only the entries set: a page of the block that no reader
		// wrote stays without memory.
		if v.get(i) != 0 {
			v.set(i, 0)
		}
	}
	o.groups.mu.Lock()
	g := o.groups.m[c.block()]
	if g.refs--; g.refs > 0 {
		o.groups.m[c.block()] = g
		o.groups.mu.Unlock()
		return
	}
	delete(o.groups.m, c.block())
	delete(o.groups.cur, g.group)
	o.groups.mu.Unlock()
	o.groups.blocks.Free(c.block())
}

// copyVec returns a copy of the read clock c, in a block of its own.
func (o *overflow) copyVec(c cell) cell {
	v, n := o.vec(c), c.vec().n
	p := o.allocVec(n)
	nv := vecView{(*uint32)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), n, 1}
	for i := range v.n {
		nv.set(i, v.get(i))
	}
	return vecCell(p, bits.TrailingZeros(uint(n)), c.vecLo(), -1, c.mask(), c.site())
}

// vecCells calls f with the plain read cell each non-zero entry of the
// read clock c stands for, and its index in c's block.
func vecCells(c cell, f func(i int, r cell)) { vecCellsOf(c, c.vec(), f) }

// vecCellsOf is vecCells of the entries v of c (overflow.vec).
func vecCellsOf(c cell, v vecView, f func(i int, r cell)) {
	lo := c.vecLo()
	for i := range v.n {
		if e := v.get(i); e != 0 {
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
// site, to c, whose entries are v (overflow.vec), whose block covers
// the reader's slot (at index i): it
// stores the reader's clock, and reports whether the entry held it
// already (a repeat). If the reader follows the other readers whose
// entries it looks at, and there are some, it likely follows all (it
// joined them, as after a WaitGroup's Wait): it clears the entries that
// happen before it, so that the read clock does not outlive its readers
// until the next write. The entries looked at are those that share its
// own's cache line (16 slots) in a block of its own, and in a group
// block, whose line holds the reader's entries of the group's 16 words,
// the entry of the neighbouring slot (i^1, the other line of an aligned
// 128 bytes). A read that follows none of them, the usual one in
// read-shared mode, pays for a comparison or two.
func readVec(c cell, v vecView, i int, cur *curAccess, cv vclock.Clock) bool {
	clock := cur.e.Clock()
	p := v.at(i)
	if *p == clock {
		return true
	}
	*p = clock
	lo := c.vecLo()
	follows := false
	if v.stride == 1 {
		for j := i &^ 15; j < i&^15+16; j++ {
			e := v.get(j)
			if j == i || e == 0 {
				continue
			}
			if !vclock.MakeEpoch(lo+uint32(j), e).Before(cv) {
				return false
			}
			follows = true
		}
	} else if j := i ^ 1; j < v.n {
		if e := v.get(j); e != 0 {
			if !vclock.MakeEpoch(lo+uint32(j), e).Before(cv) {
				return false
			}
			follows = true
		}
	}
	if follows {
		// Every entry covers the read's bytes: clear those that happen
		// before it, as FastTrack's [READ EXCLUSIVE] does.
		for j := range v.n {
			if e := v.get(j); e != 0 && j != i && vclock.MakeEpoch(lo+uint32(j), e).Before(cv) {
				v.set(j, 0)
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
	readVec(vc, d.ovf.vec(vc), i, cur, cv)
	return true
}

// gatherVec moves the plain read cells among reads (the sparse reads of a
// word's overflow, sorted by slot) that have the mask and site of the
// read own into a read clock: into vc, the word's read clock (a zero cell
// if none), when it has the same mask and site, growing it to cover
// their slots, or into a new one. It does so only if the read clock then
// takes no more memory than the cells it stands for (or it is a column
// of a group block, see groupVec), and returns the reads left
// (in reads' memory, in order) and the read clock (vc unchanged if
// nothing moved). w is the shadow of the word at base; if grouped is set
// (w is the word's own entry, not a uniform page's), the read clock may
// be a column of its group's block (groupVec).
func (o *overflow) gatherVec(reads []cell, vc cell, own cell, w *entry, base uintptr, grouped bool) ([]cell, cell) {
	mask, site := own.mask(), own.site()
	if vc.a != 0 && (vc.mask() != mask || vc.site() != site || vc.b&vecGrouped != 0) {
		// Another's, or a column of a group block, which covers every
		// slot: its readers have no cells.
		return reads, vc
	}
	k, lo, hi := 0, uint32(1<<32-1), uint32(0)
	for _, c := range reads {
		if c.mask() == mask && c.b == own.b {
			k++
			lo, hi = min(lo, c.slot()), max(hi, c.slot())
		}
	}
	var old vecView
	count := 0
	if vc.a != 0 {
		old = vc.vec()
		count = vecCount(old)
		lo, hi = min(lo, vc.vecLo()), max(hi, vc.vecLo()+uint32(old.n)-1)
	}
	if k == 0 || lo > vecLoMask>>vecLoShift {
		return reads, vc
	}
	var nvc cell
	if grouped {
		nvc = o.groupVec(w, base, mask, site, count+k >= groupMinReaders)
	}
	if nvc.a == 0 && vecCap(lo, hi)*4 > (count+k)*int(unsafe.Sizeof(cell{})) {
		return reads, vc
	}
	if nvc.a == 0 {
		n := vecCap(lo, hi)
		nvc = vecCell(o.allocVec(n), bits.TrailingZeros(uint(n)), lo, -1, mask, site)
	}
	v, nlo := nvc.vec(), nvc.vecLo()
	if vc.a != 0 {
		vlo := vc.vecLo()
		for i := range old.n {
			if e := old.get(i); e != 0 {
				v.set(int(vlo-nlo)+i, e)
			}
		}
		o.freeVec(vc)
	}
	n := 0
	for _, c := range reads {
		if c.mask() == mask && c.b == own.b {
			i := int(c.slot() - nlo)
			v.set(i, max(v.get(i), c.epoch().Clock()))
			continue
		}
		reads[n] = c
		n++
	}
	return reads[:n], nvc
}

// Group blocks. A read clock laid out as one block per word puts each of
// a reader's entries in a cache line of its own: a goroutine that reads
// many words that many goroutines read (a row of a matrix all workers
// read) then touches a line per word, more than the caches hold. A group
// block holds the read clocks of the 16 words of an aligned 128 bytes of
// the program reader-major, the entries of slot i for the 16 words in its
// i-th cache line (64 bytes), so that such a reader touches a line per 16
// words. A word's read clock is then a column of its group's block (its
// cell has vecGrouped and the column, its word's index in the group),
// which the word's lock guards as a block of its own is. The block covers
// every slot, 16 KiB (toolkit/shadow's Slabs), of which only the pages
// that readers wrote take memory: 4 KiB per 64 slots up to the highest
// reader's, as much per word as a block of its own from slot 0. So a
// column never grows, and the block is freed, its pages given back, with
// the group's last column (overflow.groups counts them).
type vecGroups struct {
	blocks shadow.Slabs
	mu     race.SpinLock
	m      map[uintptr]vecGroup // by block address
	cur    map[uintptr]uintptr  // a group's block, by the group's address
}

// A vecGroup is a group block's group (the address of its first word) and
// the number of its columns in use.
type vecGroup struct {
	group uintptr
	refs  int32
}

const (
	vecGroupLogCap = 8 // a group block covers every slot
	vecGroupBytes  = 1 << vecGroupLogCap * vecGroupWords * 4
)

// groupMinReaders is the readers a word and its neighbours have, at
// least, when a group block is made for them (see groupVec).
const groupMinReaders = 4

// groupVec returns a read clock for the reads of mask at site of the word
// at base, whose shadow is w (locked), as a column of its group's block
// (zeroed), or a zero cell if it should have a block of its own: the
// group's block is joined if there is one (a word joins it from its
// second reader, see readShared); otherwise, if create is set (the word
// has groupMinReaders readers at least), one is made if
// groupMinNeighbours other words of the group are read-shared too
// (peekShared), so that a read clock with few neighbours costs only its
// own block. The block's pages are the group's: 4 KiB per 64 slots that
// its readers write, 256 bytes a word for 16 words that all have readers
// there, as a block of 64 entries of their own would be, 512 for 8. The
// cells of the readers that a column replaces, in the overflow's
// memory, go to other words' cells, not to group blocks.
func (o *overflow) groupVec(w *entry, base uintptr, mask uint8, site uint32, create bool) cell {
	col := int(base>>3) & (vecGroupWords - 1)
	group := base &^ (vecGroupWords*8 - 1)
	o.groups.mu.Lock()
	defer o.groups.mu.Unlock()
	p, ok := o.groups.cur[group]
	if !ok {
		if !create {
			return cell{}
		}
		o.groups.mu.Unlock()
		seen := o.neighbourVec(w, col)
		o.groups.mu.Lock()
		if p, ok = o.groups.cur[group]; !ok && !seen {
			return cell{}
		}
	}
	if ok {
		g := o.groups.m[p]
		g.refs++
		o.groups.m[p] = g
		return vecCell(p, vecGroupLogCap, 0, col, mask, site)
	}
	if o.groups.blocks.Size == 0 {
		o.groups.blocks.Size = vecGroupBytes
		o.groups.m = make(map[uintptr]vecGroup)
		o.groups.cur = make(map[uintptr]uintptr)
	}
	if p = o.groups.blocks.Alloc(); p == 0 {
		return cell{}
	}
	o.groups.m[p] = vecGroup{group: group, refs: 1}
	o.groups.cur[group] = p
	return vecCell(p, vecGroupLogCap, 0, col, mask, site)
}

// neighbourVec reports whether a word of the group of the word in
// column col, whose shadow is w, is read-shared (peekShared).
func (o *overflow) neighbourVec(w *entry, col int) bool {
	dirp := o.dir.Load()
	if dirp == nil {
		return false
	}
	first := unsafe.Add(unsafe.Pointer(w), -col*int(unsafe.Sizeof(entry{})))
	shared := 0
	for k := range vecGroupWords {
		if k != col && peekShared((*entry)(unsafe.Add(first, k*int(unsafe.Sizeof(entry{})))), *dirp) {
			if shared++; shared >= groupMinNeighbours {
				return true
			}
		}
	}
	return false
}

// groupMinNeighbours is the other words of a group that are read-shared,
// at least, when a group block is made for it: 8 words of 16 at least
// then share its pages (the 4 words of a row of a matrix in the last
// 128 bytes of its allocation keep blocks of their own).
const groupMinNeighbours = 7

// peekShared reports whether the word whose shadow is e, read without
// e's lock, has a read clock alone in its overflow block (a word written
// once and read by many) or groupMinReaders cells or more in its
// overflow's slice; a guess, if e changes under the read. dir is the
// overflow's directory. Only the block's own fields are read (memory that
// stays mapped), never a slice or a read clock's block.
func peekShared(e *entry, dir []*[ovfChunk]ovfBlock) bool {
	b := e.b.Load()
	if b&fPair != 0 {
		return false
	}
	n := b >> ovfShift & ovfField
	if n == 0 || (n-1)/ovfChunk >= uint64(len(dir)) {
		return false
	}
	blk := &dir[(n-1)/ovfChunk][(n-1)%ovfChunk]
	y := atomic.LoadUint64(&blk.y)
	if y&ovfSlice != 0 {
		return y>>32 >= groupMinReaders
	}
	return y&fVector != 0
}

// hasGroup reports whether the group of the word at base has a group
// block.
func (o *overflow) hasGroup(base uintptr) bool {
	o.groups.mu.Lock()
	_, ok := o.groups.cur[base&^(vecGroupWords*8-1)]
	o.groups.mu.Unlock()
	return ok
}
