// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"runtime"
	"testing"
)

// Allocs returns how many heap allocations drop makes, run rounds times,
// each time after setup (not counted). runtime.MemStats.Mallocs counts
// every goroutine's allocations, and the runtime's own may fall in the
// measured window, whereas an allocation by the detector happens in every
// attempt: Allocs makes up to three attempts and returns 0 as soon as one
// is clean, else the count of the last one.
func Allocs(rounds int, setup, drop func()) uint64 {
	var total uint64
	for range 3 {
		total = 0
		for range rounds {
			setup()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			drop()
			runtime.ReadMemStats(&after)
			total += after.Mallocs - before.Mallocs
		}
		if total == 0 {
			return 0
		}
	}
	return total
}

// NoDropAllocs fails t if drop allocates (see Allocs): drop calls the
// detector's OnMalloc and OnFree, which run inside the allocator.
func NoDropAllocs(t testing.TB, rounds int, setup, drop func()) {
	t.Helper()
	if n := Allocs(rounds, setup, drop); n != 0 {
		t.Errorf("OnMalloc/OnFree allocated %d times", n)
	}
}
