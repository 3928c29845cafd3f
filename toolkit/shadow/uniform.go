// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import (
	"sync/atomic"
	"unsafe"
)

const (
	// UniformShift is log2 of UniformSize.
	UniformShift = 12
	// UniformSize is the application memory a uniform record stands
	// for: an aligned 4 KiB, 512 words.
	UniformSize = 1 << UniformShift

	uLock   = 1 << 0 // the page's uniform state is in use
	uActive = 1 << 1 // the page's words have the uniform record
)

// A Uniform holds one record for each page of application memory (an
// aligned UniformSize bytes) that a range access covered whole while no
// word of the page had a record: the record then stands for every word of
// the page, and the words' own records in the Map stay zero, so that a
// range access of n bytes (a copy of a large buffer, a slice passed to a
// write) costs one record per 4 KiB rather than one per 8 bytes, in time
// and in memory. The record becomes the words' own, copied into each of
// them (Expand), the first time an access touches part of the page.
//
// A detector applies a range access to a page wholly inside it through
// Begin, which returns the page's record, as if the page were one word
// with all its bytes accessed; when Begin returns nil (the page's words
// have records already), word by word as before. Before a detector makes
// a zero word record non-zero (after Map.Mark), it asks Active: if the
// page is uniform, it unlocks the word, calls Expand and starts again.
// OnMalloc calls Reset beside Map.Reset.
//
// The zero Uniform is ready to use, and its methods may be called
// concurrently; it must not be copied. Its records live outside the Go
// heap, as a Map's (W has the Map's constraints).
type Uniform[W any] struct {
	recs  Map[W]             // page p's record at p>>UniformShift<<3
	state Map[atomic.Uint64] // page p's uLock and uActive, at the same key
}

// key returns the address at which the page holding addr has its record
// and state.
func key(addr uintptr) uintptr { return addr >> UniformShift << 3 }

// Begin returns the uniform record of the page at addr (aligned to
// UniformSize), which a range access covers whole, for the detector to
// apply the access to it as to a word: the page becomes uniform if it was
// not and no word of it has a record in m (none marked). It returns nil if
// a word has one: the detector then applies the access word by word. A
// non-nil result must be followed by End(addr) once the access is
// applied; meanwhile Expand and Reset of the page wait.
func (u *Uniform[W]) Begin(m *Map[W], addr uintptr) *W {
	k := key(addr)
	s := u.state.Word(k)
	r := u.recs.Word(k)
	if s == nil || r == nil {
		return nil
	}
	LockBit(s, uLock)
	if s.Load()&uActive != 0 {
		return r
	}
	// Publish the page as uniform before looking at its words' marks: a
	// detector marks a word before it asks Active, so that one of the two
	// sees the other (both are sequentially consistent).
	u.state.Mark(k)
	s.Store(uLock | uActive)
	if m.marked(addr, UniformSize) {
		s.Store(uLock)
		UnlockBit(s, uLock)
		return nil
	}
	return r
}

// SetFar gives the records of u far halves (Map.SetFar), for a detector
// whose Map has them: it must be called before the first Begin.
func (u *Uniform[W]) SetFar() { u.recs.SetFar() }

// End ends the use of the page's record that Begin returned.
func (u *Uniform[W]) End(addr uintptr) {
	UnlockBit(u.state.Lookup(key(addr)), uLock)
}

// Active reports whether the page holding addr is uniform. It costs a
// load (and none of the page's memory if no range access ever made a
// page in its 512 GiB uniform).
func (u *Uniform[W]) Active(addr uintptr) bool {
	s := u.state.Lookup(key(addr))
	return s != nil && s.Load()&uActive != 0
}

// Record returns the uniform record of the page holding addr, or nil if
// the page is not uniform: for tests and statistics, as the page may stop
// being uniform at any time.
func (u *Uniform[W]) Record(addr uintptr) *W {
	if !u.Active(addr) {
		return nil
	}
	return u.recs.Lookup(key(addr))
}

