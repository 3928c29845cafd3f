// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package locks

import (
	"math/rand"
	"slices"
	"sync"
	"testing"
)

var (
	m1 = Lock{Addr: 0x1000}
	m2 = Lock{Addr: 0x2000}
	w3 = Lock{Addr: 0x3000, RW: true}
	r3 = Lock{Addr: 0x3000, RW: true, Read: true}
)

func TestIntern(t *testing.T) {
	var tab Table
	if s := tab.Intern(); s != Empty || tab.Locks(s) != nil {
		t.Fatalf("Intern() = %d, %v", s, tab.Locks(s))
	}
	a := tab.Intern(m2, m1, w3)
	b := tab.Intern(w3, m1, m2, m1)
	if a != b || a == Empty {
		t.Fatalf("the same set interned as %d and %d", a, b)
	}
	if got, want := tab.Locks(a), []Lock{m1, m2, w3}; !slices.Equal(got, want) {
		t.Errorf("Locks = %v, want %v", got, want)
	}
	if r := tab.Intern(m1, m2, r3); r == a {
		t.Error("a read-mode lock interned as the write-mode one")
	}
	if got, want := tab.Locks(tab.Intern(r3, w3)), []Lock{w3, r3}; !slices.Equal(got, want) {
		t.Errorf("both modes: %v, want %v", got, want)
	}
	if tab.Without(a, m2) != tab.Intern(m1, w3) || tab.Without(a, r3) != a || tab.With(a, m1) != a {
		t.Error("With or Without made a wrong set")
	}
}

// TestInternMany interns more sets than the index and the first chunk
// hold, and finds each again.
func TestInternMany(t *testing.T) {
	var tab Table
	ids := map[Set][2]uintptr{}
	for i := uintptr(1); i <= 3000; i++ {
		s := tab.Intern(Lock{Addr: i * 8}, Lock{Addr: i*8 + 0x100000})
		if _, dup := ids[s]; dup {
			t.Fatalf("two sets numbered %d", s)
		}
		ids[s] = [2]uintptr{i * 8, i*8 + 0x100000}
	}
	for s, addrs := range ids {
		if got := tab.Intern(Lock{Addr: addrs[1]}, Lock{Addr: addrs[0]}); got != s {
			t.Fatalf("set %v is %d, then %d", addrs, s, got)
		}
	}
	if tab.Len() != 3001 {
		t.Errorf("Len() = %d, want 3001", tab.Len())
	}
}

