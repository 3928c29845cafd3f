// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"fmt"
	"runtime/race"
	"slices"
	"strings"
	"testing"
)

// A recorder logs the calls it receives. As a batchRecorder it is an
// AccessDetector; as an rwRecorder, a ReadWriteDetector without ranges.
type recorder struct {
	log     []string
	reports []race.Report
}

func (r *recorder) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *recorder) Report() []race.Report {
	r.logf("report")
	return r.reports
}

func (r *recorder) OnAtomic(a race.AtomicAccess) {
	r.logf("g%d %v%d %#x pc=%#x", a.G.ID, a.Op, a.Width, a.Addr, a.PC)
}
func (r *recorder) OnAcquire(s race.Sync)      { r.logf("g%d acquire %#x pc=%#x", s.G.ID, s.Addr, s.PC) }
func (r *recorder) OnRelease(s race.Sync)      { r.logf("g%d release %#x", s.G.ID, s.Addr) }
func (r *recorder) OnReleaseMerge(s race.Sync) { r.logf("g%d release merge %#x", s.G.ID, s.Addr) }
func (r *recorder) OnAcquireAll(g *race.Goroutine) {
	r.logf("g%d acquire all", g.ID)
}
func (r *recorder) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if parent == nil {
		r.logf("g%d announced", child.ID)
	} else {
		r.logf("g%d go g%d pc=%#x created=%d", parent.ID, child.ID, pc, child.Created)
	}
	child.State = fmt.Sprint("state of ", child.ID)
}
func (r *recorder) OnGoEnd(g *race.Goroutine)   { r.logf("g%d end", g.ID) }
func (r *recorder) OnMalloc(addr, size uintptr) { r.logf("malloc %#x+%d", addr, size) }
func (r *recorder) OnFree(addr, size uintptr)   { r.logf("free %#x+%d", addr, size) }
func (r *recorder) OnSync(op race.SyncOp) {
	r.logf("g%d %v %#x arg=%d pc=%#x stack=%d", op.G.ID, op.Kind, op.Obj, op.Arg, op.PC, op.Stack)
}
func (r *recorder) OnTestStart(g *race.Goroutine, name string) {
	r.logf("g%d test start %s", g.ID, name)
}
func (r *recorder) OnTestEnd(g *race.Goroutine, name string) int64 {
	r.logf("g%d test end %s", g.ID, name)
	return 0
}
func (r *recorder) OnExit(g *race.Goroutine) { r.logf("g%d exit", g.ID) }
func (r *recorder) OnDeadlock(blocked []int64) {
	r.logf("deadlock %v", blocked)
}

func (r *recorder) access(a race.Access) {
	r.logf("g%d %v %#x+%d pc=%#x stack=%d", a.G.ID, a.Kind, a.Addr, a.Size, a.PC, a.Stack)
}

type batchRecorder struct{ recorder }

func (r *batchRecorder) OnAccesses(g *race.Goroutine, b race.AccessBatch) {
	r.logf("g%d batch", g.ID)
	for a := range b.All() {
		r.access(a)
	}
}
func (r *batchRecorder) OnFuncEnter(g *race.Goroutine, pc uintptr) { r.logf("g%d enter %#x", g.ID, pc) }
func (r *batchRecorder) OnFuncExit(g *race.Goroutine)              { r.logf("g%d exit func", g.ID) }

type rwRecorder struct{ recorder }

func (r *rwRecorder) OnRead(a race.Access)  { r.access(a) }
func (r *rwRecorder) OnWrite(a race.Access) { r.access(a) }

func checkLog(t *testing.T, got []string, want string) {
	t.Helper()
	if g := strings.Join(got, "\n"); g != strings.TrimSpace(want) {
		t.Errorf("calls:\n%s\nwant:\n%s", g, strings.TrimSpace(want))
	}
}

