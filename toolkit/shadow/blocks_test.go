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
	for _, tc := range []struct{ n, cap int }{{0, 4}, {1, 4}, {4, 4}, {5, 8}, {9, 16}, {1000, 1024}, {70000, 131072}} {
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
