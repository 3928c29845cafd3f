// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockset

import (
	"fmt"
	"reflect"
	"runtime"
	"runtime/race"
	"slices"
	"strings"
	"sync"
	"testing"

	"drace/toolkit/eventtest"
	"drace/toolkit/site"
)

// Interfaces the detector must implement.
var (
	_ race.Detector           = (*detector)(nil)
	_ race.RangeDetector      = (*detector)(nil)
	_ race.GoroutineDetector  = (*detector)(nil)
	_ race.MemoryDetector     = (*detector)(nil)
	_ race.NativeSyncDetector = (*detector)(nil)
)

// The steps of the scripts, by short names. Lock, RLock and the others are
// whole sync operations, delivered as package sync delivers them: the
// native operation, its edges and, for an RWMutex, its read of the mutex.
var (
	R       = eventtest.Read
	W       = eventtest.Write
	RR      = eventtest.ReadRange
	WR      = eventtest.WriteRange
	Lock    = eventtest.Lock
	Unlock  = eventtest.Unlock
	WLock   = eventtest.WLock
	WUnlock = eventtest.WUnlock
	RLock   = eventtest.RLock
	RUnlock = eventtest.RUnlock
	TryLock = eventtest.TryLock
	Fork    = eventtest.Go
	End     = eventtest.End
	Malloc  = eventtest.Malloc
	Free    = eventtest.Free
)

type ev = eventtest.Step

// Sync is a native sync operation alone, without its edges.
func Sync(g int, k race.SyncKind, m uintptr) ev { return eventtest.Sync(g, k, m, 0) }

// then returns e followed by more.
func then(e ev, more ...ev) []ev { return append([]ev{e}, more...) }

// A harness feeds d synthetic events as the runtime delivers them.
type harness struct {
	*eventtest.Harness
	d *detector
}

func newHarness(t testing.TB) harness {
	d := newDetector()
	return harness{eventtest.New(t, d), d}
}

const (
	x  = uintptr(0xc000010000) // page-aligned
	y  = x + 0x100
	m1 = uintptr(0xc000020008)
	m2 = m1 + 0x40
	rw = uintptr(0xc000020100)
	pg = uintptr(4096)
)

// locked wraps accesses in Lock/Unlock of m by g.
func locked(g int, m uintptr, evs ...ev) []ev {
	return append(append([]ev{Lock(g, m)}, evs...), Unlock(g, m))
}

