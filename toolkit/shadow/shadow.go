// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import (
	"math/bits"
	"runtime/race"
	"sync/atomic"
	"unsafe"
)

const (
	// WindowShift is log2 of WindowSize.
	WindowShift = 30
	// WindowSize is the application memory a window of shadow covers.
	WindowSize = 1 << WindowShift
	// AddrBits is the application address space a Map covers,
	// [0, 1<<AddrBits): the user half of a 48-bit address space.
	AddrBits = 47

	nwindows   = 1 << (AddrBits - WindowShift)
	wordsInWin = WindowSize / 8

	// Reset gives back to the system the written pages of shadow of a
	// range at least this large, and zeroes the rest.
	releaseMin = 1 << 20

	pageSize = 4096
)

// A Map is the shadow of application memory: a W for every aligned 8-byte
// word. The zero Map is ready to use, and its methods may be called
// concurrently; it must not be copied.
type Map[W any] struct {
	// windows is the address of a windowTable, 0 until the first
	// reservation makes it: the table is 1 MiB, mapped outside the Go
	// heap (pages touched only where windows are reserved), as on the
	// heap it would raise the collector's goal, and so the program's
	// heap, by its size.
	windows atomic.Uintptr
	mu      race.SpinLock // serialises reservations
	// reserved counts the windows reserved; failed records that one
	// could not be.
	reserved atomic.Int64
	failed   atomic.Bool
	// far is the distance from a record to its far half (SetFar), 0
	// if the records have none.
	far uintptr
}

// SetFar gives every record of m a far half, another W, kept in a plane
// of its own after the window's records (the near halves), at a fixed
// distance from its near half that Far adds: a detector whose record is
// two parts, the second used by few words (a word's second access or
// second variable), keeps the second in the far half, so that the pages
// of the far plane take memory only where words use it, and the shadow
// of a word that uses the near half alone costs sizeof(W). Reset, Mark's
// bitmap and Uniform treat a record as its two halves: a page of near
// halves marked stands for the page of far halves at the same offset, and
// a record is zero when both halves are. It must be called before the
// first Word, Lookup or WordAt of m.
func (m *Map[W]) SetFar() { m.far = wordsInWin * recordSize[W]() }

// Far returns the far half of the record w of a Map made with SetFar (the
// record of an aligned word, Word's result or an element of Words', or
// a Uniform's record): a constant offset from w.
func Far[W any](w *W) *W {
	return (*W)(unsafe.Add(unsafe.Pointer(w), wordsInWin*unsafe.Sizeof(*w)))
}

// planes returns the bytes of a window's records: the near halves and,
// with SetFar, the far ones.
func (m *Map[W]) planes() uintptr { return wordsInWin*recordSize[W]() + m.far }

// A windowTable holds each window's shadow base, 0 while not reserved.
type windowTable [nwindows]atomic.Uintptr

// window returns the shadow base of window i (< nwindows), or 0 if it is
// not reserved.
func (m *Map[W]) window(i uintptr) uintptr {
	t := m.windows.Load()
	if t == 0 {
		return 0
	}
	return (*windowTable)(unsafe.Pointer(t))[i].Load()
}

func recordSize[W any]() uintptr {
	var w W
	return unsafe.Sizeof(w)
}

// Word returns the shadow of the aligned 8-byte word that holds addr,
// reserving its window if needed. It returns nil for an address beyond
// the space the Map covers, or if the window could not be reserved (see
// Failed).
func (m *Map[W]) Word(addr uintptr) *W { return m.record(addr, true) }

// Lookup is Word without reserving: it returns nil when the word's window
// has not been reserved, that is when no word in it has any shadow yet.
// It is small enough to be inlined, for the detectors' fast paths.
func (m *Map[W]) Lookup(addr uintptr) *W {
	i := addr >> WindowShift
	if i >= nwindows {
		return nil
	}
	base := m.window(i)
	if base == 0 {
		return nil
	}
	return (*W)(unsafe.Pointer(base + (addr&(WindowSize-1))>>3*recordSize[W]()))
}

