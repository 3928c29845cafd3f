// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import (
	"testing"
	"unsafe"
)

// TestSlabs checks that blocks are distinct, aligned and zeroed, that a
// freed block comes back zeroed, and that blocks span chunks.
func TestSlabs(t *testing.T) {
	s := &Slabs{Size: 16 << 10}
	seen := map[uintptr]bool{}
	var ps []uintptr
	for range 130 {
		p := s.Alloc()
		if p == 0 || p%4096 != 0 || seen[p] {
			t.Fatalf("Alloc = %#x (seen %v)", p, seen[p])
		}
		seen[p] = true
		b := unsafe.Slice((*byte)(unsafe.Pointer(p)), s.Size)
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("block %#x not zeroed at %d", p, i)
			}
		}
		b[0], b[s.Size-1] = 1, 2
		ps = append(ps, p)
	}
	if n := s.InUse(); n != 130 {
		t.Fatalf("InUse = %d, want 130", n)
	}
	s.Free(ps[70])
	if p := s.Alloc(); p != ps[70] {
		t.Fatalf("Alloc after Free = %#x, want the freed %#x", p, ps[70])
	} else if b := unsafe.Slice((*byte)(unsafe.Pointer(p)), s.Size); b[0] != 0 || b[s.Size-1] != 0 {
		t.Fatal("freed block not zeroed when allocated again")
	}
	for _, p := range ps {
		s.Free(p)
	}
	if n := s.InUse(); n != 0 {
		t.Fatalf("InUse = %d after freeing all, want 0", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("Free of a foreign block did not panic")
		}
	}()
	s.Free(ps[0] + 8)
}
