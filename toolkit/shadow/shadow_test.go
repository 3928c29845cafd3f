// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build linux

package shadow

import (
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"
)

type rec struct{ a, b uint64 }

const heap = uintptr(0xc000000000)

func TestWordArithmetic(t *testing.T) {
	m := new(Map[rec])
	if m.Lookup(heap) != nil {
		t.Fatal("Lookup found a record before any was made")
	}
	w0 := m.Word(heap)
	if w0 == nil {
		t.Fatal("Word(heap) = nil")
	}
	for off := uintptr(0); off < 8; off++ {
		if m.Word(heap+off) != w0 || m.Lookup(heap+off) != w0 {
			t.Fatalf("byte %d of a word has another record", off)
		}
	}
	w1 := m.Word(heap + 8)
	if d := uintptr(unsafe.Pointer(w1)) - uintptr(unsafe.Pointer(w0)); d != unsafe.Sizeof(rec{}) {
		t.Errorf("neighbouring words' records are %d bytes apart, want %d", d, unsafe.Sizeof(rec{}))
	}
	w1.a = 7
	if m.Word(heap+13).a != 7 {
		t.Error("a record does not keep what was stored in it")
	}
	// Another window is another mapping, reserved on first use.
	far := heap + 5*WindowSize + 64
	if m.Lookup(far) != nil {
		t.Fatal("a window never touched has records")
	}
	if m.Word(far) == nil || m.Reserved() != 2*wordsInWin*unsafe.Sizeof(rec{}) {
		t.Errorf("Reserved() = %d after two windows", m.Reserved())
	}
	if m.Word(1<<AddrBits) != nil || m.Word(^uintptr(0)) != nil {
		t.Error("an address beyond the covered space has a record")
	}
}

// A Cursor finds what Word does, within the window it last looked up
// and nothing outside it, for records of 16 and 8 bytes.
func TestCursor(t *testing.T) {
	m := new(Map[rec])
	var c Cursor
	if c.Word(heap) != nil || c.Word(0) != nil {
		t.Fatal("the zero Cursor has a window")
	}
	addrs := []uintptr{heap, heap + 13, heap + WindowSize - 1, heap + WindowSize, heap + 3*WindowSize + 77, heap + 8}
	for _, a := range addrs {
		if w := m.WordAt(&c, a); w != m.Word(a) {
			t.Errorf("WordAt(%#x) = %p, want %p", a, w, m.Word(a))
		}
		if w := (*rec)(c.Word(a)); w != m.Word(a) {
			t.Errorf("Cursor.Word(%#x) = %p, want %p", a, w, m.Word(a))
		}
		lo := a &^ (WindowSize - 1)
		if w := (*rec)(c.Word(lo + WindowSize - 8)); w != m.Word(lo+WindowSize-8) {
			t.Errorf("Cursor.Word at the end of %#x's window = %p, want %p", a, w, m.Word(lo+WindowSize-8))
		}
		if c.Word(lo+WindowSize) != nil || c.Word(lo-1) != nil {
			t.Errorf("Cursor.Word outside %#x's window found a record", a)
		}
	}
	if m.WordAt(&c, 1<<AddrBits) != nil || (*rec)(c.Word(heap+8)) != m.Word(heap+8) {
		t.Error("WordAt beyond the covered space found a record, or moved the cursor")
	}
	m8 := new(Map[atomic.Uint64])
	var c8 Cursor
	if w := m8.WordAt(&c8, heap+40); w != m8.Word(heap+40) || (*atomic.Uint64)(c8.Word(heap+17)) != m8.Word(heap+17) {
		t.Error("a Cursor of 8-byte records finds other records than Word")
	}
}

