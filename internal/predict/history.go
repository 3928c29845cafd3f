// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import "runtime/race/toolkit/vclock"

// A history is what an algorithm keeps of the accesses to memory: per
// word, the accesses no later write is ordered after (wordHistory), and
// the accesses of ranges longer than bigRange bytes once per 4 KiB page
// they touch rather than per word, so that clearing or copying a large
// buffer costs memory per page.
type history[X any] struct {
	words map[uint64]*wordHistory[X]
	pages map[uint64][]*rangeEntry[X]
}

// bigRange is the length beyond which a range access is kept per page.
const bigRange = 512

const pageSize = 1 << pageShift

func newHistory[X any]() history[X] {
	return history[X]{words: make(map[uint64]*wordHistory[X]), pages: make(map[uint64][]*rangeEntry[X])}
}

// A wordHistory is a word's accesses: those no later write is ordered
// after, at most one read per goroutine and bytes, and the last write.
type wordHistory[X any] struct {
	accesses  []access[X]
	lastWrite lastWrite[X]
}

// A rangeEntry is a big range access in one page: the part [lo, hi) of
// the access still tracked there.
type rangeEntry[X any] struct {
	access[X]
	lo, hi    uint64
	lastWrite lastWrite[X] // for a write
}

// lastWrite is a write's epoch, its event number and its goroutine's
// clock then (the entries of other slots; own entry from epoch), shared
// by the writes of one epoch.
type lastWrite[X any] struct {
	x     X // the write's access's
	epoch vclock.Epoch
	index uint64
	clock *vclock.Clock
}

// order orders a reader, whose clocks are cs, after the write lw it read
// from: the edge every reordering keeps, since a read must see the write
// it saw.
func (lw *lastWrite[X]) order(cs ...*vclock.Clock) {
	s := lw.epoch.Slot()
	for _, c := range cs {
		c.Join(*lw.clock)
		c.Grow(int(s) + 1)
		(*c)[s] = max((*c)[s], lw.epoch.Clock())
	}
}

// An accessCheck is one algorithm's view of an access: whether an epoch
// is ordered before it, where to report races, and for a read what to do
// with each write it read (not yet ordered before it); writer is a write's
// clock for its readers.
type accessCheck[X any] struct {
	ordered   func(vclock.Epoch) bool
	report    func(prev, cur *access[X], word uint64)
	readsFrom func(lw *lastWrite[X])
	writer    *vclock.Clock
	// keep, if set, keeps an earlier access that cur would supersede.
	keep func(prev, cur *access[X]) bool
}

// access checks cur, the access of event e, against the earlier accesses
// to its words, reporting those that conflict with it and are not
// ordered before it, and records it.
func (h *history[X]) access(e *Event, cur access[X], c *accessCheck[X]) {
	first, last := e.words()
	if e.Size > bigRange {
		h.bigAccess(first, last, cur, c)
		return
	}
	for w := first; ; w += wordSize {
		wh := h.words[w]
		if wh == nil {
			wh = &wordHistory[X]{}
			h.words[w] = wh
		}
		wh.accesses = checkList(wh.accesses, w, &cur, c, true)
		if len(h.pages) > 0 {
			h.checkPage(w, &cur, c)
		}
		if cur.write() {
			wh.lastWrite = lastWrite[X]{cur.x, cur.epoch, cur.index, c.writer}
		} else {
			lw := &wh.lastWrite
			if re := h.lastRangeWrite(w); re != nil && (lw.clock == nil || re.index > lw.index) {
				lw = &re.lastWrite
			}
			if lw.clock != nil && !c.ordered(lw.epoch) {
				c.readsFrom(lw)
			}
		}
		if w == last {
			break
		}
	}
}

// checkList checks cur against the accesses of a word's list, reports,
// and returns the list without the accesses cur supersedes (what is
// ordered before a write, the same goroutine's and ordered reads before a
// read, if cur covers their bytes), with cur added if add is set.
func checkList[X any](list []access[X], word uint64, cur *access[X], c *accessCheck[X], add bool) []access[X] {
	kept := list[:0]
	for i := range list {
		prev := &list[i]
		before := prev.g == cur.g || c.ordered(prev.epoch)
		if !before && conflicts(prev, cur, word) {
			c.report(prev, cur, word)
		}
		if add && before && (cur.write() || !prev.write()) && covers(cur, prev, word) && (c.keep == nil || !c.keep(prev, cur)) {
			continue
		}
		kept = append(kept, *prev)
	}
	clear(list[len(kept):])
	if add {
		kept = append(kept, *cur)
	}
	return kept
}

