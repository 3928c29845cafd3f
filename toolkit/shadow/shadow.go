// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import (
	mathbits "math/bits"
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

	// markSize is the least bytes of shadow a mark stands for: a block
	// of records (markSize, or one record if larger), whose mark is a
	// bit of its window's bitmap (Mark).
	markSize = 256
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
	// if the records have none; span is then the alignment of each
	// window's shadow, a power of two at least its size, so that
	// WriteFar finds a record's window from its address.
	far, span uintptr
}

// SetFar gives every record of m a far half, another W, kept in a plane
// of its own after the window's records (the near halves), at a fixed
// distance from its near half: a detector whose record is two parts, the
// second used by few words (a word's second access or second variable),
// keeps the second in the far half, so that the pages of the far plane
// take memory only where words use it, and the shadow of a word that uses
// the near half alone costs sizeof(W). Reset and Uniform treat a record as
// its two halves (a record is zero when both are).
//
// A far half is read with LoadFar and written only through WriteFar,
// which marks its block of far halves (as Mark marks a block of near
// halves): Reset reads and zeroes the far halves of a block only if the
// block was marked so, so that resetting the shadow of memory whose words
// never used their far halves (most) costs nothing in the far plane.
// SetFar must be called before the first Word, Lookup or WordAt of m.
func (m *Map[W]) SetFar() {
	m.far = wordsInWin * recordSize[W]()
	m.span = uintptr(1) << mathbits.Len(uint(m.mapped()-1))
}

// LoadFar returns the value of the far half of f, a field of the record w
// (of a Map made with SetFar: Word's result or an element of Words', or a
// Uniform's record). The far half of a record is written only through
// WriteFar; a far half never written reads as zero.
func LoadFar[W any](w *W, f *atomic.Uint64) uint64 {
	return (*atomic.Uint64)(unsafe.Add(unsafe.Pointer(f), wordsInWin*unsafe.Sizeof(*w))).Load()
}

// WriteFar returns the far half of the record w of m (Word's result or an
// element of Words', or a record of a Uniform of the same W), for the
// detector to write it, and marks its block of far halves, so that Reset
// zeroes it: the only way to write a far half. Marking a block again costs
// a load. Writing zero to a far half needs no mark, but goes through
// WriteFar all the same.
func (m *Map[W]) WriteFar(w *W) *W {
	if m.far == 0 {
		panic("shadow: WriteFar on a Map without far halves")
	}
	p := uintptr(unsafe.Pointer(w))
	base := p &^ (m.span - 1) // the window's shadow, aligned to span
	f := p + m.far
	if bm, bit := m.markBit(base, f); bm.Load()&bit == 0 {
		// The near half's block too: Reset looks at a block of far
		// halves only when the block of near halves is marked.
		nbm, nbit := m.markBit(base, p)
		nbm.Or(nbit)
		bm.Or(bit)
	}
	return (*W)(unsafe.Pointer(f))
}

// farMarked reports whether the block of far halves that holds the far
// half of the record at p (in the window at base) was marked (WriteFar):
// if not, the record's far half is zero.
func (m *Map[W]) farMarked(base, p uintptr) bool {
	if m.far == 0 {
		return false
	}
	bm, bit := m.markBit(base, p+m.far)
	return bm.Load()&bit != 0
}

// mapped returns the bytes of a window's shadow: its records' planes and
// its bitmap of marks, a bit per block of either plane.
func (m *Map[W]) mapped() uintptr {
	return m.planes() + m.planes()/blockSize[W]()/8
}

// blockSize returns the bytes of shadow a mark stands for: markSize, or
// a record if larger (a power of two, at most a page).
func blockSize[W any]() uintptr { return max(markSize, recordSize[W]()) }

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
		c.shift = uint8(mathbits.TrailingZeros64(uint64(recordSize[W]())))
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
// the blocks of shadow (256 bytes of records) in which no record was
// marked since the block was last reset, without reading them, so that
// resetting memory the detector never saw (a new goroutine's stack, a
// large buffer) costs next to nothing, and memory of which it saw a few
// words (a goroutine's stack used again) costs those words' blocks. A
// detector calls it before it makes a zero record non-zero; marking a
// record again costs a load.
func (m *Map[W]) Mark(addr uintptr) {
	base := m.window(addr >> WindowShift)
	bm, bit := m.markBit(base, base+(addr&(WindowSize-1))>>3*recordSize[W]())
	if bm.Load()&bit == 0 {
		bm.Or(bit)
	}
}

// markBit returns the word of the bitmap of the window at base that holds
// the mark of the block of shadow at p, and the mark's bit.
func (m *Map[W]) markBit(base, p uintptr) (*atomic.Uint64, uint64) {
	b := (p - base) / blockSize[W]()
	bitmap := base + m.planes()
	return (*atomic.Uint64)(unsafe.Pointer(bitmap + b/64*8)), uint64(1) << (b % 64)
}

// pageMarks returns the word of the bitmap of the window at base that
// holds the marks of the page of shadow at page (aligned), and the bit of
// its first block: a page's marks are the bits [shift, shift+
// pageSize/blockSize) of one word.
func (m *Map[W]) pageMarks(base, page uintptr) (*atomic.Uint64, uint) {
	b := (page - base) / blockSize[W]()
	bitmap := base + m.planes()
	return (*atomic.Uint64)(unsafe.Pointer(bitmap + b/64*8)), uint(b % 64)
}