// Expand ends the uniform state of the page holding addr, if it has one:
// every word of the page is marked in m and given the page's record by
// copy(dst, src), dst being the word's record (zero) and src the page's;
// then release (if not nil) is called with the page's record, which is
// zeroed. The detector's copy duplicates what the record refers to, and
// locks dst if concurrent readers need it. It reports whether the page was
// uniform. The caller must hold no lock of a record of the page.
func (u *Uniform[W]) Expand(m *Map[W], addr uintptr, copy func(dst, src *W), release func(*W)) bool {
	k := key(addr)
	s := u.state.Lookup(k)
	if s == nil || s.Load()&uActive == 0 {
		return false
	}
	LockBit(s, uLock)
	if s.Load()&uActive == 0 {
		UnlockBit(s, uLock)
		return false
	}
	r := u.recs.Word(k)
	page := addr &^ (UniformSize - 1)
	ws, _ := m.Words(page, page+UniformSize)
	for i := range ws {
		m.Mark(page + uintptr(i)*8)
		copy(&ws[i], r)
	}
	u.drop(r, release)
	s.Store(uLock)
	UnlockBit(s, uLock)
	return true
}

// Reset ends the uniform state of every page [addr, addr+size) overlaps,
// for memory the program allocates, without giving the record to the
// words (release is called with each such record, if not nil, before it
// is zeroed): the new memory has no history, and the rest of a page a new
// object shares belonged to the object the range access covered, which
// has been freed (an object allocated after the page became uniform has
// reset its own part; one allocated before could not share the page with
// the object the range covered). It does not allocate.
func (u *Uniform[W]) Reset(addr, size uintptr, release func(*W)) {
	if size == 0 || u.state.reserved.Load() == 0 {
		return
	}
	end := End(addr, size)
	for p := addr &^ (UniformSize - 1); p < end && p != 0; p += UniformSize {
		k := key(p)
		if u.state.window(k>>WindowShift) == 0 {
			// No page in this window of keys was ever uniform: skip
			// to the next.
			next := (k | (WindowSize - 1)) + 1
			p = next<<(UniformShift-3) - UniformSize
			continue
		}
		s := u.state.Lookup(k)
		base := u.state.window(k >> WindowShift)
		if bm, bit := u.state.markBit(base, uintptr(unsafe.Pointer(s))); bm.Load()&bit == 0 {
			// No page whose state shares this block of states was ever
			// uniform: skip them (128 KiB of application memory).
			p |= blockSize[atomic.Uint64]()/8<<UniformShift - 1
			p -= UniformSize - 1
			continue
		}
		if s.Load()&uActive == 0 {
			continue
		}
		LockBit(s, uLock)
		if s.Load()&uActive != 0 {
			u.drop(u.recs.Word(k), release)
			s.Store(uLock)
		}
		UnlockBit(s, uLock)
	}
}

// drop releases and zeroes a page's record.
func (u *Uniform[W]) drop(r *W, release func(*W)) {
	p := uintptr(unsafe.Pointer(r))
	base := p &^ (u.recs.span - 1) // with far halves; unused without
	if release != nil && !u.recs.isZeroRecord(base, p) {
		release(r)
	}
	zeroNonzero(p, p+recordSize[W]())
	if u.recs.farMarked(base, p) {
		zeroNonzero(p+u.recs.far, p+u.recs.far+recordSize[W]())
	}
}

// Pages returns the number of pages of application memory that are
// uniform now; it reads the state of every page ever made uniform's
// window, so it is for tests and statistics.
func (u *Uniform[W]) Pages() int {
	n := 0
	for i := range uintptr(nwindows) {
		base := u.state.window(i)
		if base == 0 {
			continue
		}
		bs := blockSize[atomic.Uint64]()
		for p := uintptr(0); p < wordsInWin*8; p += bs {
			bm, bit := u.state.markBit(base, base+p)
			if bm.Load()&bit == 0 {
				continue
			}
			for q := p; q < p+bs; q += 8 {
				if (*atomic.Uint64)(unsafe.Pointer(base+q)).Load()&uActive != 0 {
					n++
				}
			}
		}
	}
	return n
}

// marked reports whether a record of a word in [addr, addr+size) (within
// one window) may be non-zero: one of its blocks of shadow is marked.
func (m *Map[W]) marked(addr, size uintptr) bool {
	base := m.window(addr >> WindowShift)
	if base == 0 {
		return false
	}
	rs := recordSize[W]()
	start := base + (addr&(WindowSize-1))>>3*rs
	return m.anyMarked(base, start, start+(size+7)>>3*rs)
}
