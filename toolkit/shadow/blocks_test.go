// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"drace/toolkit/shadow"
)

type pair struct{ a, b uint64 }

func TestBlocks(t *testing.T) {
	var b shadow.Blocks[pair]
	for _, tc := range []struct{ n, cap int }{{0, 2}, {1, 2}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {9, 16}, {1000, 1024}, {70000, 131072}} {
		s := b.Alloc(tc.n)
		if len(s) != 0 || cap(s) != tc.cap {
			t.Errorf("Alloc(%d): len %d cap %d, want 0 and %d", tc.n, len(s), cap(s), tc.cap)
		}
		for _, e := range s[:cap(s)] {
			if e != (pair{}) {
				t.Fatalf("Alloc(%d): an element is not zero: %v", tc.n, e)
			}
		}
		b.Free(s)
	}

	// A freed block is reused, zeroed, for its capacity.
	s := b.Alloc(8)
	s = append(s, pair{1, 2}, pair{3, 4})
	p := unsafe.SliceData(s)
	b.Free(s)
	r := b.Alloc(7)
	if unsafe.SliceData(r) != p {
		t.Errorf("Alloc after Free did not reuse the block")
	}
	if r[:2][0] != (pair{}) || r[:2][1] != (pair{}) {
		t.Errorf("a reused block is not zero: %v", r[:2])
	}

	// Grow keeps the elements, doubling the capacity when full.
	g := b.Alloc(4)
	for i := range 100 {
		g = b.Grow(g)
		g = append(g, pair{uint64(i), uint64(i)})
	}
	if len(g) != 100 || cap(g) != 128 {
		t.Errorf("after 100 Grows: len %d cap %d, want 100 and 128", len(g), cap(g))
	}
	for i, e := range g {
		if e.a != uint64(i) {
			t.Fatalf("element %d is %v after Grow", i, e)
		}
	}
	b.Free(g)
	b.Free(nil)

	// Elements of no size take no memory, and still come in blocks.
	var empty shadow.Blocks[struct{}]
	e := empty.Grow(empty.Alloc(3))
	if e == nil || cap(e) != 4 {
		t.Errorf("Alloc of a zero-size type: cap %d, nil %v; want a block of 4", cap(e), e == nil)
	}
	empty.Free(e)
}

// The blocks are outside the Go heap: a collection neither moves nor
// frees them, and allocating many does not grow the heap.
func TestBlocksOffHeap(t *testing.T) {
	var b shadow.Blocks[pair]
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var kept [][]pair
	for range 4096 {
		s := b.Alloc(64) // 1 KiB each: 4 MiB in all
		s = append(s, pair{7, 7})
		kept = append(kept, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Errorf("the Go heap grew by %d bytes for 4 MiB of blocks", grew)
	}
	for _, s := range kept {
		if s[0] != (pair{7, 7}) {
			t.Fatalf("a block changed after a collection: %v", s[0])
		}
		b.Free(s)
	}
}

func TestBlocksConcurrent(t *testing.T) {
	var b shadow.Blocks[pair]
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				s := b.Alloc(i % 40)
				s = append(s, pair{uint64(w), uint64(i)})
				s = b.Grow(s)
				if s[0] != (pair{uint64(w), uint64(i)}) {
					t.Errorf("block shared between goroutines: %v", s[0])
					return
				}
				b.Free(s)
			}
		}()
	}
	wg.Wait()
}

func TestBlocksFreeForeign(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Free of a slice Alloc did not return did not panic")
		}
	}()
	var b shadow.Blocks[pair]
	b.Free(make([]pair, 3))
}

func ExampleBlocks() {
	// A read-shared set outside the Go heap, grown one reader at a time.
	var blocks shadow.Blocks[uint64]
	readers := blocks.Alloc(2)
	for r := range uint64(6) {
		readers = blocks.Grow(readers)
		readers = append(readers, r)
	}
	fmt.Println(len(readers), cap(readers))
	blocks.Free(readers)
	// Output: 6 8
}

