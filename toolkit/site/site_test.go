// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package site

import (
	"runtime"
	"runtime/race"
	"sync"
	"testing"
)

func key(i int) Key {
	// Many PCs share a stack and many stacks a PC, as in a program.
	return Key{PC: 0x400000 + uintptr(i%97)*16, Stack: race.StackID(i / 97)}
}

// TestDense checks that ids are dense from 1 in order of first sight, stable
// across the table's growth, and map back to their keys.
func TestDense(t *testing.T) {
	var tab Table
	if tab.Lookup(key(0)) != 0 || tab.Key(0) != (Key{}) || tab.Key(1) != (Key{}) || tab.KeyOf(0) != (Key{}) {
		t.Fatal("empty table knows a location")
	}
	const n = 5 * minSlots // several growths
	for i := range n {
		if id := tab.ID(key(i)); id != uint32(i+1) {
			t.Fatalf("ID(key(%d)) = %d, want %d", i, id, i+1)
		}
	}
	for i := range n {
		if id := tab.ID(key(i)); id != uint32(i+1) {
			t.Fatalf("second ID(key(%d)) = %d", i, id)
		}
		if id := tab.Lookup(key(i)); id != uint32(i+1) {
			t.Fatalf("Lookup(key(%d)) = %d", i, id)
		}
		if k := tab.Key(uint32(i + 1)); k != key(i) {
			t.Fatalf("Key(%d) = %v, want %v", i+1, k, key(i))
		}
		if k := tab.KeyOf(uint32(i + 1)); k != key(i) {
			t.Fatalf("KeyOf(%d) = %v, want %v", i+1, k, key(i))
		}
	}
	if tab.Len() != n || tab.Key(n+1) != (Key{}) || tab.Lookup(key(n)) != 0 {
		t.Errorf("Len %d, Key(n+1) %v, Lookup(new) %d", tab.Len(), tab.Key(n+1), tab.Lookup(key(n)))
	}
	if l := len(*tab.index.Load()); l < 2*n || l&(l-1) != 0 {
		t.Errorf("%d slots for %d locations", l, n)
	}
}

// TestConcurrent numbers overlapping sets of locations from several
// goroutines while the table grows: each location gets one id, which all
// goroutines see.
func TestConcurrent(t *testing.T) {
	var tab Table
	const workers, n = 4, 3000
	ids := make([][]uint32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		ids[w] = make([]uint32, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range n {
				i := (j*7 + w*n/workers) % n // each worker starts elsewhere
				ids[w][i] = tab.ID(key(i))
				// Without the lock, ordered after this ID only,
				// while others number more and the table grows.
				if k := tab.KeyOf(ids[w][i]); k != key(i) {
					t.Errorf("KeyOf(%d) = %v, want %v", ids[w][i], k, key(i))
					return
				}
			}
		}()
	}
	wg.Wait()
	if tab.Len() != n {
		t.Fatalf("%d locations numbered, want %d", tab.Len(), n)
	}
	seen := make(map[uint32]bool)
	for i := range n {
		id := ids[0][i]
		for w := 1; w < workers; w++ {
			if ids[w][i] != id {
				t.Fatalf("key(%d): ids %d and %d", i, id, ids[w][i])
			}
		}
		if id == 0 || id > n || seen[id] || tab.Key(id) != key(i) {
			t.Fatalf("key(%d): id %d (seen %v), Key %v", i, id, seen[id], tab.Key(id))
		}
		seen[id] = true
	}
}

func BenchmarkIDHit(b *testing.B) {
	var tab Table
	for i := range 1000 {
		tab.ID(key(i))
	}
	i := 0
	for b.Loop() {
		tab.ID(key(i))
		i = (i + 1) % 1000
	}
}

// TestSpread checks that keys differing only in their stack, or only in
// their PC, spread over the table: a lookup probes a few slots, not a
// cluster as long as the keys sharing a PC.
func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  func(i int) Key
	}{
		{"OnePCManyStacks", func(i int) Key { return Key{PC: 0x465a01, Stack: race.StackID(i + 1)} }},
		{"OneStackManyPCs", func(i int) Key { return Key{PC: 0x400000 + uintptr(i)*4, Stack: 7} }},
		{"StacksAFewApart", func(i int) Key { return Key{PC: 0x4e3f01, Stack: race.StackID(1 + i<<10)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tab Table
			const n = 1 << 14
			for i := range n {
				tab.ID(tc.key(i))
			}
			slots := *tab.index.Load()
			m := uintptr(len(slots) - 1)
			total, worst := 0, 0
			for i := range n {
				k := tc.key(i)
				probes := 1
				for j := hash(k) & m; *tab.key(slots[j].Load()) != k; j = (j + 1) & m {
					probes++
				}
				total += probes
				worst = max(worst, probes)
			}
			// Linear probing at load ≤ 1/2 averages 1.5 probes on a hit.
			if avg := float64(total) / n; avg > 3 || worst > 64 {
				t.Errorf("%d keys in %d slots: %.1f probes on average, %d at worst", n, len(slots), avg, worst)
			}
		})
	}
}

// TestOffHeap checks that numbering many locations leaves the Go heap
// alone: the table's memory is mapped outside it.
func TestOffHeap(t *testing.T) {
	var tab Table
	const n = 1 << 17 // 2 MiB of keys, 1 MiB of index
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		tab.ID(Key{PC: 0x400000 + uintptr(i)*4, Stack: race.StackID(i)})
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
		t.Errorf("numbering %d locations allocated %d bytes on the Go heap", n, grew)
	}
	for i := range n {
		if id := tab.Lookup(Key{PC: 0x400000 + uintptr(i)*4, Stack: race.StackID(i)}); id != uint32(i+1) {
			t.Fatalf("Lookup of location %d = %d", i, id)
		}
	}
}