func cat(parts ...[]ev) []ev {
	var all []ev
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

type scriptTest struct {
	name string
	evs  []ev
	want int // number of reports
}

var raceTests = []scriptTest{
	{"UnlockedWrites", []ev{W(1, x), W(2, x)}, 1},
	{"LockedThenUnlocked", cat(locked(1, m1, W(1, x)), then(W(2, x))), 1},
	// An unlocked read makes C(v) empty; the next write reports.
	{"UnlockedReadThenLockedWrite", cat(locked(1, m1, W(1, x)), then(R(2, x)), locked(1, m1, W(1, x))), 1},
	// Ordered by the lock itself: a happens-before detector is silent.
	{"OrderedByTheLock", cat(locked(1, m1, W(1, x)), locked(2, m1), then(W(2, x))), 1},
	{"DifferentLocks", cat(locked(1, m1, W(1, x)), locked(2, m2, W(2, x)), locked(1, m1, W(1, x))), 1},
	{"ReadSharedThenWrite", []ev{R(1, x), R(2, x), W(3, x)}, 1},
	{"OwnerWritesAfterShared", []ev{W(1, x), R(2, x), W(1, x)}, 1},
	{"LockedUntilOneUnlocked", cat(
		locked(1, m1, W(1, x)), locked(2, m1, W(2, x)), locked(3, m1, R(3, x)), then(R(2, x))), 1},
	// A write needs the RWMutex in write mode.
	{"WriteUnderReadLock", cat(
		[]ev{WLock(1, rw), W(1, x), WUnlock(1, rw)},
		[]ev{RLock(2, rw), W(2, x), RUnlock(2, rw)}), 1},
	{"ReadLockedWrites", cat(
		[]ev{RLock(1, rw), W(1, x), RUnlock(1, rw)},
		[]ev{RLock(2, rw), W(2, x), RUnlock(2, rw)}), 1},
	{"FailedTryLock", cat(locked(2, m1, W(2, x)), []ev{TryLock(1, m1, false), W(1, x)}), 1},
	{"LockWaitIsNotHeld", cat(locked(2, m1, W(2, x)), []ev{Sync(1, race.MutexLockWait, m1), W(1, x)}), 1},
	{"UnlockedOutOfOrder", cat(
		locked(1, m1, W(1, x)),
		[]ev{Lock(2, m1), Lock(2, m2), Unlock(2, m1), W(2, x), Unlock(2, m2)},
		locked(1, m1, W(1, x))), 1},
	// Goroutine 2 unlocks the mutex goroutine 1 locked: 1 no longer
	// holds it.
	{"ForeignUnlock", cat(
		locked(3, m1, W(3, x)),
		[]ev{Lock(1, m1), Unlock(2, m1), W(1, x)}), 1},
	{"RangeOverField", cat(locked(1, m1, W(1, x+3)), locked(2, m1, W(2, x+3)), then(WR(3, x, 16))), 1},
	{"FieldUnderRange", cat(locked(1, m1, WR(1, x, 64)), then(W(2, x+20))), 1},
	{"RangeAcrossPages", cat(locked(1, m1, WR(1, x+pg-8, 16)), then(W(2, x+pg+2))), 1},
	{"ChildDoesNotInheritLocks", cat([]ev{Lock(1, m1), W(1, x), Fork(1, 2), W(2, x)}), 1},
	// The exclusive state tolerates the first goroutine's unlocked
	// accesses, but not once the variable is shared.
	{"UnlockedAgainAfterShared", cat(then(W(1, x)), locked(2, m1, W(2, x)), then(W(1, x))), 1},
	{"EndedGoroutine", []ev{W(1, x), End(1), W(2, x)}, 1},
	// Two variables, each reported.
	{"TwoVariables", []ev{W(1, x), W(1, y), W(2, x), W(2, y)}, 2},
	// Ranges over whole pages (one entry per page, shadow.Uniform)
	// report as word by word: a word of the page, a shared page's
	// history copied to its words, the page's entry alone.
	{"UniformRangeThenWord", cat(
		locked(1, m1, WR(1, x, 2*pg)), locked(2, m2, W(2, x+pg+8)), locked(1, m1, W(1, x+pg+8))), 1},
	{"UniformSharedThenWord", []ev{WR(1, x, 2*pg), RR(2, x, 2*pg), W(3, x+pg+8)}, 1},
	{"UniformRangesDifferentLocks", cat(
		locked(1, m1, WR(1, x, pg)), locked(2, m2, WR(2, x, pg)), locked(1, m1, WR(1, x, pg))), 1},
	// A small object allocated in a uniform page ends that page's
	// entry only.
	{"UniformPartMalloc", []ev{WR(1, x, 2*pg), Malloc(x+64, 32), W(2, x+64), W(2, x+pg+8)}, 1},
}

var noRaceTests = []scriptTest{
	{"SameGoroutine", []ev{W(1, x), R(1, x), WR(1, x, 64), RR(1, x, 8)}, 0},
	{"ConsistentMutex", cat(
		locked(1, m1, R(1, x), W(1, x)), locked(2, m1, R(2, x), W(2, x)), locked(3, m1, R(3, x))), 0},
	{"ReadOnlyShared", []ev{W(1, x), R(2, x), R(3, x), R(1, x)}, 0},
	// Initialised without a lock, then locked by everyone (the
	// exclusive state).
	{"InitialisedThenLocked", cat(then(W(1, x)), locked(1, m1, W(1, x)), locked(2, m1, W(2, x))), 0},
	{"RWMutex", cat(
		[]ev{WLock(1, rw), W(1, x), WUnlock(1, rw)},
		[]ev{RLock(2, rw), R(2, x), RUnlock(2, rw)},
		[]ev{RLock(3, rw), R(3, x), RUnlock(3, rw)},
		[]ev{WLock(3, rw), W(3, x), R(3, x), WUnlock(3, rw)}), 0},
	{"OneCommonLock", cat(
		[]ev{Lock(1, m1), Lock(1, m2), W(1, x), Unlock(1, m2), Unlock(1, m1)},
		locked(2, m2, W(2, x)), locked(3, m2, R(3, x))), 0},
	{"AdjacentFieldsOwnLocks", cat(
		locked(1, m1, W(1, x)), locked(1, m2, W(1, x+1)),
		locked(2, m1, W(2, x)), locked(2, m2, W(2, x+1))), 0},
	{"NestedReadLocks", cat(
		[]ev{WLock(1, rw), W(1, x), WUnlock(1, rw)},
		[]ev{RLock(2, rw), RLock(2, rw), RUnlock(2, rw), R(2, x), RUnlock(2, rw)},
		[]ev{WLock(3, rw), W(3, x), WUnlock(3, rw)}), 0},
	{"TryLock", cat(
		locked(1, m1, W(1, x)), []ev{TryLock(2, m1, true), W(2, x), Unlock(2, m1)}), 0},
	{"UnlockedOutOfOrder", cat(
		locked(1, m2, W(1, x)),
		[]ev{Lock(2, m1), Lock(2, m2), Unlock(2, m1), W(2, x), Unlock(2, m2)}), 0},
	// A foreign unlock does not take the lock from its next holder.
	{"ForeignUnlockThenRelocked", cat(
		[]ev{Lock(1, m1), Unlock(2, m1)},
		locked(3, m1, W(3, x)), locked(4, m1, W(4, x))), 0},
	// Memory allocated again is virgin (the runtime announces memory used
	// again with OnMalloc, not OnFree).
	{"MallocClears", []ev{W(1, x), Malloc(x, 8), W(2, x)}, 0},
	{"MallocClearsRange", []ev{W(1, x), W(1, y+pg), Malloc(x, pg+0x200), W(2, x), W(2, y+pg)}, 0},
	{"MallocClearsShared", []ev{W(1, x), R(2, x), Malloc(x, 8), W(2, x), W(3, x+1), Malloc(x, 8), W(1, x)}, 0},
	{"MallocUnalignedWord", []ev{W(1, x+3), Malloc(x+2, 4), W(2, x+3)}, 0},
	{"MallocHugeRange", []ev{W(1, x), W(1, y+5*pg), Malloc(x-1<<30, 2<<30), W(2, x), W(2, y+5*pg)}, 0},
	{"AdjacentPages", []ev{WR(1, x, pg), WR(2, x+pg, pg)}, 0},
	// The twins of the uniform races.
	{"UniformConsistentMutex", cat(
		locked(1, m1, WR(1, x, 2*pg)), locked(2, m1, W(2, x+pg+8), RR(2, x, 2*pg)), locked(3, m1, R(3, x+8))), 0},
	{"UniformReadOnlyShared", []ev{WR(1, x, 2*pg), RR(2, x, 2*pg), RR(3, x, 2*pg), R(1, x+pg+8)}, 0},
	{"UniformMallocClears", []ev{WR(1, x, 2*pg), Malloc(x, 2*pg), W(2, x+8), WR(2, x, 2*pg)}, 0},

	// Eraser's known misses. An unlocked read by a second goroutine
	// only makes the variable shared.
	{"MissUnlockedReadOnce", cat(locked(1, m1, R(1, x), W(1, x)), then(R(2, x))), 0},
	// The owner's accesses before a second goroutine comes are not
	// checked: C(v) starts with the second goroutine's locks.
	{"MissUnlockedOwner", cat(then(W(1, x)), locked(2, m1, W(2, x))), 0},
	{"MissDifferentLocksOnce", cat(locked(1, m1, W(1, x)), locked(2, m2, W(2, x))), 0},
}

func runTable(t *testing.T, tests []scriptTest) {
	t.Helper()
	var cases []eventtest.Case
	for _, tt := range tests {
		cases = append(cases, eventtest.Case{Name: tt.name, Steps: tt.evs, Want: eventtest.Races(tt.want)})
	}
	eventtest.RunCases(t, func() race.Detector { return newDetector() }, cases)
}

func TestRace(t *testing.T)   { runTable(t, raceTests) }
func TestNoRace(t *testing.T) { runTable(t, noRaceTests) }

// TestRaceReportContents checks a report's accesses, their notes and the
// message.
func TestRaceReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(
		Lock(1, m1), RLock(1, rw), W(1, x+2), RUnlock(1, rw), Unlock(1, m1), // 0-4
		RLock(2, rw), R(2, x+2), // 5-6: shared, C = {rw}
		W(3, x+2), // 7: shared-modified, C = {}
		RUnlock(2, rw),
	)
	if len(reps) != 1 {
		t.Fatalf("got %d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
	}
	r := reps[0]
	want := []race.ReportAccess{
		{Write: true, Addr: x + 2, Size: 1, G: 3, Stack: eventtest.Stack(7), PC: eventtest.PC(7), Note: "Locks held: none"},
		// The most recent conflicting access by another goroutine:
		// goroutine 2's read, after goroutine 1's write.
		{Previous: true, Addr: x + 2, Size: 1, G: 2, Stack: eventtest.Stack(6), PC: eventtest.PC(6),
			Note: fmt.Sprintf("Locks held: RWMutex %#x (read)", rw)},
	}
	if r.Kind != "DATA RACE" || !reflect.DeepEqual(r.Accesses, want) {
		t.Errorf("got\n%s\nwant accesses\n%+v", eventtest.Format(reps), want)
	}
	if !strings.HasPrefix(r.Message, fmt.Sprintf("lockset: no common lock protects the variable at %#x", x+2)) {
		t.Errorf("message %q", r.Message)
	}

	// A read emptying C(v): the previous access is the other goroutine's
	// write, not the same goroutine's.
	reps = h.Run(W(1, y), Lock(2, m2), R(2, y), W(2, y), Unlock(2, m2), R(1, y))
	if len(reps) != 1 {
		t.Fatalf("got %d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
	}
	cur, prev := reps[0].Accesses[0], reps[0].Accesses[1]
	if cur.G != 1 || cur.Write || prev.G != 2 || !prev.Write || prev.Note != fmt.Sprintf("Locks held: Mutex %#x (write)", m2) {
		t.Errorf("got\n%s\nwant goroutine 1's read and goroutine 2's locked write", eventtest.Format(reps))
	}
}

// TestRaceReportLatestConflict checks that a write's report pairs it
// with the latest conflicting access by another goroutine, read or write:
// a map initialised and then read by one goroutine, and written by
// another, is reported with the read.
func TestRaceReportLatestConflict(t *testing.T) {
	for _, tt := range []struct {
		name      string
		evs       []ev
		prevG     int
		prevWrite bool
		prevPC    uintptr
	}{
		{"write, read, other's write", []ev{W(1, x), R(1, x), W(2, x)}, 1, false, eventtest.PC(1)},
		{"read, write, other's write", []ev{R(1, x), W(1, x), W(2, x)}, 1, true, eventtest.PC(1)},
		// A repeat in one batch at another line is the latest access.
		{"write, write elsewhere, other's write", []ev{W(1, x), W(1, x), W(2, x)}, 1, true, eventtest.PC(1)},
		{"write, other's read, third's write", []ev{W(1, x), R(2, x), W(3, x)}, 2, false, eventtest.PC(1)},
		// A read conflicts with writes only: the write, not the later read.
		{"read after write and read", cat(locked(2, m1, W(2, x)), locked(1, m1, W(1, x), R(1, x)), []ev{R(3, x)}), 1, true, eventtest.PC(4)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reps := newHarness(t).Run(tt.evs...)
			if len(reps) != 1 || len(reps[0].Accesses) != 2 {
				t.Fatalf("got %d reports, want 1 with two accesses:\n%s", len(reps), eventtest.Format(reps))
			}
			p := reps[0].Accesses[1]
			if p.G != int64(tt.prevG) || p.Write != tt.prevWrite || p.PC != tt.prevPC {
				t.Errorf("previous access: goroutine %d write %v pc %#x, want goroutine %d write %v pc %#x\n%s",
					p.G, p.Write, p.PC, tt.prevG, tt.prevWrite, tt.prevPC, eventtest.Format(reps))
			}
		})
	}
}

// TestTwoVariablesPerWord checks what the bounded shadow loses: a word
// keeps the cells of two variables. A third span accessed by the owner of
// an exclusive cell joins that cell (a buffer filled byte by byte), which
// can merge variables guarded by different locks; any other third span is
// not checked.
func TestTwoVariablesPerWord(t *testing.T) {
	for _, tt := range []struct {
		name string
		evs  []ev
		want int
	}{
		// Two adjacent fields, each with its own lock: kept apart.
		{"TwoFieldsOwnLocks", cat(
			locked(1, m1, W(1, x)), locked(1, m2, W(1, x+1)),
			locked(2, m1, W(2, x)), locked(2, m2, W(2, x+1))), 0},
		// The owner's third byte joins its nearest cell, which then races.
		{"OwnerBytesMerged", []ev{W(1, x), W(1, x+1), W(1, x+2), W(2, x+2)}, 1},
		// Merged, x+1 and x+2 are one variable: goroutine 2 guards x+1
		// with m1, goroutine 3 guards x+2 with m2, and that is reported.
		{"MergedFieldsFalsePositive", cat(
			[]ev{W(1, x), W(1, x+1), W(1, x+2)},
			locked(2, m1, W(2, x+1)), locked(3, m2, W(3, x+2))), 1},
		// x stays apart.
		{"UnmergedFieldApart", cat(
			[]ev{W(1, x), W(1, x+1), W(1, x+2)},
			locked(2, m1, W(2, x)), locked(3, m2, W(3, x+2))), 0},
		// Both cells shared: a third variable is not checked.
		{"ThirdVariableMissed", cat(
			[]ev{W(1, x), W(2, x), W(1, x+1), W(2, x+1)},
			[]ev{W(1, x+4), W(2, x+4)}), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if reps := newHarness(t).Run(tt.evs...); len(reps) != tt.want {
				t.Errorf("got %d reports, want %d:\n%s", len(reps), tt.want, eventtest.Format(reps))
			}
		})
	}
}

