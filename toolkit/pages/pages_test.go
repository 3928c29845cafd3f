// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pages

import (
	"runtime"
	"testing"
)

// A rec is the state of a span of bytes of a word.
type rec struct{ off, size uint8 }

type word struct{ recs []rec }

// clip drops the records of w that overlap [lo, hi) and reports whether
// w is left empty.
func (w *word) clip(lo, hi uint8) bool {
	n := 0
	for _, r := range w.recs {
		if r.off >= hi || lo >= r.off+r.size {
			w.recs[n] = r
			n++
		}
	}
	w.recs = w.recs[:n]
	return n == 0
}

// A page is a test detector's state of the words of a page.
type page struct {
	n     int
	words [WordsPerPage]*word
}

// Drop implements Page: a word wholly in [lo, hi] goes, one partly in it
// is clipped.
func (p *page) Drop(start, lo, hi uintptr) bool {
	for slot := (lo - start) >> 3; slot <= (hi-start)>>3; slot++ {
		w := p.words[slot]
		if w == nil {
			continue
		}
		base := start + slot*8
		if lo <= base && base+7 <= hi || w.clip(uint8(max(lo, base)-base), uint8(min(hi, base+7)-base+1)) {
			p.words[slot] = nil
			p.n--
		}
	}
	return p.n == 0
}

const base = uintptr(0xc000010000) // page-aligned

// fill gives each of the first n pages from base a word at slot 0 and
// slot 1 with records of bytes 0-3 and 4-7.
func fill(t *Table[page, *page], n int) {
	for i := range n {
		s, p := t.Lock(base>>PageShift+uintptr(i), true)
		for slot := range 2 {
			p.words[slot] = &word{recs: []rec{{0, 4}, {4, 4}}}
			p.n++
		}
		s.Unlock()
	}
}

func TestDrop(t *testing.T) {
	var tab Table[page, *page]
	fill(&tab, 3)
	if n := tab.Len(); n != 3 {
		t.Fatalf("Len = %d, want 3", n)
	}
	tab.Drop(base+2, 1) // a record of word 0 of page 0
	p := tab.Find(base>>PageShift, false)
	if got := p.words[0].recs; len(got) != 1 || got[0] != (rec{4, 4}) {
		t.Errorf("word 0 after dropping byte 2: %v", got)
	}
	tab.Drop(base+4, 8) // the rest of word 0, half of word 1
	if p.words[0] != nil || p.n != 1 || len(p.words[1].recs) != 1 {
		t.Errorf("after dropping [4, 12): word 0 %v, %d words, word 1 %v", p.words[0], p.n, p.words[1])
	}
	tab.Drop(base+PageSize-1, PageSize+2) // pages 0 (nothing there) and 1 (all but its last byte)
	if n, c := tab.Len(), tab.Count(); n != 2 || c != 2 || tab.Find(base>>PageShift+1, false) != nil {
		t.Errorf("after dropping page 1: Len %d, Count %d, page 1 %v", n, c, tab.Find(base>>PageShift+1, false))
	}
	tab.Drop(0, ^uintptr(0)) // a range larger than the table: a scan
	if n, c := tab.Len(), tab.Count(); n != 0 || c != 0 {
		t.Errorf("after dropping everything: Len %d, Count %d", n, c)
	}
}

// TestDropDoesNotAllocate checks that Drop does not allocate, whatever
// it drops: it runs inside the allocator.
func TestDropDoesNotAllocate(t *testing.T) {
	// Mallocs counts every goroutine's allocations: one clean attempt of
	// three suffices.
	var total uint64
	for range 3 {
		var tab Table[page, *page]
		fill(&tab, 4)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tab.Drop(base+2, 1)                        // part of a word
		tab.Drop(base+6, 4)                        // part of two words, one left empty
		tab.Drop(base+PageSize, 2*PageSize)        // whole pages
		tab.Drop(^uintptr(0)-PageSize, 2*PageSize) // wrapping
		tab.Drop(0, ^uintptr(0))                   // a scan
		runtime.ReadMemStats(&after)
		if n := tab.Len(); n != 0 {
			t.Fatalf("%d pages left", n)
		}
		if total = after.Mallocs - before.Mallocs; total == 0 {
			return
		}
	}
	t.Errorf("Drop allocated %d times", total)
}

// checkCounts checks that each shard's count of pages, which Drop reads
// without the shard's lock to skip the shards without pages, is the
// number of pages in its map.
func checkCounts(t *testing.T, tab *Table[page, *page]) {
	t.Helper()
	for i := range tab.shards {
		s := &tab.shards[i]
		if n := s.n.Load(); int(n) != len(s.pages) {
			t.Errorf("shard %d counts %d pages, has %d", i, n, len(s.pages))
		}
	}
}

// TestDropSkipsEmptyShards: Drop skips the shards that have no pages,
// and finds a page made again in a shard emptied before.
func TestDropSkipsEmptyShards(t *testing.T) {
	var tab Table[page, *page]
	fill(&tab, 3)
	checkCounts(t, &tab)
	tab.Drop(base+PageSize, PageSize) // page 1 whole
	checkCounts(t, &tab)
	if tab.Find(base>>PageShift+1, false) != nil || tab.shards[(base>>PageShift+1)%NShards].n.Load() != 0 {
		t.Fatalf("page 1 not dropped")
	}
	tab.Drop(base+PageSize, PageSize)         // again: its shard is empty
	s, p := tab.Lock(base>>PageShift+1, true) // page 1 made again
	p.words[0], p.words[1], p.n = &word{recs: []rec{{0, 8}}}, &word{recs: []rec{{0, 8}}}, 2
	s.Unlock()
	checkCounts(t, &tab)
	tab.Drop(base+PageSize+8, 8) // word 1 of page 1: the page stays
	if p := tab.Find(base>>PageShift+1, false); p == nil || p.words[1] != nil || p.words[0] == nil {
		t.Fatalf("page 1 after dropping its word 1: %v", p)
	}
	tab.Drop(base, 3*PageSize)
	checkCounts(t, &tab)
	if n, c := tab.Len(), tab.Count(); n != 0 || c != 0 {
		t.Errorf("after dropping all: Len %d, Count %d", n, c)
	}
}