// record returns the record of the word that holds addr, reserving its
// window if reserve is set, or nil.
func (m *Map[W]) record(addr uintptr, reserve bool) *W {
	i := addr >> WindowShift
	if i >= nwindows {
		return nil
	}
	base := m.window(i)
	if base == 0 {
		if !reserve {
			return nil
		}
		if base = m.reserve(i); base == 0 {
			return nil
		}
	}
	return (*W)(unsafe.Pointer(base + (addr&(WindowSize-1))>>3*recordSize[W]()))
}

// A Cursor remembers the window of shadow of the last word Map.WordAt
// looked up, so that a run of lookups in one window (a batch of accesses,
// mostly) costs a compare and an add each. The zero Cursor is ready to
// use; it must be used with one Map only, by one goroutine at a time.
// Its fast path, Word, is not generic, so that it is inlined (a generic
// method costs its dictionary); a detector casts what it returns:
//
//	w := (*entry)(c.Word(addr))
//	if w == nil {
//		w = m.WordAt(&c, addr)
//	}
type Cursor struct {
	lo, size uintptr // the window's first address, and WindowSize (0: none)
	base     uintptr // the window's shadow base
	shift    uint8   // log2 of the size of a record
}

// Word returns the record of the word that holds addr, as a *W of the Map
// the cursor is used with, if addr is in the window Map.WordAt last looked
// up; otherwise it returns nil.
func (c *Cursor) Word(addr uintptr) unsafe.Pointer {
	if off := addr - c.lo; off < c.size {
		return unsafe.Pointer(c.base + off>>3<<(c.shift&63))
	}
	return nil
}

// WordAt is Word, and sets the cursor c to the word's window.
func (m *Map[W]) WordAt(c *Cursor, addr uintptr) *W {
	w := m.Word(addr)
	if w != nil {
		// A window once reserved stays so: its base can be kept.
		i := addr >> WindowShift
		c.lo, c.size, c.base = i<<WindowShift, WindowSize, m.window(i)
		c.shift = uint8(bits.TrailingZeros64(uint64(recordSize[W]())))
	}
	return w
}

// Words returns the shadow of the aligned words [addr&^7, end) within the
// window of addr, as a slice, and the address the next window starts at (or
// end). The slice is nil if the window cannot be reserved. A range access
// walks its words this way at one lookup per window.
func (m *Map[W]) Words(addr, end uintptr) ([]W, uintptr) {
	return wordsFrom(m.Word(addr), addr, end)
}

// WordsAt is Words, finding the window through the cursor c (a range
// access of a batch, mostly in the window of the accesses before it), and
// setting c to it.
func (m *Map[W]) WordsAt(c *Cursor, addr, end uintptr) ([]W, uintptr) {
	w := (*W)(c.Word(addr))
	if w == nil {
		w = m.WordAt(c, addr)
	}
	return wordsFrom(w, addr, end)
}

// wordsFrom returns the records from w, the record of addr, to the end of
// addr's window or end, and the address after them (Words).
func wordsFrom[W any](w *W, addr, end uintptr) ([]W, uintptr) {
	next := (addr | (WindowSize - 1)) + 1
	if next > end || next == 0 {
		next = end
	}
	if w == nil {
		return nil, next
	}
	return unsafe.Slice(w, (next-addr&^7+7)>>3), next
}

// Mark records that the detector is about to write the record of the
// word that holds addr, which must have been returned by Word: Reset skips
// the pages of shadow in which no record was marked since the page was
// last reset, without reading them, so that resetting memory the detector
// never saw (a new goroutine's stack, a large buffer) costs next to
// nothing. A detector calls it before it makes a zero record non-zero;
// marking a record again costs a load.
func (m *Map[W]) Mark(addr uintptr) {
	base := m.window(addr >> WindowShift)
	bm, bit := m.pageBit(base, base+(addr&(WindowSize-1))>>3*recordSize[W]())
	if bm.Load()&bit == 0 {
		bm.Or(bit)
	}
}

// pageBit returns the word of the bitmap of the window at base that holds
// the mark of the page of shadow at p, and the mark's bit.
func (m *Map[W]) pageBit(base, p uintptr) (*atomic.Uint64, uint64) {
	page := (p - base) / pageSize
	bitmap := base + m.planes()
	return (*atomic.Uint64)(unsafe.Pointer(bitmap + page/64*8)), uint64(1) << (page % 64)
}