// anyMarked reports whether a block of the shadow [lo, hi) of the window
// at base is marked.
func (m *Map[W]) anyMarked(base, lo, hi uintptr) bool {
	bs := blockSize[W]()
	b, b1 := (lo-base)/bs, (hi-base+bs-1)/bs
	bitmap := base + m.planes()
	for b < b1 {
		n := min(b1, b&^63+64) // the blocks of b's word
		mask := ^uint64(0) << (b % 64)
		if n%64 != 0 {
			mask &= uint64(1)<<(n%64) - 1
		}
		if (*atomic.Uint64)(unsafe.Pointer(bitmap+b/64*8)).Load()&mask != 0 {
			return true
		}
		b = n
	}
	return false
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
	// of marks (of both planes); with far halves, aligned to span.
	var base uintptr
	if m.far != 0 {
		base = mapAligned(m.mapped(), m.span)
	} else {
		base = mapShadow(m.mapped())
	}
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
// records, far halves included (each window's bitmap of marks adds
// 1/2048 of it). Only the pages written take memory.
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
// block of shadow never marked). Windows never reserved are skipped:
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
	// Page by page of shadow, its blocks never marked skipped, and the
	// far halves of those whose block of far halves was never marked (a
	// far block is marked only with its near one); with release, runs of
	// whole pages with marks are given back with one call.
	var near, farRun pageRun
	far := m.far
	bs := blockSize[W]()
	for p := start; p < stop; {
		page := p &^ (pageSize - 1)
		pend := min(page+pageSize, stop)
		bm, shift := m.pageMarks(base, page)
		// The blocks of the page that [p, pend) overlaps, relative to
		// its first.
		span := uint64(1)<<((pend-page+bs-1)/bs) - uint64(1)<<((p-page)/bs)
		all := bm.Load() >> shift // this page's marks and the next pages' in the word
		marks := all & span
		if marks == 0 {
			p = pend
			if all == 0 {
				// No mark up to the end of the word: skip its pages.
				p = max(pend, min(stop, page+(64-uintptr(shift))*bs))
			}
			continue
		}
		var fbm *atomic.Uint64
		var fmarks uint64
		if far != 0 {
			// The far page's marks are at the same bits of their word:
			// far is a multiple of 64 blocks.
			fbm, _ = m.pageMarks(base, page+far)
			fmarks = fbm.Load() >> shift & span
		}
		if each != nil {
			for bits := marks; bits != 0; bits &= bits - 1 {
				i := uintptr(mathbits.TrailingZeros64(bits))
				r0, r1 := max(p, page+i*bs), min(pend, page+(i+1)*bs)
				farToo := fmarks>>i&1 != 0
				for r := r0; r < r1; {
					if r&63 == 0 && r+64 <= r1 && zero64(r) && (!farToo || zero64(r+far)) {
						// 64 bytes of records all zero, skipped at
						// once: most of a goroutine's stack has no
						// shadow state.
						r += 64
						continue
					}
					if !isZero(unsafe.Pointer(r), rs) || farToo && !isZero(unsafe.Pointer(r+far), rs) {
						each((*W)(unsafe.Pointer(r)))
					}
					r += rs
				}
			}
		}
		if p == page && pend-p == pageSize && release {
			near.add(p, pend)
			if fmarks != 0 {
				farRun.add(p+far, pend+far)
			}
		} else {
			zeroBlocks(p, pend, page, bs, marks)
			zeroBlocks(p+far, pend+far, page+far, bs, fmarks)
		}
		// Unmark the blocks the range covers whole.
		if lo, hi := (p-page+bs-1)/bs, (pend-page)/bs; lo < hi {
			cover := uint64(1)<<hi - uint64(1)<<lo
			if c := marks & cover; c != 0 {
				bm.And(^(c << shift))
			}
			if c := fmarks & cover; c != 0 {
				fbm.And(^(c << shift))
			}
		}
		p = pend
	}
	near.flush()
	farRun.flush()
}

// zeroBlocks zeroes [p, pend) (within the page of shadow at page) in the
// blocks of bs bytes whose bits are set in marks (bit i for the page's
// block i), writing only what is not already zero.
func zeroBlocks(p, pend, page, bs uintptr, marks uint64) {
	for ; marks != 0; marks &= marks - 1 {
		i := uintptr(mathbits.TrailingZeros64(marks))
		zeroNonzero(max(p, page+i*bs), min(pend, page+(i+1)*bs))
	}
}

// A pageRun is a run of whole pages of shadow to give back to the system
// with one call (Reset).
type pageRun struct{ lo, hi uintptr }

// add adds the page [p, end) to the run, giving back the run before it
// if the page does not follow it.
func (r *pageRun) add(p, end uintptr) {
	if r.hi != p {
		r.flush()
		r.lo = p
	}
	r.hi = end
}

// flush gives back the run's pages (zeroes them, if the system will not
// take them), and empties it.
func (r *pageRun) flush() {
	if r.lo < r.hi && !releaseShadow(r.lo, r.hi-r.lo) {
		zeroNonzero(r.lo, r.hi)
	}
	r.lo, r.hi = 0, 0
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
	if bm, bit := m.markBit(base, p); bm.Load()&bit == 0 || m.isZeroRecord(base, p) {
		return
	}
	clip((*W)(unsafe.Pointer(p)), lo, hi)
}

// isZeroRecord reports whether the record at p (in the window at base),
// far half included, is zero. The far half is read only if its page was
// marked (WriteFar).
func (m *Map[W]) isZeroRecord(base, p uintptr) bool {
	rs := recordSize[W]()
	return isZero(unsafe.Pointer(p), rs) && (!m.farMarked(base, p) || isZero(unsafe.Pointer(p+m.far), rs))
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