// naive is Intersect by definition, for random sets.
func naive(c, held []Lock, write bool) []Lock {
	var out []Lock
	for _, l := range c {
		for _, h := range held {
			if h.Addr == l.Addr && h.Guards(write) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func TestIntersect(t *testing.T) {
	var tab Table
	pool := []Lock{m1, m2, w3, r3, {Addr: 0x4000, RW: true, Read: true}, {Addr: 0x5000}}
	r := rand.New(rand.NewSource(1))
	pick := func() []Lock {
		var ls []Lock
		for _, l := range pool {
			if r.Intn(2) == 0 {
				ls = append(ls, l)
			}
		}
		return ls
	}
	for i := range 2000 {
		c, h, write := pick(), pick(), r.Intn(2) == 0
		if i%4 == 0 {
			h = c // a set with itself: a read keeps it whole
		}
		// Twice: computed, then from the cache.
		for range 2 {
			got := tab.Intersect(tab.Intern(c...), tab.Intern(h...), write)
			if want := tab.Intern(naive(c, h, write)...); got != want {
				t.Fatalf("Intersect(%v, %v, %v) = %v, want %v", c, h, write, tab.Locks(got), tab.Locks(want))
			}
		}
	}
}

func TestCommonWithin(t *testing.T) {
	var tab Table
	s1, s13r, s3w := tab.Intern(m1), tab.Intern(m1, r3), tab.Intern(w3)
	s3r := tab.Intern(r3)
	for _, tt := range []struct {
		a      Set
		aw     bool
		b      Set
		bw     bool
		common bool
		within bool
	}{
		{s1, true, s13r, true, true, true},
		{s13r, false, s1, true, true, false}, // r3 guards a's read, not in b
		{s13r, true, s1, false, true, true},  // a write: r3 does not guard it
		{s3r, false, s3w, false, true, true},
		{s3r, false, s3w, true, true, true},
		{s3r, true, s3w, true, false, true}, // nothing guards a's write
		{s3w, true, s3r, true, false, false},
		{s3w, true, s3r, false, true, true},
		{Empty, true, s1, true, false, true},
		{s1, true, Empty, true, false, false},
	} {
		if got := tab.Common(tt.a, tt.aw, tt.b, tt.bw); got != tt.common {
			t.Errorf("Common(%v %v, %v %v) = %v", tab.Locks(tt.a), tt.aw, tab.Locks(tt.b), tt.bw, got)
		}
		if got := tab.Within(tt.a, tt.aw, tt.b, tt.bw); got != tt.within {
			t.Errorf("Within(%v %v, %v %v) = %v", tab.Locks(tt.a), tt.aw, tab.Locks(tt.b), tt.bw, got)
		}
	}
}

func TestHeld(t *testing.T) {
	var tab Table
	var h Held
	h.Acquire(&tab, m1, 1, 11)
	h.Acquire(&tab, r3, 2, 12)
	h.Acquire(&tab, r3, 3, 13) // nested
	h.Acquire(&tab, m2, 4, 14)
	if h.Set() != tab.Intern(m1, m2, r3) {
		t.Fatalf("held %v", tab.Locks(h.Set()))
	}
	ls := h.Locks()
	if len(ls) != 3 || ls[1].Lock != r3 || ls[1].N != 2 || ls[1].PC != 2 || ls[1].Stack != 12 || ls[2].Lock != m2 {
		t.Fatalf("Locks() = %+v", ls)
	}
	if h.Release(&tab, w3) {
		t.Error("released a lock held in the other mode")
	}
	h.Release(&tab, r3) // once of twice: still held
	if !tab.Protects(h.Set(), r3.Addr, false) {
		t.Error("a nested read lock released once is not held")
	}
	h.Release(&tab, r3) // out of order
	if h.Set() != tab.Intern(m1, m2) {
		t.Fatalf("after an out-of-order release: %v", tab.Locks(h.Set()))
	}
	h.Release(&tab, m2) // the last taken: back to the set before it
	if h.Set() != tab.Intern(m1) {
		t.Fatalf("after releasing the last lock: %v", tab.Locks(h.Set()))
	}
	if !h.Release(&tab, m1) || h.Set() != Empty || len(h.Locks()) != 0 || h.Release(&tab, m1) {
		t.Error("releasing the last lock")
	}
}

// TestHeldDoesNotAllocate checks that a goroutine taking and releasing
// locks already seen allocates nothing.
func TestHeldDoesNotAllocate(t *testing.T) {
	var tab Table
	var h Held
	cycle := func() {
		h.Acquire(&tab, m1, 0, 0)
		h.Acquire(&tab, r3, 0, 0)
		h.Acquire(&tab, m2, 0, 0)
		tab.Intersect(h.Set(), tab.Intern(m2, w3), true)
		h.Release(&tab, r3)
		h.Release(&tab, m2)
		h.Release(&tab, m1)
	}
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Errorf("%v allocations per cycle", n)
	}
}

// TestConcurrent interns and intersects from several goroutines: every
// goroutine gets the same ids for the same sets.
func TestConcurrent(t *testing.T) {
	var tab Table
	const n = 4
	got := make([][]Set, n)
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				a := tab.Intern(Lock{Addr: uintptr(i) * 8}, m1)
				got[g] = append(got[g], a, tab.Intersect(a, tab.Intern(m1, m2), i%2 == 0))
			}
		}()
	}
	wg.Wait()
	for g := 1; g < n; g++ {
		if !slices.Equal(got[g], got[0]) {
			t.Fatalf("goroutine %d got other ids than goroutine 0", g)
		}
	}
	if want := tab.Intern(m1); got[0][1] != want {
		t.Errorf("intersection %v, want %v", tab.Locks(got[0][1]), tab.Locks(want))
	}
}

// TestHeldNoTable checks a Held used without a Table: the list, its order,
// nesting and Data, and no Set.
func TestHeldNoTable(t *testing.T) {
	var h Held
	if a := h.Acquire(nil, m1, 1, 11); a.N != 1 || a.Lock != m1 {
		t.Fatalf("Acquire(m1) = %+v", a)
	} else {
		a.Data = "m1"
	}
	h.Acquire(nil, r3, 2, 12).Data = "r3"
	if a := h.Acquire(nil, r3, 3, 13); a.N != 2 || a.PC != 2 || a.Data != "r3" {
		t.Fatalf("nested Acquire(r3) = %+v", a)
	}
	h.Acquire(nil, m2, 4, 14).Data = "m2"
	if h.Set() != Empty {
		t.Errorf("Set() = %v without a Table", h.Set())
	}
	h.Release(nil, r3)
	h.Release(nil, r3) // out of order
	ls := h.Locks()
	if len(ls) != 2 || ls[0].Data != "m1" || ls[1].Lock != m2 || ls[1].Data != "m2" || ls[1].PC != 4 {
		t.Fatalf("Locks() = %+v", ls)
	}
	if d := ls[:3][2].Data; d != nil {
		t.Errorf("the entry past the end keeps Data %v", d)
	}
	if !h.Release(nil, m2) || !h.Release(nil, m1) || len(h.Locks()) != 0 || h.Set() != Empty {
		t.Errorf("after releasing all: %+v", h.Locks())
	}
}
