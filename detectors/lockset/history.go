// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockset

import (
	"runtime/race"
	"sync/atomic"

	"drace/toolkit/locks"
)

// A shared variable's cell names a history: for reports, the last read and
// the last write by the two most recent distinct goroutines. Only
// variables that a second goroutine touched have one, and it goes back to
// a free list when the variable's memory is allocated again.

// An access record: who accessed a variable, where, holding which locks,
// and when (seq: the history's count of accesses before it, which orders
// its reads and writes).
type record struct {
	gid  int64
	site uint32 // 0: no record
	held locks.Set
	seq  uint32
}

// recent holds the last access of one kind (read or write) by the two most
// recent distinct goroutines: [0] the last, [1] the last by another
// goroutine than [0]'s. So whoever accesses next, the last such access by
// another goroutine is at hand.
type recent [2]record

func (r *recent) add(rec record) {
	if r[0].site != 0 && r[0].gid != rec.gid {
		r[1] = r[0]
	}
	r[0] = rec
}

// other returns the last access by a goroutine other than gid, or nil.
func (r *recent) other(gid int64) *record {
	for i := range r {
		if r[i].site != 0 && r[i].gid != gid {
			return &r[i]
		}
	}
	return nil
}

// A history is read and written under its word's lock, and its own: the
// word's is invisible to ThreadSanitizer when the detector's tests run
// with -race, and a history moves between words through the free list.
type history struct {
	mu race.SpinLock
	n  uint32 // accesses recorded: the seq of the next
	// reads is readKey of both read records when they are by two
	// goroutines at one code location holding the same locks, and both
	// later than every write recorded; else 0. Read without the lock (see
	// fastShared): a read there, holding those locks, is not recorded. It
	// shares the lock's cache line, which an access that is recorded
	// takes anyway.
	reads atomic.Uint64
	w, r  recent
	next  uint32 // while free: the next free history
	// owed is the goroutine of the earlier access of the variable's
	// report, until that goroutine accesses the variable again (0 then).
	// The report pairs the access that emptied C(v) with the last one
	// before it applied, and the runtime delivers a goroutine's accesses
	// when it synchronises, not when it makes them: the other goroutine's
	// racing access may be applied later, so its next access is reported
	// once too, at its own code.
	owed int64
}

// readKey identifies the code location and locks of a read (site is not
// 0, so neither is the key).
func readKey(site uint32, held locks.Set) uint64 { return uint64(site) | uint64(held)<<32 }

// reset empties h, next on the free list.
func (h *history) reset(next uint32) {
	h.mu.Lock()
	h.w, h.r, h.n, h.next, h.owed = recent{}, recent{}, 0, next, 0
	h.reads.Store(0)
	h.mu.Unlock()
}

func (h *history) add(write bool, rec record) {
	rec.seq = h.n
	h.n++
	if write {
		h.w.add(rec)
		// The read records are now older than a write.
		if h.reads.Load() != 0 {
			h.reads.Store(0)
		}
		return
	}
	h.r.add(rec)
	var k uint64
	if r := &h.r; r[1].site == r[0].site && r[1].held == r[0].held && r[1].site != 0 &&
		(h.w[0].site == 0 || int32(r[1].seq-h.w[0].seq) > 0) {
		k = readKey(r[0].site, r[0].held)
	}
	if h.reads.Load() != k {
		h.reads.Store(k)
	}
}

// histories holds the histories, numbered from 1, in chunks that never
// move, with a free list.
type histories struct {
	mu       race.SpinLock
	dir      atomic.Pointer[[]*[histChunk]history]
	n        uint32 // histories made
	freeList uint32 // the first free history, 0 if none
}

const histChunk = 1024

// at returns history i (from 1).
func (hs *histories) at(i uint32) *history {
	return &(*hs.dir.Load())[(i-1)/histChunk][(i-1)%histChunk]
}

// alloc returns the number of an empty history.
func (hs *histories) alloc() uint32 {
	var spare *[histChunk]history
	for {
		hs.mu.Lock()
		if i := hs.freeList; i != 0 {
			h := hs.at(i)
			hs.freeList = h.next
			h.reset(0)
			hs.mu.Unlock()
			return i
		}
		var dir []*[histChunk]history
		if p := hs.dir.Load(); p != nil {
			dir = *p
		}
		if int(hs.n/histChunk) < len(dir) {
			hs.n++
			i := hs.n
			hs.mu.Unlock()
			return i
		}
		if spare != nil {
			nd := append(dir[:len(dir):len(dir)], spare)
			hs.dir.Store(&nd)
			hs.mu.Unlock()
			spare = nil
			continue
		}
		hs.mu.Unlock()
		// Allocate with no lock held: the allocator calls OnMalloc,
		// which frees histories.
		spare = new([histChunk]history)
	}
}

// free puts history i back on the free list. It does not allocate.
func (hs *histories) free(i uint32) {
	if i == 0 {
		return
	}
	hs.mu.Lock()
	h := hs.at(i)
	h.reset(hs.freeList)
	hs.freeList = i
	hs.mu.Unlock()
}

// inUse returns the number of histories not on the free list.
func (hs *histories) inUse() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	n := int(hs.n)
	for i := hs.freeList; i != 0; i = hs.at(i).next {
		n--
	}
	return n
}