// TestBatches: accesses reach an AccessDetector in a batch per run of a
// goroutine's accesses, after its announcement and before its next event
// or another goroutine's, with their function entries and exits in place.
func TestBatches(t *testing.T) {
	d := &batchRecorder{}
	h := New(t, d)
	h.Run(
		Write(1, 0x10), ReadRange(1, 0x20, 8).At(0x99), FuncEnter(1).At(0x77), Read(1, 0x30), FuncExit(1),
		Write(2, 0x10),
		Acquire(1, 0x40),
		Read(2, 0x18), Yield(2), Read(2, 0x20),
	)
	checkLog(t, d.log, `
g1 announced
g1 batch
g1 write 0x10+1 pc=0x100000 stack=1000
g1 read range 0x20+8 pc=0x99 stack=0
g1 enter 0x77
g1 batch
g1 read 0x30+1 pc=0x100030 stack=1003
g1 exit func
g2 announced
g2 batch
g2 write 0x10+1 pc=0x100050 stack=1005
g1 acquire 0x40 pc=0x0
g2 batch
g2 read 0x18+1 pc=0x100070 stack=1007
g2 batch
g2 read 0x20+1 pc=0x100090 stack=1009
report
`)
}

// TestReadWrite: a ReadWriteDetector without RangeDetector gets ranges
// through OnRead and OnWrite.
func TestReadWrite(t *testing.T) {
	d := &rwRecorder{}
	New(t, d).Run(ReadRange(1, 0x20, 8), WriteRange(1, 0x30, 3).InStack(5))
	checkLog(t, d.log, `
g1 announced
g1 read range 0x20+8 pc=0x100000 stack=1000
g1 write range 0x30+3 pc=0x100010 stack=5
report
`)
}

// TestOperations: atomics, sync operations, goroutines, memory and tests
// arrive as the runtime delivers them, and reports are collected where
// the runtime collects them.
func TestOperations(t *testing.T) {
	d := &batchRecorder{}
	h := New(t, d)
	h.Run(
		Go(1, 2).InStack(9),
		Load(2, 0x100).Width(4),
		Add(2, 0x108),
		Store(1, 0x100).At(0x55),
		Lock(1, 0x200), Unlock(1, 0x200),
		RLock(2, 0x300), RUnlock(2, 0x300),
		WLock(1, 0x300), WUnlock(1, 0x300),
		TryLock(1, 0x200, false), TryLock(1, 0x200, true),
		TryRLock(2, 0x300, true), TryWLock(2, 0x300, false), TryWLock(2, 0x300, true),
		Sync(2, race.ChanSend, 0x400, -1).At(0x66),
		ReleaseMerge(2, 0x500), AcquireAll(1),
		Malloc(0x600, 16), Free(0x600, 16),
		TestStart(1, "TestX"), TestEnd(1, "TestX"),
		Deadlock(1, 2),
		End(2), Exit(1),
	)
	checkLog(t, d.log, `
g1 announced
g1 go g2 pc=0x100000 created=9
g2 Load4 0x100 pc=0x100010
g2 acquire 0x100 pc=0x100010
g2 Add8 0x108 pc=0x100020
g2 acquire 0x108 pc=0x100020
g2 release 0x108
g1 Store8 0x100 pc=0x55
g1 release 0x100
g1 MutexLockWait 0x200 arg=0 pc=0x100040 stack=1004
report
g1 acquire 0x200 pc=0x0
g1 MutexLock 0x200 arg=0 pc=0x100040 stack=1004
g1 MutexUnlock 0x200 arg=0 pc=0x100050 stack=1005
g1 release 0x200
g2 RWMutexRLockWait 0x300 arg=0 pc=0x100060 stack=1006
report
g2 batch
g2 read 0x300+1 pc=0x100060 stack=1006
g2 acquire 0x30c pc=0x0
g2 RWMutexRLock 0x300 arg=0 pc=0x100060 stack=1006
g2 RWMutexRUnlock 0x300 arg=0 pc=0x100070 stack=1007
g2 batch
g2 read 0x300+1 pc=0x100070 stack=1007
g2 release merge 0x308
g1 RWMutexLockWait 0x300 arg=0 pc=0x100080 stack=1008
report
g1 batch
g1 read 0x300+1 pc=0x100080 stack=1008
g1 acquire 0x30c pc=0x0
g1 acquire 0x308 pc=0x0
g1 RWMutexLock 0x300 arg=0 pc=0x100080 stack=1008
g1 RWMutexUnlock 0x300 arg=0 pc=0x100090 stack=1009
g1 batch
g1 read 0x300+1 pc=0x100090 stack=1009
g1 release 0x30c
g1 MutexTryLock 0x200 arg=0 pc=0x1000a0 stack=1010
g1 acquire 0x200 pc=0x0
g1 MutexTryLock 0x200 arg=1 pc=0x1000b0 stack=1011
g2 batch
g2 read 0x300+1 pc=0x1000c0 stack=1012
g2 acquire 0x30c pc=0x0
g2 RWMutexTryRLock 0x300 arg=1 pc=0x1000c0 stack=1012
g2 batch
g2 read 0x300+1 pc=0x1000d0 stack=1013
g2 RWMutexTryLock 0x300 arg=0 pc=0x1000d0 stack=1013
g2 batch
g2 read 0x300+1 pc=0x1000e0 stack=1014
g2 acquire 0x30c pc=0x0
g2 acquire 0x308 pc=0x0
g2 RWMutexTryLock 0x300 arg=1 pc=0x1000e0 stack=1014
g2 ChanSend 0x400 arg=-1 pc=0x66 stack=0
g2 release merge 0x500
g1 acquire all
malloc 0x600+16
free 0x600+16
report
g1 test start TestX
g1 test end TestX
report
deadlock [1 2]
report
g2 end
g1 exit
report
report
`)
	if g := h.G(2); g == nil || g.ID != 2 || g.State != "state of 2" {
		t.Errorf("G(2) = %+v, want goroutine 2 with the state the detector set", g)
	}
	if g := h.G(3); g != nil {
		t.Errorf("G(3) = %+v for a goroutine never used", g)
	}
}

