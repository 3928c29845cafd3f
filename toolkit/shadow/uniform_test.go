// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build linux

package shadow

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestUniformBeginExpand(t *testing.T) {
	var m Map[rec]
	var u Uniform[rec]
	page := heap + 3*UniformSize
	if u.Active(page) {
		t.Fatal("a page is uniform before any range access")
	}
	r := u.Begin(&m, page)
	if r == nil {
		t.Fatal("Begin refused a page no word of which has a record")
	}
	r.a, r.b = 5, 6
	u.End(page)
	if !u.Active(page+100) || u.Active(page+UniformSize) || u.Active(page-1) {
		t.Fatal("Active does not say exactly the page is uniform")
	}
	if u.Pages() != 1 {
		t.Errorf("Pages() = %d, want 1", u.Pages())
	}
	// The words' own records stay zero and unmarked while uniform.
	if m.marked(page, UniformSize) || *m.Word(page + 8) != (rec{}) {
		t.Fatal("making a page uniform wrote its words' records")
	}
	// Begin again finds the same record.
	if r2 := u.Begin(&m, page); r2 != r || r2.a != 5 {
		t.Fatal("Begin of a uniform page did not return its record")
	}
	u.End(page)

	copies := 0
	released := 0
	cp := func(dst, src *rec) { *dst = *src; copies++ }
	rel := func(r *rec) { released++ }
	if !u.Expand(&m, page+4000, cp, rel) {
		t.Fatal("Expand of a uniform page reported nothing to do")
	}
	if copies != UniformSize/8 || released != 1 {
		t.Errorf("Expand copied %d records and released %d, want %d and 1", copies, released, UniformSize/8)
	}
	for a := page; a < page+UniformSize; a += 8 {
		if *m.Word(a) != (rec{5, 6}) {
			t.Fatalf("word %#x has %v after Expand, want the page's record", a, *m.Word(a))
		}
	}
	if u.Active(page) || *r != (rec{}) || u.Pages() != 0 {
		t.Error("the page is still uniform after Expand")
	}
	if u.Expand(&m, page, cp, rel) {
		t.Error("a second Expand found a uniform page")
	}
	// Its words have records now: the page cannot become uniform again.
	if u.Begin(&m, page) != nil {
		t.Error("Begin made a page whose words have records uniform")
	}
	if u.Active(page) {
		t.Error("a refused Begin left the page uniform")
	}
}

func TestUniformRefusesMarkedPage(t *testing.T) {
	var m Map[rec]
	var u Uniform[rec]
	page := heap + 7*UniformSize
	w := m.Word(page + UniformSize - 8) // the page's last word
	m.Mark(page + UniformSize - 8)
	w.a = 1
	if u.Begin(&m, page) != nil {
		t.Fatal("Begin made a page uniform although one of its words has a record")
	}
	// Its neighbour has none.
	if r := u.Begin(&m, page+UniformSize); r == nil {
		t.Fatal("Begin refused the next page")
	} else {
		u.End(page + UniformSize)
	}
}

func TestUniformReset(t *testing.T) {
	var m Map[rec]
	var u Uniform[rec]
	u.Reset(heap, 1<<20, nil) // nothing uniform yet: nothing to do
	far := heap + 3*WindowSize<<(UniformShift-3)
	for _, p := range []uintptr{heap, heap + UniformSize, heap + 5*UniformSize, far} {
		r := u.Begin(&m, p)
		if r == nil {
			t.Fatalf("Begin(%#x) = nil", p)
		}
		r.a = 9
		u.End(p)
	}
	var released []uintptr
	rel := func(r *rec) { released = append(released, uintptr(r.a)) }
	// A small object in the second page ends its uniform state, and only
	// its.
	u.Reset(heap+UniformSize+64, 32, rel)
	if u.Active(heap+UniformSize) || !u.Active(heap) || !u.Active(heap+5*UniformSize) || len(released) != 1 {
		t.Fatalf("Reset of a small object: active %v %v %v, released %v",
			u.Active(heap), u.Active(heap+UniformSize), u.Active(heap+5*UniformSize), released)
	}
	if *m.Word(heap + UniformSize + 64) != (rec{}) {
		t.Error("Reset gave the page's record to its words")
	}
	// A range across windows of keys ends the rest.
	u.Reset(heap, far+1-heap, rel)
	if u.Pages() != 0 || len(released) != 4 {
		t.Errorf("after a Reset of everything: %d pages uniform, %d released", u.Pages(), len(released))
	}
}

// TestUniformMarkOrBegin races a word's first record (Mark, then Active)
// against a range access making its page uniform (Begin): either the word
// sees the page uniform, or Begin sees the word marked, never neither.
func TestUniformMarkOrBegin(t *testing.T) {
	var m Map[rec]
	var u Uniform[rec]
	const pages = 2000
	var both, neither atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	sawUniform := make([]bool, pages)
	began := make([]bool, pages)
	go func() {
		defer wg.Done()
		for i := range pages {
			a := heap + uintptr(i)*UniformSize + 8*uintptr(i%512)
			m.Word(a)
			m.Mark(a)
			sawUniform[i] = u.Active(a)
		}
	}()
	go func() {
		defer wg.Done()
		for i := range pages {
			p := heap + uintptr(i)*UniformSize
			if u.Begin(&m, p) != nil {
				began[i] = true
				u.End(p)
			}
		}
	}()
	wg.Wait()
	for i := range pages {
		switch {
		case began[i] && !sawUniform[i]:
			neither.Add(1)
		case !began[i] && sawUniform[i]:
			both.Add(1) // Begin backed out after the word looked: allowed
		}
	}
	if neither.Load() != 0 {
		t.Fatalf("%d pages became uniform while a word's first record went unseen", neither.Load())
	}
}