// TestRaceReportedTwice: a variable is reported at the access that empties
// its lock set (goroutine 2's write, paired with goroutine 1's), and once
// more at goroutine 1's next access; no more.
func TestRaceReportedTwice(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(W(1, x), W(2, x), W(3, x), R(1, x), W(1, x), W(2, x), WR(4, x, 8))
	if len(reps) != 2 {
		t.Fatalf("got %d reports, want 2:\n%s", len(reps), eventtest.Format(reps))
	}
	for i, want := range [][2]int64{{2, 1}, {1, 3}} {
		if a := reps[i].Accesses; len(a) != 2 || a[0].G != want[0] || a[1].G != want[1] {
			t.Errorf("report %d pairs %+v, want goroutines %d and (previous) %d", i, a, want[0], want[1])
		}
	}
	if reps := h.d.Report(); reps != nil {
		t.Errorf("second Report() = %v, want nil", reps)
	}
	// Allocated again, it is a new variable.
	if reps := h.Run(Malloc(x, 8), W(1, x), W(2, x)); len(reps) != 1 {
		t.Errorf("after free: got %d reports, want 1", len(reps))
	}
}

// TestNoRaceHeldSetsShared checks that a goroutine locking and unlocking
// the same locks again and again reuses its held sets.
func TestNoRaceHeldSetsShared(t *testing.T) {
	h := newHarness(t)
	h.Run(Lock(1, m1), RLock(1, rw), RUnlock(1, rw), Unlock(1, m1))
	// The round's calls as the harness makes them, made directly: the
	// harness allocates for itself.
	g := h.G(1)
	op := func(k race.SyncKind, m uintptr) { h.d.OnSync(race.SyncOp{G: g, Kind: k, Obj: m}) }
	allocs := testing.AllocsPerRun(100, func() {
		op(race.MutexLockWait, m1)
		op(race.MutexLock, m1)
		op(race.RWMutexRLockWait, rw)
		h.d.OnRead(race.Access{G: g, Addr: rw, Size: 1})
		op(race.RWMutexRLock, rw)
		h.d.OnWrite(race.Access{G: g, Addr: x, Size: 1})
		op(race.RWMutexRUnlock, rw)
		h.d.OnRead(race.Access{G: g, Addr: rw, Size: 1})
		op(race.MutexUnlock, m1)
		h.d.Report()
	})
	if allocs > 0 {
		t.Errorf("%v allocations per lock/unlock round", allocs)
	}
	if g := h.G(1).State.(*gstate); g.held.Set() != 0 || len(g.owned) != 0 {
		t.Errorf("after unlocking: held %v, owned %v", g.held.Locks(), g.owned)
	}
}

