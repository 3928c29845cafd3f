// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"runtime/race"
	"sync"
)

// Concurrently calls body(i, g) for i from 0 to n-1 on goroutines of the
// test's own, all running at once, with g a race.Goroutine of ID i+2 that
// parent started (d's OnGoStart, in order of i, when d is a
// race.GoroutineDetector), and returns when they all have. Unlike a
// Harness's script, whose steps arrive one at a time, the bodies call the
// detector's methods directly and at the same time, as a running program's
// goroutines do: it tests a detector's own locking and lock-free paths.
func Concurrently(d race.Detector, parent *race.Goroutine, n int, body func(i int, g *race.Goroutine)) {
	starts, _ := d.(race.GoroutineDetector)
	var wg sync.WaitGroup
	for i := range n {
		g := &race.Goroutine{ID: int64(i + 2)}
		if starts != nil {
			starts.OnGoStart(parent, g, 0)
		}
		wg.Go(func() { body(i, g) })
	}
	wg.Wait()
}
