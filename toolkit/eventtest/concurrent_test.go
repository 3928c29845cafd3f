// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"runtime/race"
	"slices"
	"sync"
	"testing"
)

// starts records the goroutine starts a detector is told of.
type starts struct {
	mu     sync.Mutex
	parent []int64
	child  []int64
}

func (d *starts) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.parent = append(d.parent, parent.ID)
	d.child = append(d.child, child.ID)
}
func (d *starts) OnGoEnd(*race.Goroutine) {}
func (d *starts) Report() []race.Report   { return nil }

func TestConcurrently(t *testing.T) {
	d := &starts{}
	main := &race.Goroutine{ID: 1}
	const n = 5
	// Each body waits for all the others to have started: they run at
	// once, or the test hangs.
	var all sync.WaitGroup
	all.Add(n)
	ran := make([]int64, n)
	Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		all.Done()
		all.Wait()
		ran[i] = g.ID
	})
	if want := []int64{2, 3, 4, 5, 6}; !slices.Equal(ran, want) || !slices.Equal(d.child, want) {
		t.Errorf("bodies ran as goroutines %v, starts of %v; want %v for both", ran, d.child, want)
	}
	if !slices.Equal(d.parent, []int64{1, 1, 1, 1, 1}) {
		t.Errorf("started by %v, want goroutine 1 each time", d.parent)
	}
}