func TestWords(t *testing.T) {
	m := new(Map[rec])
	end := heap + WindowSize + 24
	ws, next := m.Words(heap+WindowSize-20, end)
	if next != heap+WindowSize || len(ws) != 3 {
		t.Fatalf("Words at a window's end: %d records, next %#x", len(ws), next)
	}
	if &ws[0] != m.Word(heap+WindowSize-24) || &ws[2] != m.Word(heap+WindowSize-8) {
		t.Error("Words' records are not the words' records")
	}
	ws, next = m.Words(next, end)
	if next != end || len(ws) != 3 || &ws[0] != m.Word(heap+WindowSize) {
		t.Errorf("Words in the next window: %d records, next %#x", len(ws), next)
	}
	// WordsAt: the same records, through a cursor left in either window.
	var c Cursor
	for _, start := range []uintptr{heap + WindowSize - 20, heap + WindowSize} {
		for _, at := range []uintptr{heap, heap + WindowSize} {
			m.WordAt(&c, at)
			want, wantNext := m.Words(start, end)
			got, gotNext := m.WordsAt(&c, start, end)
			if gotNext != wantNext || len(got) != len(want) || &got[0] != &want[0] {
				t.Errorf("WordsAt(%#x) with the cursor at %#x: %d records from %p, next %#x; want %d from %p, next %#x",
					start, at, len(got), &got[0], gotNext, len(want), &want[0], wantNext)
			}
			if (*rec)(c.Word(start)) != &want[0] {
				t.Errorf("WordsAt(%#x) did not leave the cursor in its window", start)
			}
		}
	}
}

func TestReset(t *testing.T) {
	m := new(Map[rec])
	for a := heap; a < heap+64; a += 8 {
		m.Word(a)
		m.Mark(a)
		m.Word(a).a = uint64(a)
	}
	type clipped struct {
		addr   uintptr
		lo, hi uint8
	}
	var clips []clipped
	var each []uintptr
	clip := func(w *rec, lo, hi uint8) { clips = append(clips, clipped{uintptr(w.a), lo, hi}) }
	m.Reset(heap+3, 8+8+2, clip, func(w *rec) { each = append(each, uintptr(w.a)) })
	want := []clipped{{heap, 3, 8}, {heap + 16, 0, 5}}
	if len(clips) != 2 || clips[0] != want[0] || clips[1] != want[1] {
		t.Errorf("clip calls %v, want %v", clips, want)
	}
	if len(each) != 1 || each[0] != heap+8 {
		t.Errorf("each called for %#x, want [%#x]", each, heap+8)
	}
	for a := heap; a < heap+64; a += 8 {
		got, zero := m.Word(a).a, a == heap+8
		if zero != (got == 0) {
			t.Errorf("word %#x: record %#x after Reset", a, got)
		}
	}
	// Within one word.
	clips = nil
	m.Reset(heap+33, 2, clip, nil)
	if len(clips) != 1 || clips[0] != (clipped{heap + 32, 1, 3}) {
		t.Errorf("clip calls %v for a range within a word", clips)
	}
	// A zero record, or one in a page of shadow never marked, has no
	// state to clip: clip is not called, and the unmarked page stays out
	// of memory.
	clips = nil
	m.Word(heap + 40).a = 0
	m.Reset(heap+41, 2, clip, nil)
	far := heap + 64*pageSize
	m.Reset(far+5, 2, clip, nil)
	if len(clips) != 0 {
		t.Errorf("clip calls %v for records without state", clips)
	}
	farShadow := uintptr(unsafe.Pointer(m.Word(far))) &^ (pageSize - 1)
	if n := resident(t, farShadow, pageSize); n != 0 {
		t.Errorf("resetting a partial word made %d unmarked page of shadow resident", n)
	}
	// Windows never reserved, ranges past the end: nothing happens.
	m.Reset(heap+10*WindowSize, WindowSize, clip, nil)
	m.Reset(^uintptr(0)-100, 200, clip, nil)
	if m.Reserved() != wordsInWin*unsafe.Sizeof(rec{}) {
		t.Error("Reset reserved a window")
	}
}