// TestMallocDoesNotAllocate checks that OnMalloc and OnFree do not allocate,
// whatever they drop.
func TestMallocDoesNotAllocate(t *testing.T) {
	h := newHarness(t)
	setup := cat(
		locked(1, m1, WR(1, x, 2*pg), W(1, x+3*pg+5)), []ev{W(2, x+3*pg+5), R(2, x+3*pg+6)},
		[]ev{Lock(1, m2), Unlock(2, m2)}, // a foreign-unlock record
	)
	eventtest.NoDropAllocs(t, 1, func() { h.Run(setup...) }, func() {
		h.d.OnMalloc(x+3*pg+4, 2) // clips the shared variable at x+3*pg+5
		h.d.OnFree(x+3*pg+4, 2)
		h.d.OnFree(x+8, 8)
		h.d.OnMalloc(x, 2*pg)
		h.d.OnFree(m2&^(pg-1), pg)
		h.d.OnMalloc(x-1<<30, 2<<30)
		h.d.OnFree(^uintptr(0)-pg, 2*pg)
	})
	if n := h.d.hist.inUse(); n != 0 {
		t.Errorf("%d histories left", n)
	}
	if len(h.d.unlocks) != 0 {
		t.Errorf("foreign unlocks of freed locks kept: %v", h.d.unlocks)
	}
}

