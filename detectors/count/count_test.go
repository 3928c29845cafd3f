// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package count

import (
	"maps"
	"runtime/race"
	"testing"

	"drace/toolkit/eventtest"
)

// Interfaces the detector must implement, and one it must not.
var (
	_ race.Detector           = (*Detector)(nil)
	_ race.RangeDetector      = (*Detector)(nil)
	_ race.AtomicDetector     = (*Detector)(nil)
	_ race.SyncDetector       = (*Detector)(nil)
	_ race.GoroutineDetector  = (*Detector)(nil)
	_ race.MemoryDetector     = (*Detector)(nil)
	_ race.NativeSyncDetector = (*Detector)(nil)
	_ race.Summarizer         = (*Detector)(nil)
)

func TestNotFuncDetector(t *testing.T) {
	if _, ok := any(New()).(race.FuncDetector); ok {
		t.Error("count implements race.FuncDetector")
	}
	if Policy.Stacks {
		t.Error("Policy.Stacks is set")
	}
}

// feed sends a known stream of events to d, as the runtime delivers them,
// from goroutines 1 (started before the detector) and 2 (started by 1);
// both end.
func feed(t *testing.T, d race.Detector) {
	const a, m, c = 0x1000, 0x2000, 0x3000
	h := eventtest.New(t, d)
	h.Run(
		// Goroutine 1 is announced, then its first event, with no
		// counters yet (OnSync does not allocate them).
		eventtest.Sync(1, race.ChanMake, c, 0),
		eventtest.Read(1, a), eventtest.Read(1, a), eventtest.Read(1, a),
		eventtest.Write(1, a), eventtest.Write(1, a),
		eventtest.Go(1, 2),
		eventtest.ReadRange(2, a, 100), eventtest.WriteRange(2, a, 100), eventtest.Read(2, a),
		// Atomics, each with its acquire and/or release.
		eventtest.Load(2, a).Width(4),
		eventtest.Load(2, a),
		eventtest.CAS(2, a),
		eventtest.Add(2, a).Width(2),
		eventtest.Atomic(2, 42, a).Width(4),
		eventtest.Acquire(2, m), eventtest.Release(2, m),
		eventtest.ReleaseMerge(2, m), eventtest.ReleaseMerge(2, m),
		eventtest.Sync(2, race.MutexLockWait, m, 0),
		eventtest.Sync(2, race.MutexLock, m, 0),
		eventtest.Sync(2, race.MutexUnlock, m, 0),
		eventtest.Sync(2, race.MutexLock, m, 0),
		eventtest.Sync(2, race.MutexUnlock, m, 0),
		eventtest.Sync(2, race.CondBroadcast, m, 0),
		eventtest.Sync(2, race.SelectCase, m, 0),
		eventtest.Sync(2, 200, m, 0),
		eventtest.FuncEnter(2), eventtest.FuncExit(2),
		eventtest.End(2),
		eventtest.Malloc(0x3000, 16), eventtest.Malloc(0x3010, 16), eventtest.Free(0x3000, 16),
		eventtest.End(1),
	)
	// No event of the runtime's has no goroutine; count copes anyway.
	d.(interface{ OnWrite(race.Access) }).OnWrite(race.Access{Addr: a, Size: 1})
}

var wantCounts = map[string]int64{
	"read":                    4,
	"write":                   3,
	"read_range":              1,
	"write_range":             1,
	"atomic.Load32":           1,
	"atomic.Load64":           1,
	"atomic.CompareAndSwap64": 1,
	"atomic.Add.other_width":  1,
	"atomic.unknown32":        1,
	"acquire":                 6, // 1, and one per atomic
	"release":                 4, // 1, and one per atomic but the loads
	"release_merge":           2,
	"sync.ChanMake":           1,
	"sync.MutexLockWait":      1,
	"sync.MutexLock":          2,
	"sync.MutexUnlock":        2,
	"sync.CondBroadcast":      1,
	"sync.SelectCase":         1,
	"sync.unknown":            1,
	"go_start":                2, // goroutine 1's announcement, the go statement
	"go_end":                  2,
	"malloc":                  2,
	"free":                    1,
}

