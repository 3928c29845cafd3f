// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"slices"
	"sort"

	"runtime/race/toolkit/vclock"
)

// A negative WaitGroup counter, predicted (shb): a Done (an Add of a
// negative delta) panics in a reordering that runs it before Adds it
// needs. shb's closure of the Done (the events ordered before it by
// program order, fixed edges, goroutine starts, lock order and
// reads-from) scheduled in trace order is a valid reordering that ends
// with it; the counter there is the sum of the deltas of the Adds in
// that closure. Each goroutine's Adds on a WaitGroup are kept with the
// running sum of its deltas, so the Adds of a goroutine that the Done's
// clock orders before it are a prefix, found by binary search, and their
// sum is the prefix's (the largest of its prefixes', see add). Only the goroutines that made a positive Add are
// summed: leaving out another goroutine's Dones can only raise the sum,
// so a negative sum stays a real one (a missed prediction at worst).
// A Done whose closure is negative without it is not reported: the
// closure panics earlier, at another Done (reported in its place).
// A Done whose sum is negative though no unordered positive Add of
// another goroutine precedes it in the trace panicked in this run: it is
// not a prediction.

// A wgAdd is an Add on a WaitGroup by one goroutine.
type wgAdd struct {
	epoch vclock.Epoch
	sum   int64 // of the goroutine's deltas on the WaitGroup, this one's included
	best  int64 // the largest sum of a prefix of them up to this one (0: none)
	index uint64
	e     Event
}

// A wgState is what shb keeps of a WaitGroup.
type wgState struct {
	byG map[uint32][]wgAdd
	pos []uint32 // the goroutines that made a positive Add, in order
}

// waitGroups is shb's state of the WaitGroups, by address, and their
// addresses by page, to forget those an allocation reuses.
type waitGroups struct {
	wgs   map[uint64]*wgState
	pages map[uint64][]uint64
}

func (w *waitGroups) reset(addr, size uint64) {
	if len(w.pages) == 0 || size == 0 {
		return
	}
	for p := addr >> pageShift; p <= (addr+size-1)>>pageShift; p++ {
		list := w.pages[p]
		if len(list) == 0 {
			continue
		}
		kept := list[:0]
		for _, a := range list {
			if addr <= a && a-addr < size {
				delete(w.wgs, a)
			} else {
				kept = append(kept, a)
			}
		}
		if len(kept) == 0 {
			delete(w.pages, p)
		} else {
			w.pages[p] = kept
		}
	}
}

// add records Add e (model event i) of goroutine t and, for a negative
// delta, returns the Add of another goroutine it needs: the earliest in
// the trace of the positive Adds that t's clock does not order before
// it, when the sum of the ordered ones is negative; ok is false if none.
func (w *waitGroups) add(i uint64, e *Event, t *vclock.Thread) (need wgAdd, ok bool) {
	if w.wgs == nil {
		w.wgs, w.pages = make(map[uint64]*wgState), make(map[uint64][]uint64)
	}
	st := w.wgs[e.Addr]
	if st == nil {
		st = &wgState{byG: make(map[uint32][]wgAdd)}
		w.wgs[e.Addr] = st
		p := e.Addr >> pageShift
		w.pages[p] = append(w.pages[p], e.Addr)
	}
	own := st.byG[e.G]
	sum, best := e.Delta(), int64(0)
	if len(own) > 0 {
		sum += own[len(own)-1].sum
		best = own[len(own)-1].best
	}
	best = max(best, sum)
	if e.Delta() > 0 && (len(own) == 0 || !slices.Contains(st.pos, e.G)) {
		st.pos = append(st.pos, e.G)
	}
	st.byG[e.G] = append(own, wgAdd{epoch: t.Epoch(), sum: sum, best: best, index: i, e: *e})
	if e.Delta() >= 0 {
		return wgAdd{}, false
	}
	for _, g := range st.pos {
		if g == e.G {
			continue
		}
		list := st.byG[g]
		n := sort.Search(len(list), func(k int) bool { return !list[k].epoch.Before(t.C) })
		if n > 0 {
			// The prefix's best sum, not its own: a clock slot an
			// ended goroutine held makes its events look ordered
			// (vclock), so the prefix may be too long; the best sum
			// bounds every shorter one's.
			sum += list[n-1].best
		}
		// The first positive Add not ordered before e, if it precedes
		// e in the trace.
		for _, a := range list[n:] {
			if a.index > i {
				break
			}
			if a.e.Delta() > 0 {
				if !ok || a.index < need.index {
					need, ok = a, true
				}
				break
			}
		}
	}
	// Only the Done that takes the counter below zero: with the sum
	// negative before it, the closure panics earlier, at another Done.
	return need, ok && sum < 0 && sum-e.Delta() >= 0
}
