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

// TestFar: with SetFar each record has a far half of its own, in a plane
// that takes memory only where written; Reset treats a record as both
// halves (each sees a record whose near half is zero, both are zeroed,
// released or not), and so does a Uniform's.
func TestFar(t *testing.T) {
	m := new(Map[rec])
	m.SetFar()
	w0, w1 := m.Word(heap), m.Word(heap+8)
	f0, f1 := Far(w0), Far(w1)
	if d := uintptr(unsafe.Pointer(f1)) - uintptr(unsafe.Pointer(f0)); d != unsafe.Sizeof(rec{}) {
		t.Errorf("neighbouring far halves are %d bytes apart, want %d", d, unsafe.Sizeof(rec{}))
	}
	if d := uintptr(unsafe.Pointer(f0)) - uintptr(unsafe.Pointer(w0)); d != wordsInWin*unsafe.Sizeof(rec{}) {
		t.Errorf("a far half is %#x bytes from its record, want the near plane's size", d)
	}
	if m.Reserved() != 2*wordsInWin*unsafe.Sizeof(rec{}) {
		t.Errorf("Reserved() = %#x, want both planes", m.Reserved())
	}
	// Near halves written, far ones not: the far plane stays out of
	// memory.
	const perPage = pageSize / 16 * 8
	for a := heap; a < heap+4*perPage; a += 8 {
		m.Mark(a)
		m.Word(a).a = 1
	}
	farPlane := uintptr(unsafe.Pointer(f0)) &^ (pageSize - 1)
	if n := resident(t, farPlane, 4*pageSize); n != 0 {
		t.Errorf("%d pages of far halves resident, none written", n)
	}
	if *Far(m.Word(heap + 8)) != (rec{}) {
		t.Fatal("a far half never written is not zero")
	}
	// A record with only its far half set is not zero: Reset passes it
	// to each, and zeroes both halves, a small range and a large one.
	m.Word(heap + 16).a = 0
	Far(m.Word(heap + 16)).b = 9
	Far(m.Word(heap + 24)).b = 8
	var each []uint64
	m.Reset(heap+16, 8, nil, func(w *rec) { each = append(each, Far(w).b) })
	if len(each) != 1 || each[0] != 9 || *Far(m.Word(heap + 16)) != (rec{}) || Far(m.Word(heap+24)).b != 8 {
		t.Errorf("Reset of a word with a far half: each saw %v, far halves %v, %v after", each, *Far(m.Word(heap + 16)), *Far(m.Word(heap + 24)))
	}
	// clip sees a word whose far half alone is set.
	Far(m.Word(heap + 32)).a = 3
	m.Word(heap + 32).a = 0
	clipped := 0
	m.Reset(heap+33, 2, func(w *rec, lo, hi uint8) { clipped++ }, nil)
	if clipped != 1 {
		t.Errorf("clip called %d times for a word whose far half is set, want 1", clipped)
	}
	big := heap + WindowSize/2
	for a := big; a < big+releaseMin; a += 8 {
		m.Mark(a)
		Far(m.Word(a)).a = 5
	}
	m.Reset(big, releaseMin, nil, nil)
	for a := big; a < big+releaseMin; a += 512 {
		if *Far(m.Word(a)) != (rec{}) {
			t.Fatalf("far half of %#x not zero after a large Reset", a)
		}
	}
	// A Uniform's records have far halves too, zeroed with the record.
	var u Uniform[rec]
	u.SetFar()
	page := heap + 2*WindowSize
	r := u.Begin(m, page)
	if r == nil {
		t.Fatal("Begin refused a page without records")
	}
	Far(r).a = 7
	u.End(page)
	released := 0
	u.Reset(page, UniformSize, func(*rec) { released++ })
	if released != 1 || *Far(u.recs.Word(key(page))) != (rec{}) {
		t.Errorf("Uniform.Reset released %d records, far half %v after, want 1 and zero", released, *Far(u.recs.Word(key(page))))
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
					Far(m.Word(a)).b = uint64(a)
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
					a = Far(w).b
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
				if *m.Word(a) != (rec{}) || far && *Far(m.Word(a)) != (rec{}) {
					t.Fatalf("far %v, start +%d: record of %#x not zero after Reset", far, start, a)
				}
			}
		}
	}
}