const wantSummary = `acquire                 6
atomic.Add.other_width  1
atomic.CompareAndSwap64 1
atomic.Load32           1
atomic.Load64           1
atomic.unknown32        1
free                    1
go_end                  2
go_start                2
malloc                  2
read                    4
read_range              1
release                 4
release_merge           2
sync.ChanMake           1
sync.CondBroadcast      1
sync.MutexLock          2
sync.MutexLockWait      1
sync.MutexUnlock        2
sync.SelectCase         1
sync.unknown            1
write                   3
write_range             1
`

func TestCounts(t *testing.T) {
	d := New()
	if got := d.Counts(); len(got) != 0 {
		t.Errorf("new detector: Counts() = %v, want empty", got)
	}
	if got, want := d.Summary(), "no events\n"; got != want {
		t.Errorf("new detector: Summary() = %q, want %q", got, want)
	}
	feed(t, d)
	if got := d.Counts(); !maps.Equal(got, wantCounts) {
		t.Errorf("Counts() = %v\nwant %v", got, wantCounts)
	}
	if got := d.Summary(); got != wantSummary {
		t.Errorf("Summary() =\n%s\nwant\n%s", got, wantSummary)
	}
	if r := d.Report(); r != nil {
		t.Errorf("Report() = %v, want nil", r)
	}
	if len(d.live) != 0 {
		t.Errorf("%d goroutines still have counters after ending", len(d.live))
	}
}

// TestCountsLive checks that the counts of running goroutines are included.
func TestCountsLive(t *testing.T) {
	d := New()
	h := eventtest.New(t, d)
	for g := 1; g <= 5; g++ {
		for range g {
			h.Deliver(eventtest.Write(g, 0x1000))
		}
	}
	h.Run(
		eventtest.End(2), // folds 2 writes in, removes from the middle
		eventtest.End(5), // from the end
	)
	want := map[string]int64{"write": 15, "go_start": 5, "go_end": 2}
	if got := d.Counts(); !maps.Equal(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
	if len(d.live) != 3 {
		t.Errorf("%d goroutines have counters, want 3", len(d.live))
	}
	for i, s := range d.live {
		if s.idx != i {
			t.Errorf("live[%d].idx = %d", i, s.idx)
		}
	}
	if got, want := d.Summary(), "go_end    2\ngo_start  5\nwrite    15\n"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

// TestFuncCounts: a FuncCounter counts function entries and exits too.
func TestFuncCounts(t *testing.T) {
	d := New()
	feed(t, FuncCounter{d})
	want := maps.Clone(wantCounts)
	want["func_enter"], want["func_exit"] = 1, 1
	if got := d.Counts(); !maps.Equal(got, want) {
		t.Errorf("Counts() = %v\nwant %v", got, want)
	}
}

func TestPolicyCounts(t *testing.T) {
	eventtest.NewPolicy(t, Policy).Run(eventtest.Read(1, 0x1000))
	if got, want := Counts(), map[string]int64{"read": 1, "go_start": 1}; !maps.Equal(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
}

// TestCountsConcurrent counts from real goroutines while others read the
// counts; the final counts must be exact.
func TestCountsConcurrent(t *testing.T) {
	const (
		n     = 8
		iters = 10000
	)
	d := New()
	main := &race.Goroutine{ID: 1}
	stop := make(chan bool)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				d.Counts()
				d.Summary()
			}
		}
	}()
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		for range iters {
			d.OnRead(race.Access{G: g})
			d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock})
			d.OnMalloc(0, 8)
		}
		d.OnGoEnd(g)
	})
	close(stop)
	want := map[string]int64{
		"read":           n * iters,
		"sync.MutexLock": n * iters,
		"malloc":         n * iters,
		"go_start":       n,
		"go_end":         n,
	}
	if got := d.Counts(); !maps.Equal(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
}

func BenchmarkRead(b *testing.B) {
	d := New()
	a := race.Access{G: &race.Goroutine{ID: 1}}
	for b.Loop() {
		d.OnRead(a)
	}
}

func BenchmarkReadParallel(b *testing.B) {
	d := New()
	b.RunParallel(func(pb *testing.PB) {
		a := race.Access{G: &race.Goroutine{ID: 1}}
		for pb.Next() {
			d.OnRead(a)
		}
	})
}