// Words that all grow at once, each from 4 elements to 128 one block at a
// time, reuse the blocks they outgrow: the memory taken stays near what
// the largest blocks hold, where keeping every outgrown block (4 + 8 + …
// + 64 elements per word) would take about twice it.
func TestBlocksLockstepGrowth(t *testing.T) {
	const words, final = 4096, 128
	var b shadow.Blocks[pair]
	sets := make([][]pair, words)
	for i := range sets {
		sets[i] = b.Alloc(4)
	}
	for n := range final {
		for i := range sets {
			sets[i] = b.Grow(sets[i])
			sets[i] = append(sets[i], pair{uint64(i), uint64(n)})
		}
	}
	inUse := uintptr(words * final * unsafe.Sizeof(pair{}))
	mapped := b.Mapped()
	t.Logf("in use %d bytes, mapped %d (%.2f×)", inUse, mapped, float64(mapped)/float64(inUse))
	if limit := inUse + inUse/8 + 1<<20; mapped > limit {
		t.Errorf("%d words grown to %d elements: %d bytes mapped for %d in use, want at most %d",
			words, final, mapped, inUse, limit)
	}
	for i, s := range sets {
		if len(s) != final || s[0] != (pair{uint64(i), 0}) || s[final-1] != (pair{uint64(i), final - 1}) {
			t.Fatalf("set %d after growth: len %d, first %v, last %v", i, len(s), s[0], s[len(s)-1])
		}
		b.Free(s)
	}
	// All free again, the blocks merge: as many blocks of any capacity up
	// to the block that holds a chunk's map (1024 elements of 16 bytes)
	// fit without mapping more.
	for _, c := range []int{4, 512, 1024} {
		var again [][]pair
		for range int(inUse / (uintptr(c) * unsafe.Sizeof(pair{}))) {
			again = append(again, b.Alloc(c))
		}
		if m := b.Mapped(); m != mapped {
			t.Errorf("after freeing all, blocks of %d elements took %d bytes more", c, m-mapped)
		}
		for _, s := range again {
			b.Free(s)
		}
	}
}

// Blocks of random capacities allocated and freed in random order never
// overlap, are zero when allocated, and keep what is written to them.
func TestBlocksRandom(t *testing.T) {
	var b shadow.Blocks[uint32]
	type live struct {
		s   []uint32
		tag uint32
	}
	var held []live
	seed := uint64(1)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int(seed>>33) % n
	}
	check := func(l live) {
		for j, v := range l.s[:cap(l.s)] {
			if v != l.tag {
				t.Fatalf("block tagged %d: element %d of %d is %d", l.tag, j, cap(l.s), v)
			}
		}
	}
	for i := range 20000 {
		if len(held) > 0 && rnd(2) == 0 {
			j := rnd(len(held))
			check(held[j])
			b.Free(held[j].s)
			held[j] = held[len(held)-1]
			held = held[:len(held)-1]
			continue
		}
		s := b.Alloc(1 << rnd(14))
		for j, v := range s[:cap(s)] {
			if v != 0 {
				t.Fatalf("Alloc: element %d of %d is %d, not zero", j, cap(s), v)
			}
		}
		tag := uint32(i + 1)
		s = s[:cap(s)]
		for j := range s {
			s[j] = tag
		}
		held = append(held, live{s, tag})
	}
	for _, l := range held {
		check(l)
		b.Free(l.s)
	}
}

// Blocks of several sizes, allocated, grown and freed by several
// goroutines, are never handed out twice.
func TestBlocksConcurrentSizes(t *testing.T) {
	var b shadow.Blocks[pair]
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var held [][]pair
			for i := range 3000 {
				s := b.Alloc(1 << (i % 9))
				for range cap(s) {
					s = append(s, pair{uint64(w), uint64(i)})
				}
				s = b.Grow(s)
				held = append(held, s)
				if len(held) > 16 {
					for _, h := range held {
						for _, e := range h {
							if e.a != uint64(w) {
								t.Errorf("block shared between goroutines: %v in goroutine %d's", e, w)
								return
							}
						}
						b.Free(h)
					}
					held = held[:0]
				}
			}
			for _, h := range held {
				b.Free(h)
			}
		}()
	}
	wg.Wait()
}
