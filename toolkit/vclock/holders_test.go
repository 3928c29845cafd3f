// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import "testing"

// TestHolders: the goroutine that held a slot at a clock value is known
// while it is among the slot's last HolderHistory holders.
func TestHolders(t *testing.T) {
	var h Holders
	h.attach(3, 1, 10)
	h.attach(3, 5, 11)
	h.attach(3, 9, 12)
	for _, tt := range []struct {
		c   uint32
		gid int64
	}{{0, 0}, {1, 10}, {4, 10}, {5, 11}, {8, 11}, {9, 12}, {1000, 12}} {
		if got := h.Goroutine(MakeEpoch(3, tt.c)); got != tt.gid {
			t.Errorf("Goroutine(%d@3) = %d, want %d", tt.c, got, tt.gid)
		}
	}
	if got := h.Goroutine(MakeEpoch(4, 1)); got != 0 {
		t.Errorf("goroutine of a slot never held = %d", got)
	}
	for i := range HolderHistory {
		h.attach(3, uint32(10+i), int64(100+i))
	}
	if got := h.Goroutine(MakeEpoch(3, 6)); got != 0 {
		t.Errorf("goroutine of a holder aged out = %d, want 0 (unknown)", got)
	}
	if got := h.Goroutine(MakeEpoch(3, 10+HolderHistory-1)); got != 100+HolderHistory-1 {
		t.Errorf("goroutine of the newest holder = %d", got)
	}
}

// TestHoldersAttach: Attach records a Thread's slot from its clock value
// when it takes the slot.
func TestHoldersAttach(t *testing.T) {
	var s Slots
	var h Holders
	a := new(Thread)
	s.Attach(a)
	h.Attach(a, 7)
	e1 := a.Epoch()
	s.Detach(a)
	b := new(Thread)
	s.Attach(b) // a slot, maybe a's, from a later clock value
	h.Attach(b, 8)
	if got := h.Goroutine(e1); got != 7 {
		t.Errorf("goroutine of the first thread's epoch = %d, want 7", got)
	}
	if got := h.Goroutine(b.Epoch()); got != 8 {
		t.Errorf("goroutine of the second thread's epoch = %d, want 8", got)
	}
}
