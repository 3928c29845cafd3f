// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockset

import (
	"syscall"
	"testing"
	"unsafe"

	"drace/toolkit/shadow"
)

// TestSecondCellReset: a word's second cell, in its record's far half, is
// dropped when the word's memory is allocated again, in a small range and
// in a large one (whose shadow is given back to the system), and the
// variable is virgin after; the words of one variable leave their far
// halves unread, out of memory.
func TestSecondCellReset(t *testing.T) {
	for _, n := range []uintptr{8, 2 * pg, 1 << 20} {
		h := newHarness(t)
		var evs []ev
		for a := x; a < x+n; a += 512 {
			evs = append(evs, W(1, a), W(1, a+4), W(1, a+256))
		}
		h.Run(evs...)
		for a := x; a < x+n; a += 512 {
			w := h.d.shadow.Lookup(a)
			if w.a.Load()&farBit == 0 || shadow.LoadFar(w, &w.a) == 0 {
				t.Fatalf("%d bytes: the word at %#x has no second cell", n, a)
			}
		}
		h.d.OnMalloc(x, n)
		for a := x; a < x+n; a += 512 {
			w := h.d.shadow.Lookup(a)
			if w.a.Load() != 0 || shadow.LoadFar(w, &w.a) != 0 || shadow.LoadFar(w, &w.b) != 0 {
				t.Fatalf("%d bytes: the record of %#x is %#x, far half %#x %#x after OnMalloc, want zero",
					n, a, w.a.Load(), shadow.LoadFar(w, &w.a), shadow.LoadFar(w, &w.b))
			}
		}
		// Virgin: another goroutine's write is not a second writer.
		if reps := h.Run(W(2, x+4), W(2, x)); len(reps) != 0 {
			t.Errorf("%d bytes: %d reports after OnMalloc, want none", n, len(reps))
		}
		// One variable per word (its far half never written): the far
		// halves of its records are not read by accesses or resets.
		y := x + n + 4*pg
		h.Run(W(3, y+8), R(3, y+8), W(3, y+16), W(4, y+16), R(3, y+24))
		h.d.OnMalloc(y, 2*pg)
		if k := resident(t, farOf(h.d.shadow.Lookup(y)), pg); k != 0 {
			t.Errorf("%d bytes: the far half of a word of one variable was read", n)
		}
	}
}

// farOf returns the address of the far half of w.
func farOf(w *entry) uintptr {
	return uintptr(unsafe.Pointer(w)) + 1<<(shadow.WindowShift-3)*unsafe.Sizeof(*w)
}

// resident returns how many of the pages of [p, p+n) are in memory.
func resident(t *testing.T, p, n uintptr) int {
	p0 := p &^ (pg - 1)
	vec := make([]byte, (p+n-p0+pg-1)/pg)
	if _, _, errno := syscall.RawSyscall(syscall.SYS_MINCORE, p0, p+n-p0, uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	k := 0
	for _, v := range vec {
		k += int(v & 1)
	}
	return k
}