//go:noinline
func userFunc() {}

// TestRuntimeAccessIsCallers checks that the detector leaves the standard
// library's accesses alone, and that an access whose PC is in the runtime
// (a map or channel operation: runtime.mapassign and friends, which pass
// the function's own PC and push the caller's) counts as its first
// caller's outside the runtime, found from its stack: two goroutines
// writing a map with no lock through the runtime race; through the
// standard library they do not.
func TestRuntimeAccessIsCallers(t *testing.T) {
	goroot := race.GOROOT()
	if goroot == "" {
		t.Skip("built with -trimpath")
	}
	userPC := reflect.ValueOf(userFunc).Pointer() + 1
	if f := runtime.FuncForPC(userPC - 1); f != nil {
		if file, _ := f.FileLine(f.Entry()); strings.HasPrefix(file, goroot+"/src/") {
			t.Skip("installed in GOROOT: this package's code is the standard library's")
		}
	}
	rtPC := reflect.ValueOf(runtime.GC).Pointer() + 1       // a runtime function, as racereadpc passes it
	rtPC2 := reflect.ValueOf(runtime.Gosched).Pointer() + 1 // another one, its caller
	stdPC := reflect.ValueOf(strings.ToUpper).Pointer() + 1 // a std caller
	frames := map[race.StackID][]uintptr{
		1: {userPC},               // a map operation in user code
		2: {stdPC, userPC},        // one in the standard library, called from user code
		3: {rtPC2, userPC},        // runtime code calling runtime code for user code
		4: {rtPC2},                // the runtime's own
		5: {rtPC2, stdPC, userPC}, // runtime for std for user
	}
	eventtest.SetHost(t, &eventtest.Host{Root: goroot, Stacks: frames})

	d := newDetector()
	for range 2 { // computed, then cached
		for stack, want := range map[race.StackID]bool{0: true, 1: false, 2: true, 3: false, 4: true, 5: true} {
			if got := d.std(rtPC-1, stack); got != want {
				t.Errorf("runtime PC with stack %d %v: std = %v, want %v", stack, frames[stack], got, want)
			}
		}
		if d.std(stdPC-1, 1) != true || d.std(userPC-1, 2) != false {
			t.Errorf("a PC outside the runtime: its stack decided")
		}
		if d.std(eventtest.PC(1), 0) {
			t.Errorf("a PC of no function is std")
		}
	}
	for _, tt := range []struct {
		stack race.StackID
		want  int
	}{{1, 1}, {3, 1}, {2, 0}, {4, 0}} {
		d := newDetector()
		g1, g2 := &race.Goroutine{ID: 1}, &race.Goroutine{ID: 2}
		d.OnWrite(race.Access{G: g1, Addr: x, Size: 1, PC: rtPC - 1, Stack: tt.stack})
		d.OnWrite(race.Access{G: g2, Addr: x, Size: 1, PC: rtPC - 1, Stack: tt.stack})
		if reps := d.Report(); len(reps) != tt.want {
			t.Errorf("map writes from stack %v: %d reports, want %d:\n%s", frames[tt.stack], len(reps), tt.want, eventtest.Format(reps))
		}
	}
}