// reserve reserves window i's shadow and returns its base, or 0 if it
// cannot.
func (m *Map[W]) reserve(i uintptr) uintptr {
	m.mu.Lock()
	defer m.mu.Unlock()
	if base := m.window(i); base != 0 {
		return base
	}
	if m.failed.Load() {
		return 0
	}
	if rs := recordSize[W](); rs < 8 || rs > pageSize || rs&(rs-1) != 0 {
		panic("shadow: the size of a record is not a power of two from 8 to 4096 bytes")
	}
	if m.windows.Load() == 0 {
		t := mapShadow(unsafe.Sizeof(windowTable{}))
		if t == 0 {
			m.failed.Store(true)
			return 0
		}
		m.windows.Store(t)
	}
	// The window's records (near halves, then far ones), then its bitmap
	// of written pages (of near halves).
	size := wordsInWin * recordSize[W]()
	base := mapShadow(m.planes() + size/pageSize/8)
	if base == 0 {
		m.failed.Store(true)
		return 0
	}
	(*windowTable)(unsafe.Pointer(m.windows.Load()))[i].Store(base)
	m.reserved.Add(1)
	return base
}

// Failed reports whether the Map could not reserve a window's shadow (the
// system refused the mapping): the accesses to that window have no
// shadow, and a detector should say so.
func (m *Map[W]) Failed() bool { return m.failed.Load() }

// Reserved returns the bytes of address space the Map has reserved for
// records, far halves included (each window's bitmap of marked pages adds 1/32768 of it). Only
// the pages written take memory.
func (m *Map[W]) Reserved() uintptr {
	return uintptr(m.reserved.Load()) * m.planes()
}

// End returns the end of the range of size bytes at addr, clipped to the
// address space a Map covers: what an access of a range walks to.
func End(addr, size uintptr) uintptr {
	end := addr + size
	if end < addr || end > 1<<AddrBits {
		end = 1 << AddrBits
	}
	return end
}

// ByteMask returns the mask of bytes [lo, hi) of a word, bit i for byte i,
// 0 <= lo < hi <= 8: the part of a word an access covers, as records keep
// it.
func ByteMask(lo, hi uint8) uint8 {
	// 2^hi - 2^lo, truncated: the shifts' counts are masked so that the
	// compiler needs no code for counts past the word.
	return uint8(uint(1)<<(hi&15) - uint(1)<<(lo&7))
}

// Reset drops the shadow state of [addr, addr+size), for memory the
// program allocates or frees. The words wholly in the range have their
// records zeroed, after each (if not nil) is called with each of them that
// is not already zero, for a detector to release what the record refers
// to. The words the range covers only in part are passed to clip, with
// the span [lo, hi) of their bytes in the range, 0 <= lo < hi <= 8, for the
// detector to drop those bytes' state, unless their record is zero (or in a
// page of shadow never marked). Windows never reserved are skipped:
// they have no state. Reset does not allocate.
func (m *Map[W]) Reset(addr, size uintptr, clip func(w *W, lo, hi uint8), each func(w *W)) {
	if size == 0 {
		return
	}
	end := End(addr, size)
	for addr < end {
		next := (addr | (WindowSize - 1)) + 1
		if next > end {
			next = end
		}
		if m.window(addr>>WindowShift) != 0 {
			m.resetWindow(addr, next, clip, each)
		}
		addr = next
	}
}