// resident returns how many of the pages of [p, p+n) are in memory.
func resident(t *testing.T, p, n uintptr) int {
	vec := make([]byte, (n+pageSize-1)/pageSize)
	if _, _, errno := syscall.RawSyscall(syscall.SYS_MINCORE, p, n, uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	k := 0
	for _, v := range vec {
		k += int(v & 1)
	}
	return k
}

// TestResetReleases checks that the shadow of a large freed range is given
// back to the system, and that resetting memory with no shadow state does
// not make its shadow resident.
func TestResetReleases(t *testing.T) {
	m := new(Map[rec])
	const n = 1 << 20 // application bytes: 2 MiB of shadow
	ws, _ := m.Words(heap, heap+n)
	p, sz := uintptr(unsafe.Pointer(&ws[0])), uintptr(len(ws))*unsafe.Sizeof(rec{})
	if k := resident(t, p, sz); k != 0 {
		t.Fatalf("%d pages resident before any write", k)
	}
	m.Reset(heap, n, nil, nil)
	if k := resident(t, p, sz); k != 0 {
		t.Fatalf("resetting untouched shadow made %d pages resident", k)
	}
	for i := range ws {
		m.Mark(heap + uintptr(i)*8)
		ws[i].a = 1
	}
	if k := resident(t, p, sz); k != int(sz/pageSize) {
		t.Fatalf("%d pages resident after writing all %d", k, sz/pageSize)
	}
	m.Reset(heap, n, nil, nil)
	if k := resident(t, p, sz); k != 0 {
		t.Errorf("%d pages still resident after Reset", k)
	}
	for i := range ws {
		if ws[i].a != 0 {
			t.Fatalf("record %d = %d after Reset", i, ws[i].a)
		}
	}
}

func TestResetDoesNotAllocate(t *testing.T) {
	m := new(Map[rec])
	m.Word(heap).a = 1
	clip := func(w *rec, lo, hi uint8) { w.b = 0 }
	each := func(w *rec) { w.b = 0 }
	if n := testing.AllocsPerRun(10, func() {
		m.Word(heap + 4096).a = 1
		m.Mark(heap + 4096)
		m.Reset(heap+1, 1<<20, clip, each)
	}); n != 0 {
		t.Errorf("Reset allocates %v times", n)
	}
}

func TestLockBit(t *testing.T) {
	var w atomic.Uint64
	w.Store(0xf0)
	const bit = 1 << 2
	var n int64 // guarded by the bit
	done := make(chan bool)
	for range 4 {
		go func() {
			for range 10000 {
				LockBit(&w, bit)
				if w.Load()&bit == 0 {
					t.Error("LockBit returned with the bit clear")
				}
				n++
				UnlockBit(&w, bit)
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
	if n != 40000 || w.Load() != 0xf0 {
		t.Errorf("n = %d, word %#x after 40000 locked increments, want 40000 and 0xf0", n, w.Load())
	}
}

// TestMark: Reset zeroes the records of marked pages only, and a page
// reset whole is unmarked.
func TestMark(t *testing.T) {
	m := new(Map[rec])
	const perPage = pageSize / 16 * 8 // application bytes per page of shadow
	m.Word(heap).a = 1                // not marked: Reset does not see it
	m.Word(heap + perPage)
	m.Mark(heap + perPage)
	m.Word(heap + perPage).a = 2
	var each []uint64
	m.Reset(heap, 3*perPage, nil, func(w *rec) { each = append(each, w.a) })
	if len(each) != 1 || each[0] != 2 {
		t.Errorf("each saw %v, want the marked record only", each)
	}
	if m.Word(heap).a != 1 || m.Word(heap+perPage).a != 0 {
		t.Errorf("records %d, %d after Reset, want the unmarked one kept", m.Word(heap).a, m.Word(heap+perPage).a)
	}
	m.Word(heap + perPage).a = 3 // written without a new Mark
	m.Reset(heap+perPage, perPage, nil, nil)
	if m.Word(heap+perPage).a != 3 {
		t.Error("a page reset whole stayed marked")
	}
	// A page reset in part stays marked.
	m.Mark(heap + 2*perPage)
	m.Word(heap + 2*perPage).a = 4
	m.Word(heap + 2*perPage + 8).a = 5
	m.Reset(heap+2*perPage, 8, nil, nil)
	m.Reset(heap+2*perPage+8, 8, nil, nil)
	if m.Word(heap+2*perPage).a != 0 || m.Word(heap+2*perPage+8).a != 0 {
		t.Error("a page reset in part lost its mark")
	}
}

func TestByteMaskAndEnd(t *testing.T) {
	for _, tt := range []struct {
		lo, hi uint8
		want   uint8
	}{{0, 8, 0xff}, {0, 1, 0x01}, {7, 8, 0x80}, {2, 5, 0x1c}, {3, 4, 0x08}} {
		if got := ByteMask(tt.lo, tt.hi); got != tt.want {
			t.Errorf("ByteMask(%d, %d) = %#x, want %#x", tt.lo, tt.hi, got, tt.want)
		}
	}
	// Every span, against the bytes counted one by one.
	for lo := uint8(0); lo < 8; lo++ {
		for hi := lo + 1; hi <= 8; hi++ {
			want := uint8(0)
			for i := lo; i < hi; i++ {
				want |= 1 << i
			}
			if got := ByteMask(lo, hi); got != want {
				t.Errorf("ByteMask(%d, %d) = %#x, want %#x", lo, hi, got, want)
			}
		}
	}
	const top = uintptr(1) << AddrBits
	for _, tt := range []struct{ addr, size, want uintptr }{
		{0xc000010000, 16, 0xc000010010},
		{top - 8, 16, top},        // past the address space
		{^uintptr(0) - 3, 8, top}, // wraps around
	} {
		if got := End(tt.addr, tt.size); got != tt.want {
			t.Errorf("End(%#x, %d) = %#x, want %#x", tt.addr, tt.size, got, tt.want)
		}
	}
}

// farOf returns the far half of the record w, to read it in tests (a
// detector reads it with LoadFar).
func farOf(w *rec) *rec {
	return (*rec)(unsafe.Add(unsafe.Pointer(w), wordsInWin*unsafe.Sizeof(*w)))
}

// TestFar: with SetFar each record has a far half of its own, in a plane
// that takes memory only where written; WriteFar returns it, LoadFar
// reads it; Reset treats a record as both halves (each sees a record
// whose near half is zero, both are zeroed, released or not), and so does
// a Uniform's.
func TestFar(t *testing.T) {
	m := new(Map[rec])
	m.SetFar()
	w0, w1 := m.Word(heap), m.Word(heap+8)
	f0, f1 := m.WriteFar(w0), m.WriteFar(w1)
	if d := uintptr(unsafe.Pointer(f1)) - uintptr(unsafe.Pointer(f0)); d != unsafe.Sizeof(rec{}) {
		t.Errorf("neighbouring far halves are %d bytes apart, want %d", d, unsafe.Sizeof(rec{}))
	}
	if d := uintptr(unsafe.Pointer(f0)) - uintptr(unsafe.Pointer(w0)); d != wordsInWin*unsafe.Sizeof(rec{}) {
		t.Errorf("a far half is %#x bytes from its record, want the near plane's size", d)
	}
	if f0 != farOf(w0) {
		t.Errorf("WriteFar returned %p, want %p", f0, farOf(w0))
	}
	if m.Reserved() != 2*wordsInWin*unsafe.Sizeof(rec{}) {
		t.Errorf("Reserved() = %#x, want both planes", m.Reserved())
	}
	if base := m.window(heap >> WindowShift); base&(m.span-1) != 0 || m.span < m.mapped() {
		t.Errorf("window at %#x, span %#x for %#x bytes: not aligned to it", base, m.span, m.mapped())
	}
	// LoadFar reads the far half of a field.
	m2 := new(Map[struct{ x, y atomic.Uint64 }])
	m2.SetFar()
	r2 := m2.Word(heap + 8)
	m2.WriteFar(r2).y.Store(42)
	if got := LoadFar(r2, &r2.y); got != 42 || LoadFar(r2, &r2.x) != 0 || r2.y.Load() != 0 {
		t.Errorf("LoadFar of a far half's field = %d, want 42 (near half %d)", got, r2.y.Load())
	}
	// Near halves written, far ones not: the far plane stays out of
	// memory.
	m = new(Map[rec])
	m.SetFar()
	f0 = farOf(m.Word(heap))
	const perPage = pageSize / 16 * 8
	for a := heap; a < heap+4*perPage; a += 8 {
		m.Mark(a)
		m.Word(a).a = 1
	}
	farPlane := uintptr(unsafe.Pointer(f0)) &^ (pageSize - 1)
	if n := resident(t, farPlane, 4*pageSize); n != 0 {
		t.Errorf("%d pages of far halves resident, none written", n)
	}
	// A record with only its far half set is not zero: Reset passes it
	// to each, and zeroes both halves, a small range and a large one.
	m.Word(heap + 16).a = 0
	m.WriteFar(m.Word(heap + 16)).b = 9
	m.WriteFar(m.Word(heap + 24)).b = 8
	var each []uint64
	m.Reset(heap+16, 8, nil, func(w *rec) { each = append(each, farOf(w).b) })
	if len(each) != 1 || each[0] != 9 || *farOf(m.Word(heap + 16)) != (rec{}) || farOf(m.Word(heap+24)).b != 8 {
		t.Errorf("Reset of a word with a far half: each saw %v, far halves %v, %v after", each, *farOf(m.Word(heap + 16)), *farOf(m.Word(heap + 24)))
	}
	// clip sees a word whose far half alone is set.
	m.WriteFar(m.Word(heap + 32)).a = 3
	m.Word(heap + 32).a = 0
	clipped := 0
	m.Reset(heap+33, 2, func(w *rec, lo, hi uint8) { clipped++ }, nil)
	if clipped != 1 {
		t.Errorf("clip called %d times for a word whose far half is set, want 1", clipped)
	}
	big := heap + WindowSize/2
	for a := big; a < big+releaseMin; a += 8 {
		m.WriteFar(m.Word(a)).a = 5
	}
	m.Reset(big, releaseMin, nil, nil)
	for a := big; a < big+releaseMin; a += 512 {
		if *farOf(m.Word(a)) != (rec{}) {
			t.Fatalf("far half of %#x not zero after a large Reset", a)
		}
	}
	// A Uniform's records have far halves too, written through the
	// words' Map's WriteFar, zeroed with the record.
	var u Uniform[rec]
	u.SetFar()
	page := heap + 2*WindowSize
	r := u.Begin(m, page)
	if r == nil {
		t.Fatal("Begin refused a page without records")
	}
	m.WriteFar(r).a = 7
	u.End(page)
	released := 0
	u.Reset(page, UniformSize, func(*rec) { released++ })
	if released != 1 || *farOf(u.recs.Word(key(page))) != (rec{}) {
		t.Errorf("Uniform.Reset released %d records, far half %v after, want 1 and zero", released, *farOf(u.recs.Word(key(page))))
	}
}

// TestFarReset: Reset zeroes a far half written through WriteFar, in a
// range small or large (released), and does not read the far halves of
// a page of records none of whose far halves was written: they stay out of
// memory, however many near halves Reset zeroes or passes to each.
func TestFarReset(t *testing.T) {
	m := new(Map[rec])
	m.SetFar()
	const perPage = pageSize / 16 * 8 // application bytes per page of records
	for _, n := range []uintptr{8, 3 * perPage, releaseMin} {
		addr := heap + 64*perPage
		// Far halves written, near ones not (WriteFar marks both
		// pages): the record is not zero.
		for a := addr; a < addr+n; a += 8 {
			m.WriteFar(m.Word(a)).b = uint64(a)
		}
		seen := 0
		m.Reset(addr, n, nil, func(w *rec) { seen++ })
		if seen != int(n/8) {
			t.Errorf("Reset of %d bytes: each saw %d records with a far half, want %d", n, seen, n/8)
		}
		for a := addr; a < addr+n; a += 8 {
			if f := farOf(m.Word(a)); *f != (rec{}) {
				t.Fatalf("Reset of %d bytes: far half of %#x is %v after, want zero", n, a, *f)
			}
		}
		// Written again after the reset: zeroed again (a page's mark is
		// set anew).
		m.WriteFar(m.Word(addr)).a = 1
		m.Reset(addr, 8, nil, nil)
		if f := farOf(m.Word(addr)); *f != (rec{}) {
			t.Errorf("a far half written after a Reset is %v after the next, want zero", *f)
		}
	}
	// Near halves written, far ones never: a Reset of the page, with
	// each and without, small and large, leaves the far plane out of
	// memory.
	for i, n := range []uintptr{perPage, 2 * perPage, releaseMin} {
		addr := heap + WindowSize/4 + uintptr(i)*2*releaseMin
		for a := addr; a < addr+n; a += 8 {
			m.Mark(a)
			m.Word(a).a = 1
		}
		for _, each := range []func(*rec){nil, func(*rec) {}} {
			m.Reset(addr, n, nil, each)
			if m.Word(addr).a != 0 {
				t.Errorf("Reset of %d bytes left a near half", n)
			}
			farPages := uintptr(unsafe.Pointer(farOf(m.Word(addr))))
			if k := resident(t, farPages, n/perPage*pageSize); k != 0 {
				t.Errorf("Reset of %d bytes of records with no far half made %d pages of far halves resident", n, k)
			}
			for a := addr; a < addr+n; a += 8 {
				m.Mark(a)
				m.Word(a).a = 1
			}
		}
	}
	// clip of a word whose far half was never written: neither.
	m.Mark(heap + 8*perPage)
	m.Word(heap + 8*perPage).a = 1
	m.Reset(heap+8*perPage+1, 2, func(*rec, uint8, uint8) {}, nil)
	if k := resident(t, uintptr(unsafe.Pointer(farOf(m.Word(heap+8*perPage)))), pageSize); k != 0 {
		t.Errorf("clipping a word with no far half made its page of far halves resident")
	}
}

// TestResetBlocks: marks stand for blocks of 256 bytes of records, so that
// Reset reads and zeroes, of a page of shadow, only the blocks with a
// record marked (a record written without Mark, in a block never marked,
// is left: the detector broke Mark's contract); a block a Reset covers in
// part stays marked, and its other records are reset by the next.
func TestResetBlocks(t *testing.T) {
	m := new(Map[rec])
	const perBlock = markSize / 16 * 8 // application bytes per block of records
	page := heap + 256*perBlock        // the first of a page of shadow
	m.Word(page)                       // reserves the window
	m.Mark(page)
	m.Word(page).a = 1
	m.Word(page + perBlock).a = 2 // block 1, not marked
	m.Mark(page + 3*perBlock + 8)
	m.Word(page + 3*perBlock + 8).a = 3
	m.Word(page + 3*perBlock + 16).a = 4 // block 3, marked by its neighbour
	var each []uint64
	m.Reset(page, 16*perBlock, nil, func(w *rec) { each = append(each, w.a) })
	if len(each) != 3 || each[0] != 1 || each[1] != 3 || each[2] != 4 {
		t.Errorf("each saw %v, want [1 3 4]: the records of the marked blocks", each)
	}
	if m.Word(page).a != 0 || m.Word(page+3*perBlock+16).a != 0 || m.Word(page+perBlock).a != 2 {
		t.Errorf("after Reset: %d, %d in marked blocks, %d in the unmarked one; want 0, 0, 2",
			m.Word(page).a, m.Word(page+3*perBlock+16).a, m.Word(page+perBlock).a)
	}
	if m.marked(page, 16*perBlock) {
		t.Error("a page reset whole keeps marks")
	}
	// A Reset of part of a block leaves it marked.
	m.Word(page + perBlock).a = 0
	m.Mark(page + 8)
	m.Word(page + 8).a = 5
	m.Word(page + 16).a = 6
	m.Reset(page+8, 8, nil, nil)
	if m.Word(page+8).a != 0 || m.Word(page+16).a != 6 || !m.marked(page+16, 8) {
		t.Fatalf("a Reset of one word of a block: %d, %d, block marked %v; want 0, 6, true",
			m.Word(page+8).a, m.Word(page+16).a, m.marked(page+16, 8))
	}
	m.Reset(page, pageSize, nil, nil)
	if m.Word(page+16).a != 0 {
		t.Error("a record of a block reset in part was not reset by the next Reset")
	}
	// anyMarked: one block marked, found from any range that overlaps it.
	m.Mark(page + 5*perBlock + 40)
	for _, tt := range []struct {
		addr, size uintptr
		want       bool
	}{
		{page, 5 * perBlock, false},
		{page, 5*perBlock + 8, true},
		{page + 6*perBlock, 64 * perBlock, false},
		{page + 6*perBlock - 8, 8, true},
		{page - 64*perBlock, 70 * perBlock, true},
		{page - 64*perBlock, 69 * perBlock, false},
	} {
		if got := m.marked(tt.addr, tt.size); got != tt.want {
			t.Errorf("marked(%#x, %#x) = %v, want %v", tt.addr, tt.size, got, tt.want)
		}
	}
}

// TestResetEachSkipsZeroBlocks: Reset skips the 64-byte blocks of
// records that are all zero, far halves included, and passes each
// record with any state to each, wherever it is in its block, whether the
// range starts at a block's boundary or not.
func TestResetEachSkipsZeroBlocks(t *testing.T) {
	for _, far := range []bool{false, true} {
		for _, start := range []uintptr{0, 8, 24} { // records 0, 1, 3 of a block
			m := new(Map[rec])
			if far {
				m.SetFar()
			}
			base := heap + 4*WindowSize
			const words = 2 * pageSize / 8 // two pages of records
			for a := base; a < base+words*8; a += 8 {
				m.Word(a)
				m.Mark(a)
			}
			// Word i has state if i%37 == 5 (a near half) or, with a far
			// plane, i%53 == 11 (its far half alone).
			want := map[uintptr]bool{}
			for i := uintptr(0); i < words; i++ {
				a := base + i*8
				switch {
				case i%37 == 5:
					m.Word(a).a = uint64(a)
				case far && i%53 == 11:
					m.WriteFar(m.Word(a)).b = uint64(a)
				default:
					continue
				}
				if a >= base+start {
					want[a] = true
				}
			}
			got := map[uintptr]bool{}
			m.Reset(base+start, words*8-start, nil, func(w *rec) {
				a := w.a
				if far && a == 0 {
					a = farOf(w).b
				}
				got[uintptr(a)] = true
			})
			if len(got) != len(want) {
				t.Errorf("far %v, start +%d: each saw %d records, want %d", far, start, len(got), len(want))
			}
			for a := range want {
				if !got[a] {
					t.Errorf("far %v, start +%d: each missed the record of %#x", far, start, a)
				}
			}
			for a := base + start; a < base+words*8; a += 8 {
				if *m.Word(a) != (rec{}) || far && *farOf(m.Word(a)) != (rec{}) {
					t.Fatalf("far %v, start +%d: record of %#x not zero after Reset", far, start, a)
				}
			}
		}
	}
}