// TestNoRaceConcurrent runs the detector from real goroutines that lock a
// real mutex around a shared counter, and a real RWMutex around a shared
// table, while others free unrelated memory and drain reports. It must
// report nothing (and, under -race, have no race itself).
func TestNoRaceConcurrent(t *testing.T) {
	const (
		n     = 6
		iters = 1500
	)
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	var mu sync.Mutex
	var rwmu sync.RWMutex
	var repMu sync.Mutex
	var reports []race.Report
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		pc := uintptr(0x1000 + i)
		acc := func(addr uintptr, write bool) {
			a := race.Access{G: g, Addr: addr, Size: 1, PC: pc}
			if write {
				d.OnWrite(a)
			} else {
				d.OnRead(a)
			}
		}
		sync := func(k race.SyncKind, m uintptr) { d.OnSync(race.SyncOp{G: g, Kind: k, Obj: m, PC: pc}) }
		own := x + 16*pg + uintptr(i)*pg
		for j := range iters {
			mu.Lock()
			sync(race.MutexLock, m1)
			acc(x, false)
			acc(x, true)
			sync(race.MutexUnlock, m1)
			mu.Unlock()
			if j%4 == 0 {
				rwmu.Lock()
				sync(race.RWMutexLock, rw)
				acc(y+uintptr(j%32)*8, true)
				sync(race.RWMutexUnlock, rw)
				rwmu.Unlock()
			} else {
				rwmu.RLock()
				sync(race.RWMutexRLock, rw)
				acc(y+uintptr(j%32)*8, false)
				sync(race.RWMutexRUnlock, rw)
				rwmu.RUnlock()
			}
			acc(own+uintptr(j%512)*8, true)
			d.OnWriteRange(race.Access{G: g, Addr: own, Size: 64, PC: pc})
			tmp := x + 100*pg + uintptr(i)*pg
			d.OnMalloc(tmp, pg)
			acc(tmp+uintptr(j%512)*8, true)
			d.OnFree(tmp, pg)
			if j%100 == 0 {
				r := d.Report()
				repMu.Lock()
				reports = append(reports, r...)
				repMu.Unlock()
			}
		}
		d.OnGoEnd(g)
	})
	reports = append(reports, d.Report()...)
	if len(reports) != 0 {
		t.Errorf("%d reports:\n%s", len(reports), eventtest.Format(reports[:1]))
	}
}