// resetWindow is Reset for [addr, end) within one reserved window.
func (m *Map[W]) resetWindow(addr, end uintptr, clip func(w *W, lo, hi uint8), each func(w *W)) {
	if lo := addr & 7; lo != 0 || end-addr < 8 {
		hi := uintptr(8)
		if end-(addr&^7) < 8 {
			hi = end - addr&^7
		}
		m.clipWord(addr&^7, uint8(lo), uint8(hi), clip)
		addr = addr&^7 + 8
		if addr >= end {
			return
		}
	}
	if hi := end & 7; hi != 0 {
		m.clipWord(end&^7, 0, uint8(hi), clip)
		end &^= 7
	}
	if addr >= end {
		return
	}
	base := m.window(addr >> WindowShift)
	rs := recordSize[W]()
	start := base + (addr&(WindowSize-1))>>3*rs
	stop := start + (end-addr)>>3*rs
	release := stop-start >= releaseMin
	// Page by page of shadow, skipping those never marked; with release,
	// runs of whole marked pages are given back with one call.
	var run, runEnd uintptr
	far := m.far
	flush := func() {
		if run < runEnd && !releaseShadow(run, runEnd-run) {
			zeroNonzero(run, runEnd)
		}
		if far != 0 && run < runEnd && !releaseShadow(run+far, runEnd-run) {
			zeroNonzero(run+far, runEnd+far)
		}
		run, runEnd = 0, 0
	}
	for p := start; p < stop; {
		pend := min(p&^(pageSize-1)+pageSize, stop)
		bm, bit := m.pageBit(base, p)
		if bm.Load()&bit == 0 {
			p = pend
			continue
		}
		if each != nil {
			for r := p; r < pend; {
				if r&63 == 0 && r+64 <= pend && zero64(r) && (far == 0 || zero64(r+far)) {
					// A block of records all zero, skipped at once:
					// most of a goroutine's stack has no shadow state.
					r += 64
					continue
				}
				if !m.isZeroRecord(r) {
					each((*W)(unsafe.Pointer(r)))
				}
				r += rs
			}
		}
		whole := p&(pageSize-1) == 0 && pend-p == pageSize
		switch {
		case whole && release:
			if runEnd != p {
				flush()
				run = p
			}
			runEnd = pend
		default:
			zeroNonzero(p, pend)
			if far != 0 {
				zeroNonzero(p+far, pend+far)
			}
		}
		if whole {
			bm.And(^bit)
		}
		p = pend
	}
	flush()
}

// clipWord passes the record of the word at addr (in a reserved window)
// to clip, unless it has no state: its page of shadow was never marked, or
// the record is zero. Small objects often share words, so most
// allocations clip a word; looking at the mark first keeps the shadow of
// memory the detector never saw out of memory (a write to the record, a
// lock taken, would make its page resident).
func (m *Map[W]) clipWord(addr uintptr, lo, hi uint8, clip func(w *W, lo, hi uint8)) {
	if clip == nil {
		return
	}
	base := m.window(addr >> WindowShift)
	p := base + (addr&(WindowSize-1))>>3*recordSize[W]()
	if bm, bit := m.pageBit(base, p); bm.Load()&bit == 0 || m.isZeroRecord(p) {
		return
	}
	clip((*W)(unsafe.Pointer(p)), lo, hi)
}

// isZeroRecord reports whether the record at p, far half included, is
// zero. Reading a far half never written maps no memory.
func (m *Map[W]) isZeroRecord(p uintptr) bool {
	rs := recordSize[W]()
	return isZero(unsafe.Pointer(p), rs) && (m.far == 0 || isZero(unsafe.Pointer(p+m.far), rs))
}

// zero64 reports whether the 64 bytes at p (64-byte aligned) are all
// zero: the words ored together and tested once, as Reset tests every
// block of the shadow pages it resets (a goroutine's stack, at every
// goroutine start), where a test and branch per word cost most of the
// reset.
func zero64(p uintptr) bool {
	q := (*[8]uint64)(unsafe.Pointer(p))
	return q[0]|q[1]|q[2]|q[3]|q[4]|q[5]|q[6]|q[7] == 0
}

// isZero reports whether the n bytes at p (n a multiple of 8, p aligned)
// are all zero.
func isZero(p unsafe.Pointer, n uintptr) bool {
	for off := uintptr(0); off < n; off += 8 {
		if *(*uint64)(unsafe.Add(p, off)) != 0 {
			return false
		}
	}
	return true
}

// zeroNonzero zeroes [start, stop) (8-byte aligned), writing only the
// 64-byte blocks that are not already zero, so that shadow that was never
// written stays without memory.
func zeroNonzero(start, stop uintptr) {
	for p := start; p < stop; {
		n := 64 - p&63
		if n > stop-p {
			n = stop - p
		}
		if n == 64 && !zero64(p) || n != 64 && !isZero(unsafe.Pointer(p), n) {
			for off := uintptr(0); off < n; off += 8 {
				atomic.StoreUint64((*uint64)(unsafe.Pointer(p+off)), 0)
			}
		}
		p += n
	}
}
