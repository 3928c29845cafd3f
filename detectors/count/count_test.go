// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package count

import (
	"maps"
	"runtime/race"
	"sync"
	"testing"
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

// feed sends a known stream of events to d, from goroutines g1 (started
// before the detector) and g2 (started by g1, which then ends).
func feed(d *Detector) {
	g1 := &race.Goroutine{ID: 1}
	g2 := &race.Goroutine{ID: 2}
	acc := func(g *race.Goroutine) race.Access { return race.Access{G: g, Addr: 0x1000, Size: 1} }
	d.OnSync(race.SyncOp{G: g1, Kind: race.ChanMake}) // before g1 has counters
	for range 3 {
		d.OnRead(acc(g1))
	}
	d.OnWrite(acc(g1))
	d.OnWrite(acc(g1))
	d.OnGoStart(g1, g2, 0)
	d.OnReadRange(race.Access{G: g2, Addr: 0x1000, Size: 100})
	d.OnWriteRange(race.Access{G: g2, Addr: 0x1000, Size: 100})
	d.OnRead(acc(g2))
	d.OnAtomic(race.AtomicAccess{Access: acc(g2), Op: race.AtomicLoad, Width: 4})
	d.OnAtomic(race.AtomicAccess{Access: acc(g2), Op: race.AtomicLoad, Width: 8})
	d.OnAtomic(race.AtomicAccess{Access: acc(g2), Op: race.AtomicCompareAndSwap, Width: 8})
	d.OnAtomic(race.AtomicAccess{Access: acc(g2), Op: race.AtomicAdd, Width: 2})
	d.OnAtomic(race.AtomicAccess{Access: acc(g2), Op: 42, Width: 4})
	d.OnAcquire(race.Sync{G: g2, Addr: 0x2000})
	d.OnRelease(race.Sync{G: g2, Addr: 0x2000})
	d.OnReleaseMerge(race.Sync{G: g2, Addr: 0x2000})
	d.OnReleaseMerge(race.Sync{G: g2, Addr: 0x2000})
	for _, k := range []race.SyncKind{race.MutexLockWait, race.MutexLock, race.MutexUnlock, race.MutexLock, race.MutexUnlock, race.CondBroadcast, 200} {
		d.OnSync(race.SyncOp{G: g2, Kind: k})
	}
	d.OnGoEnd(g2)
	d.OnWrite(acc(nil)) // no goroutine
	d.OnMalloc(0x3000, 16)
	d.OnMalloc(0x3010, 16)
	d.OnFree(0x3000, 16)
	d.OnGoEnd(g1)
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
	"acquire":                 1,
	"release":                 1,
	"release_merge":           2,
	"sync.ChanMake":           1,
	"sync.MutexLockWait":      1,
	"sync.MutexLock":          2,
	"sync.MutexUnlock":        2,
	"sync.CondBroadcast":      1,
	"sync.unknown":            1,
	"go_start":                1,
	"go_end":                  2,
	"malloc":                  2,
	"free":                    1,
}

const wantSummary = `acquire                 1
atomic.Add.other_width  1
atomic.CompareAndSwap64 1
atomic.Load32           1
atomic.Load64           1
atomic.unknown32        1
free                    1
go_end                  2
go_start                1
malloc                  2
read                    4
read_range              1
release                 1
release_merge           2
sync.ChanMake           1
sync.CondBroadcast      1
sync.MutexLock          2
sync.MutexLockWait      1
sync.MutexUnlock        2
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
	feed(d)
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
	gs := make([]*race.Goroutine, 5)
	for i := range gs {
		gs[i] = &race.Goroutine{ID: int64(i + 1)}
		for range i + 1 {
			d.OnWrite(race.Access{G: gs[i]})
		}
	}
	d.OnGoEnd(gs[1]) // folds 2 writes in, removes from the middle
	d.OnGoEnd(gs[4]) // from the end
	want := map[string]int64{"write": 15, "go_end": 2}
	if got := d.Counts(); !maps.Equal(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
	for i, s := range d.live {
		if s.idx != i {
			t.Errorf("live[%d].idx = %d", i, s.idx)
		}
	}
	if got, want := d.Summary(), "go_end  2\nwrite  15\n"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestPolicyCounts(t *testing.T) {
	d := Policy.New().(*Detector)
	d.OnRead(race.Access{G: &race.Goroutine{ID: 1}})
	if got, want := Counts(), map[string]int64{"read": 1}; !maps.Equal(got, want) {
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
	var wg sync.WaitGroup
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
	for i := range n {
		g := &race.Goroutine{ID: int64(i + 2)}
		d.OnGoStart(main, g, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range iters {
				d.OnRead(race.Access{G: g})
				d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock})
				d.OnMalloc(0, 8)
			}
			d.OnGoEnd(g)
		}()
	}
	wg.Wait()
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
