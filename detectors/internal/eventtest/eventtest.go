// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package eventtest holds what the detectors' unit tests share to drive a
// detector with synthetic event streams: the goroutines of a stream, the
// formatting of reports for failure messages, and the check that
// OnMalloc and OnFree do not allocate.
//
// Only tests import it. Installed in the patched GOROOT, its import path
// is runtime/race/detectors/internal/eventtest.
package eventtest

import (
	"fmt"
	"runtime"
	"runtime/race"
	"strings"
	"testing"
)

// Goroutines are the goroutines of a synthetic event stream by number; a
// goroutine's number is also its ID.
type Goroutines map[int]*race.Goroutine

// G returns goroutine i, creating it on first use (with no detector
// state: for the detector, a goroutine that started before it).
func (gs Goroutines) G(i int) *race.Goroutine {
	g := gs[i]
	if g == nil {
		g = &race.Goroutine{ID: int64(i)}
		gs[i] = g
	}
	return g
}

// Format formats reports for a test's failure message: a line "Kind:
// Message" per report, then a line per access.
func Format(reps []race.Report) string {
	var b strings.Builder
	for _, r := range reps {
		fmt.Fprintf(&b, "%s: %s\n", r.Kind, r.Message)
		for _, a := range r.Accesses {
			fmt.Fprintf(&b, "\t%+v\n", a)
		}
	}
	return b.String()
}

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