// TestRaceConcurrent checks that inconsistent locking between real
// goroutines is found: three goroutines write 100 variables under a
// mutex, then one writes them without it while another goes on locking.
func TestRaceConcurrent(t *testing.T) {
	d := newDetector()
	var mu sync.Mutex
	phase := func(ids ...int64) {
		var wg sync.WaitGroup
		for _, id := range ids {
			g := &race.Goroutine{ID: id}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 100 {
					a := race.Access{G: g, Addr: x + uintptr(j)*8, Size: 1, PC: uintptr(0x1000 + id)}
					if id == 0 {
						d.OnWrite(a)
						continue
					}
					mu.Lock()
					d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: m1})
					d.OnWrite(a)
					d.OnSync(race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: m1})
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	phase(1, 2, 3)
	if reps := d.Report(); len(reps) != 0 {
		t.Fatalf("locked phase: got %d reports, want 0", len(reps))
	}
	phase(0, 4)
	if reps := d.Report(); len(reps) != 100 {
		t.Errorf("got %d reports, want 100 (one per variable)", len(reps))
	}
}

// TestRaceConcurrentOwnerTransition runs the owner of 64 variables, which
// reads and writes them again and again at two code locations (without
// the words' locks: see fast), against a goroutine that writes each once
// without a lock, making it shared. Each variable is reported once or
// twice (the owner's next access is reported too when the other's came
// second), and each access a report names is one that was made: the
// owner's code location and kind agree, which they would not if its last
// access were torn or lost in the swap.
func TestRaceConcurrentOwnerTransition(t *testing.T) {
	const (
		vars                     = 64
		rounds                   = 300
		readPC, writePC, otherPC = 0x1000, 0x1008, 0x2000
	)
	d := newDetector()
	owner, other := &race.Goroutine{ID: 1}, &race.Goroutine{ID: 2}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range rounds {
			for j := range vars {
				a := race.Access{G: owner, Addr: x + uintptr(j)*8, Size: 8, PC: readPC}
				d.OnRead(a)
				a.PC = writePC
				d.OnWrite(a)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for j := range vars {
			runtime.Gosched()
			d.OnWrite(race.Access{G: other, Addr: x + uintptr(j)*8, Size: 8, PC: otherPC})
		}
	}()
	wg.Wait()
	reps := d.Report()
	per := map[uintptr]int{}
	for _, r := range reps {
		if len(r.Accesses) != 2 {
			t.Fatalf("a report with %d accesses:\n%s", len(r.Accesses), eventtest.Format([]race.Report{r}))
		}
		for _, a := range r.Accesses {
			ok := a.G == 1 && (a.PC == readPC && !a.Write || a.PC == writePC && a.Write) ||
				a.G == 2 && a.PC == otherPC && a.Write
			if !ok {
				t.Errorf("access not made: goroutine %d pc %#x write %v\n%s", a.G, a.PC, a.Write, eventtest.Format([]race.Report{r}))
			}
		}
		per[r.Accesses[0].Addr]++
	}
	for j := range vars {
		if n := per[x+uintptr(j)*8]; n < 1 || n > 2 {
			t.Errorf("variable %d reported %d times, want 1 or 2", j, n)
		}
	}
}

func BenchmarkWriteLocked(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: m1})
	a := race.Access{G: g, Addr: x, Size: 1, PC: 0x1000}
	for b.Loop() {
		d.OnWrite(a)
	}
}