// checkPage checks cur's access to word against the big ranges in its
// page.
func (h *history[X]) checkPage(word uint64, cur *access[X], c *accessCheck[X]) {
	for _, re := range h.pages[word>>pageShift] {
		if re.lo <= word && word < re.hi {
			before := re.g == cur.g || c.ordered(re.epoch)
			if !before && conflicts(&re.access, cur, word) {
				c.report(&re.access, cur, word)
			}
		}
	}
}

// lastRangeWrite returns the latest big range write tracked at word, or
// nil.
func (h *history[X]) lastRangeWrite(word uint64) *rangeEntry[X] {
	var last *rangeEntry[X]
	for _, re := range h.pages[word>>pageShift] {
		if re.write() && re.lo <= word && word < re.hi && (last == nil || re.index > last.index) {
			last = re
		}
	}
	return last
}

// bigAccess checks and records a big range access, words first to last.
func (h *history[X]) bigAccess(first, last uint64, cur access[X], c *accessCheck[X]) {
	// The words with histories of their own: by word, or by history
	// when there are fewer.
	if (last-first)/wordSize < uint64(len(h.words)) {
		for w := first; ; w += wordSize {
			if wh := h.words[w]; wh != nil {
				wh.accesses = checkList(wh.accesses, w, &cur, c, false)
			}
			if w == last {
				break
			}
		}
	} else {
		for w, wh := range h.words {
			if first <= w && w <= last {
				wh.accesses = checkList(wh.accesses, w, &cur, c, false)
			}
		}
	}
	end := last + wordSize
	for p := first >> pageShift; p <= last>>pageShift; p++ {
		lo, hi := max(first, p<<pageShift), min(end, (p+1)<<pageShift)
		kept := h.pages[p][:0]
		for _, re := range h.pages[p] {
			// The entry's words in the page that cur also touches.
			if olo, ohi := max(lo, re.lo), min(hi, re.hi); olo < ohi {
				before := re.g == cur.g || c.ordered(re.epoch)
				if !before && (conflicts(&re.access, &cur, olo) || conflicts(&re.access, &cur, ohi-wordSize)) {
					c.report(&re.access, &cur, olo)
				}
				if before && (cur.write() || !re.write()) && lo <= re.lo && re.hi <= hi {
					continue
				}
			}
			kept = append(kept, re)
		}
		re := &rangeEntry[X]{access: cur, lo: lo, hi: hi}
		if cur.write() {
			re.lastWrite = lastWrite[X]{cur.x, cur.epoch, cur.index, c.writer}
		} else {
			// A read of a big range reads, per word, the last write:
			// the words' own and the big ranges'.
			for w := lo; w < hi; w += wordSize {
				lw := (*lastWrite[X])(nil)
				if wh := h.words[w]; wh != nil && wh.lastWrite.clock != nil {
					lw = &wh.lastWrite
				}
				for _, r := range kept {
					if r.write() && r.lo <= w && w < r.hi && (lw == nil || r.lastWrite.index > lw.index) {
						lw = &r.lastWrite
					}
				}
				if lw != nil && !c.ordered(lw.epoch) {
					c.readsFrom(lw)
				}
			}
		}
		h.pages[p] = append(kept, re)
	}
}

// reset forgets the accesses to [addr, addr+size): new memory.
func (h *history[X]) reset(addr, size uint64) {
	if size == 0 {
		return
	}
	first, last := addr&^(wordSize-1), (addr+size-1)&^(wordSize-1)
	if len(h.words) > 0 {
		if (last-first)/wordSize > uint64(len(h.words)) {
			for w := range h.words {
				if first <= w && w <= last {
					delete(h.words, w)
				}
			}
		} else {
			for w := first; ; w += wordSize {
				delete(h.words, w)
				if w == last {
					break
				}
			}
		}
	}
	if len(h.pages) == 0 {
		return
	}
	end := last + wordSize
	for p := first >> pageShift; p <= last>>pageShift; p++ {
		list := h.pages[p]
		if len(list) == 0 {
			continue
		}
		var kept []*rangeEntry[X]
		for _, re := range list {
			switch {
			case end <= re.lo || re.hi <= first:
				kept = append(kept, re)
			case re.lo < first && end < re.hi:
				// The allocation is inside: split.
				right := *re
				right.lo = end
				re.hi = first
				kept = append(kept, re, &right)
			case re.lo < first:
				re.hi = first
				kept = append(kept, re)
			case end < re.hi:
				re.lo = end
				kept = append(kept, re)
			}
		}
		if len(kept) == 0 {
			delete(h.pages, p)
		} else {
			h.pages[p] = kept
		}
	}
}
