// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package recycle

import (
	"sync"
	"testing"
)

func TestBin(t *testing.T) {
	var b Bin[int]
	if b.Put(new(int)) {
		t.Fatal("the zero Bin kept a value")
	}
	b.Max = 2
	x, y, z := new(int), new(int), new(int)
	if !b.Put(x) || !b.Put(y) {
		t.Fatal("a Bin with room refused a value")
	}
	if b.Put(z) {
		t.Fatal("a full Bin kept a third value")
	}
	if got := b.Get(); got != y {
		t.Errorf("Get = %p, want the last kept %p", got, y)
	}
	if got := b.Get(); got != x {
		t.Errorf("Get = %p, want %p", got, x)
	}
	if got := b.Get(); got != nil {
		t.Errorf("Get of an empty Bin = %p, want nil", got)
	}
	if b.Len() != 0 {
		t.Errorf("Len = %d after every value was taken", b.Len())
	}
}

// TestBinConcurrent: values put and taken from several goroutines at once
// are each given to one taker only, and the Bin never holds more than Max.
func TestBinConcurrent(t *testing.T) {
	b := Bin[int]{Max: 8}
	const workers, rounds = 4, 2000
	var mu sync.Mutex
	owned := make(map[*int]bool)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				x := b.Get()
				if x == nil {
					x = new(int)
				}
				mu.Lock()
				if owned[x] {
					t.Errorf("%p given to two owners", x)
				}
				owned[x] = true
				mu.Unlock()
				if n := b.Len(); n > b.Max {
					t.Errorf("Len = %d > Max %d", n, b.Max)
				}
				mu.Lock()
				owned[x] = false
				mu.Unlock()
				b.Put(x)
			}
		}()
	}
	wg.Wait()
}