func BenchmarkLockUnlock(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	lock := race.SyncOp{G: g, Kind: race.MutexLock, Obj: m1}
	unlock := race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: m1}
	for b.Loop() {
		d.OnSync(lock)
		d.OnSync(unlock)
	}
}

func BenchmarkSharedModifiedLocked(b *testing.B) {
	d := newDetector()
	gs := []*race.Goroutine{{ID: 1}, {ID: 2}}
	i := 0
	for b.Loop() {
		g := gs[i%2]
		i++
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: m1})
		d.OnWrite(race.Access{G: g, Addr: x, Size: 1, PC: 0x1000})
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: m1})
	}
}

// A goroutine whose code goes round more locations than its small table
// of code locations holds moves to the larger one, and each location keeps
// its own site id throughout.
func TestWhereGrows(t *testing.T) {
	d := newDetector()
	g := newGstate()
	const n = 2000
	for round := range 3 {
		for i := range n {
			pc := uintptr(0x10000 + 16*i)
			stack := race.StackID(i % 7)
			got := d.where(g, pc, stack)
			if want := d.sites.ID(site.Key{PC: pc, Stack: stack}); got != want {
				t.Fatalf("round %d: where(%#x, %d) = %d, want %d", round, pc, stack, got, want)
			}
		}
	}
	if len(g.sites) != bigSites {
		t.Errorf("after %d misses, the table has %d slots, want %d", 3*n, len(g.sites), bigSites)
	}
	// A goroutine that stays at one location misses once and keeps the
	// small table.
	g = newGstate()
	for range 1000 {
		d.where(g, 0x20000, 3)
	}
	if len(g.sites) != smallSites || g.misses != 1 {
		t.Errorf("a goroutine at one location has %d slots after %d misses, want %d after 1", len(g.sites), g.misses, smallSites)
	}
}

// TestRaceReportUnrecordedReads checks the reports on a variable whose
// reads, at one code location with the same locks, the history stops
// recording once two goroutines' are there (see history.reads): an access
// that empties C(v) is still paired with a read at that location by
// another goroutine, not with an older write, whether the reads are of a
// shared variable or of a shared-modified one under a lock.
func TestRaceReportUnrecordedReads(t *testing.T) {
	const pcR = uintptr(0x200000)
	const stackR = race.StackID(77)
	r := func(g int) ev { return R(g, x).At(pcR).InStack(stackR) }
	for _, tt := range []struct {
		name    string
		evs     []ev
		writer  int
		readers []int
	}{
		{"shared, a new goroutine writes", []ev{W(1, x), r(2), r(3), r(4), r(5), W(6, x)}, 6, []int{2, 3, 4, 5}},
		{"shared, a reader writes", []ev{W(1, x), r(2), r(3), r(4), r(5), W(3, x)}, 3, []int{2, 4, 5}},
		{"shared-modified under a lock", cat(
			locked(1, m1, W(1, x)), locked(2, m1, W(2, x)),
			locked(3, m1, r(3)), locked(4, m1, r(4)), locked(5, m1, r(5)), locked(2, m1, r(2)),
			[]ev{W(6, x)}), 6, []int{2, 3, 4, 5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reps := newHarness(t).Run(tt.evs...)
			if len(reps) != 1 || len(reps[0].Accesses) != 2 {
				t.Fatalf("got %d reports, want 1 with two accesses:\n%s", len(reps), eventtest.Format(reps))
			}
			cur, p := reps[0].Accesses[0], reps[0].Accesses[1]
			if cur.G != int64(tt.writer) || !cur.Write {
				t.Errorf("current access: goroutine %d write %v, want goroutine %d's write\n%s", cur.G, cur.Write, tt.writer, eventtest.Format(reps))
			}
			if p.Write || p.PC != pcR || !slices.Contains(tt.readers, int(p.G)) {
				t.Errorf("previous access: goroutine %d write %v pc %#x, want a read at %#x by one of goroutines %v\n%s",
					p.G, p.Write, p.PC, pcR, tt.readers, eventtest.Format(reps))
			}
		})
	}
}