// fakeTB records what a Harness reports.
type fakeTB struct{ errors []string }

func (*fakeTB) Helper() {}
func (tb *fakeTB) Errorf(format string, args ...any) {
	tb.errors = append(tb.errors, fmt.Sprintf(format, args...))
}
func (tb *fakeTB) Fatalf(format string, args ...any) { tb.Errorf(format, args...) }

type panicky struct{ recorder }

func (*panicky) OnGoEnd(*race.Goroutine)                   { panic("boom") }
func (*panicky) OnGoStart(_, _ *race.Goroutine, _ uintptr) {}

// TestMisuse: a detector's panic, a goroutine used after its End and a go
// statement starting a goroutine already used are the test's errors.
func TestMisuse(t *testing.T) {
	for _, tt := range []struct {
		name  string
		d     race.Detector
		steps []Step
		want  string
	}{
		{"Panic", &panicky{}, []Step{Acquire(1, 0x10), End(1)}, "boom"},
		{"UsedAfterEnd", &recorder{}, []Step{End(1), Write(1, 0x10)}, "goroutine 1 used after its End"},
		{"GoUsed", &recorder{}, []Step{Write(2, 0x10), Go(1, 2)}, "starts goroutine 2, already used"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tb fakeTB
			New(&tb, tt.d).Run(tt.steps...)
			if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], tt.want) || !strings.Contains(tb.errors[0], "script:\n0: ") {
				t.Errorf("errors %q, want one with %q and the script", tb.errors, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	reps := []race.Report{
		{Kind: "DATA RACE", Accesses: []race.ReportAccess{
			{Write: true, G: 2, PC: 0x20, Addr: 0x100, Size: 1, Stack: 7},
			{Previous: true, Atomic: true, G: 1, PC: 0x10, Addr: 0x100, Size: 8},
		}},
		{Kind: "POTENTIAL DEADLOCK", Accesses: []race.ReportAccess{{Verb: "Lock", G: 3}}},
	}
	for _, tt := range []struct {
		want []string
		ok   bool
	}{
		{[]string{"DATA RACE", "POTENTIAL DEADLOCK"}, true},
		{[]string{"POTENTIAL DEADLOCK", "*"}, true},
		{[]string{"*", "DATA RACE"}, true}, // "*" must not take the only data race
		{[]string{"DATA RACE: write g2 pc=0x20 addr=0x100 size=1 stack=7, previous atomic read g1 size=8", "*: lock g3"}, true},
		{[]string{"DATA RACE"}, false},
		{[]string{"DATA RACE", "DATA RACE"}, false},
		{[]string{"DATA RACE: write g2", "*"}, false},                           // not all the accesses
		{[]string{"DATA RACE: write g2, previous read g1", "*"}, false},         // not atomic
		{[]string{"DATA RACE: read g2, previous atomic read g1", "*"}, false},   // a write
		{[]string{"DATA RACE: write g2 pc=32, previous atomic g1", "*"}, true},  // decimal; any verb
		{[]string{"DATA RACE: write g2 pc=33, previous atomic g1", "*"}, false}, // PC
		{[]string{"DATA RACE: write g1, previous atomic read g1", "*"}, false},  // goroutine
		{[]string{"DATA RACE: write g2, previous atomic read g1 addr=0x101", "*"}, false},
		{[]string{"DATA RACE", "POTENTIAL DEADLOCK: unlock g3"}, false},
		{Races(2), false},
		{append(Races(1), Repeat(1, "POTENTIAL DEADLOCK")...), true},
	} {
		err := Match(reps, tt.want...)
		if (err == nil) != tt.ok {
			t.Errorf("Match(%q) = %v, want ok %v", tt.want, err, tt.ok)
		}
	}
	if err := Match(nil, "DATA RACE: write g1x"); err == nil || !strings.Contains(err.Error(), "g1x") {
		t.Errorf("bad pattern: Match = %v", err)
	}
}

func TestFormat(t *testing.T) {
	got := Format([]race.Report{{Kind: "DATA RACE", Message: "m", Goroutines: []int64{1},
		Accesses: []race.ReportAccess{{Previous: true, Atomic: true, Write: true, G: 1, PC: 0x10, Addr: 0x100, Size: 8, Stack: 3, Note: "held: mu"}}}})
	want := "DATA RACE: m\n\tprevious atomic write g1 pc=0x10 addr=0x100 size=8 stack=3 (held: mu)\n\tgoroutines [1]\n"
	if got != want {
		t.Errorf("Format =\n%q\nwant\n%q", got, want)
	}
}

func TestStepDefaults(t *testing.T) {
	d := &rwRecorder{}
	h := New(t, d)
	h.Run(Write(1, 0x10))
	h.Run(Write(1, 0x10), Write(1, 0x10).At(0x5))
	if h.Steps() != 3 {
		t.Errorf("Steps() = %d, want 3", h.Steps())
	}
	// Each Run goes on numbering the steps.
	want := []string{"g1 announced", "g1 write 0x10+1 pc=0x100000 stack=1000", "report",
		"g1 write 0x10+1 pc=0x100010 stack=1001", "g1 write 0x10+1 pc=0x5 stack=0", "report"}
	if !slices.Equal(d.log, want) {
		t.Errorf("calls %q, want %q", d.log, want)
	}
}

var sink []byte

func TestAllocs(t *testing.T) {
	setups := 0
	if n := Allocs(2, func() { setups++; sink = make([]byte, 64) }, func() {}); n != 0 {
		t.Errorf("Allocs counted %d allocations of the setup", n)
	}
	// Each attempt runs setup once a round; the runtime's own allocations
	// can spoil an attempt (more so on a loaded machine), so there may be
	// up to three.
	if setups%2 != 0 || setups < 2 || setups > 6 {
		t.Errorf("setup ran %d times, want 2, 4 or 6 (whole attempts of 2 rounds)", setups)
	}
	if n := Allocs(2, func() {}, func() { sink = make([]byte, 64) }); n < 2 {
		t.Errorf("Allocs = %d, want at least 2", n)
	}
}

// waiter asks to wait at the end of a test until it has been told twice.
type waiter struct {
	recorder
	ends int
}

func (w *waiter) OnTestEnd(g *race.Goroutine, name string) int64 {
	w.ends++
	if w.ends < 3 {
		return 1e6
	}
	return 0
}

// TestTestEndWaits: a detector that asks to wait at a test's end is told
// again until it stops asking; one that never stops is an error.
func TestTestEndWaits(t *testing.T) {
	w := &waiter{}
	New(t, w).Run(TestStart(1, "T"), TestEnd(1, "T"))
	if w.ends != 3 {
		t.Errorf("OnTestEnd called %d times, want 3", w.ends)
	}
	var tb fakeTB
	w = &waiter{ends: -1000}
	New(&tb, w).Run(TestEnd(1, "T"))
	if w.ends != -1000+maxTestEndRounds || len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "still asks to wait") {
		t.Errorf("OnTestEnd called %d times, errors %q; want %d calls and an error", w.ends+1000, tb.errors, maxTestEndRounds)
	}
}

// TestNames: named addresses in scripts and failure messages.
func TestNames(t *testing.T) {
	var tb fakeTB
	h := New(&tb, &rwRecorder{})
	h.Name(0x1000, "x")
	h.Name(0x2000, "mu")
	h.Check(h.Run(Write(1, 0x1000), ReadRange(2, 0x1008, 8).At(0x7).InStack(3), Lock(2, 0x2000), Write(1, 0x9000)), "DATA RACE")
	want := `0: g1 write x pc=0x100000 stack=1000
1: g2 read range x+0x8 size=8 pc=0x7 stack=3
2: g2 Lock mu pc=0x100020 stack=1002
3: g1 write 0x9000 pc=0x100030 stack=1003
`
	if got := h.Script(); got != want {
		t.Errorf("Script() =\n%s\nwant\n%s", got, want)
	}
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "got 0 reports, want 1") || !strings.Contains(tb.errors[0], want) {
		t.Errorf("Check's errors %q, want one with the count and the script", tb.errors)
	}
	reps := []race.Report{{Kind: "K", Accesses: []race.ReportAccess{{G: 1, Addr: 0x1010, Size: 1}}}}
	if got, want := format(reps, &h.names), "K\n\tread g1 pc=0x0 addr=0x1010 size=1 stack=0 [x+0x10]\n"; got != want {
		t.Errorf("format = %q, want %q", got, want)
	}
}

// counter reports, at each call of Report, the number of the call.
type counter struct{ calls int }

func (c *counter) Report() []race.Report {
	c.calls++
	return []race.Report{{Kind: fmt.Sprint("call ", c.calls)}}
}

// TestCollected: Run returns the reports collected during the run, in
// order, then the last call's.
func TestCollected(t *testing.T) {
	h := New(t, &counter{})
	reps := h.Run(Write(1, 0x10), Lock(1, 0x20), TestStart(1, "T"), TestEnd(1, "T"), Exit(1))
	var kinds []string
	for _, r := range reps {
		kinds = append(kinds, r.Kind)
	}
	if want := []string{"call 1", "call 2", "call 3", "call 4", "call 5"}; !slices.Equal(kinds, want) {
		t.Errorf("reports %q, want %q", kinds, want)
	}
	if reps := h.Report(); len(reps) != 1 || reps[0].Kind != "call 6" {
		t.Errorf("then Report() = %v, want only call 6", reps)
	}
}
