// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package hybrid

import (
	"fmt"
	"reflect"
	"runtime/race"
	"strconv"
	"strings"
	"sync"
	"testing"

	"drace/toolkit/eventtest"
)

// Interfaces the detector must implement.
var (
	_ race.Detector           = (*detector)(nil)
	_ race.RangeDetector      = (*detector)(nil)
	_ race.SyncDetector       = (*detector)(nil)
	_ race.GoroutineDetector  = (*detector)(nil)
	_ race.MemoryDetector     = (*detector)(nil)
	_ race.NativeSyncDetector = (*detector)(nil)
)

// Addresses the scripts name.
var addrs = map[string]uintptr{
	"x":  0xc000010000, // page-aligned
	"y":  0xc000010100,
	"m1": 0xc000020008,
	"m2": 0xc000020048,
	"rw": 0xc000020100,
	"ch": 0xc000030000,
	"wg": 0xc000030040,
}

const pg = 1 << pageShift

// addr parses "x", "x+3", "x+0x1000".
func addr(s string) uintptr {
	name, off, _ := strings.Cut(s, "+")
	a, ok := addrs[name]
	if !ok {
		panic("unknown address " + s)
	}
	if off != "" {
		n, err := strconv.ParseUint(off, 0, 64)
		if err != nil {
			panic(err)
		}
		a += uintptr(n)
	}
	return a
}

// A script is a list of space-separated events OP[G]:ARG, in order:
//
//	w1:x r2:x+1        write, read of 1 byte by goroutine 1, 2
//	W1:x/16 R2:x/16    range write, read of 16 bytes
//	L1:m1 U1:m1        sync.Mutex Lock, Unlock (with the lock wait first)
//	T1:m1 F1:m1        TryLock that took the mutex, that failed
//	WL1:rw WU1:rw      sync.RWMutex Lock, Unlock (with the wait first)
//	RL1:rw RU1:rw      sync.RWMutex RLock, RUnlock (with the wait first)
//	acq1:ch rel1:ch    acquire, release of an address
//	relm1:ch           release-merge
//	go1:2 end2         goroutine 1 starts 2; goroutine 2 ends
//	all1               acquire-all by goroutine 1
//	malloc:x/8 free:x/8
//
// The events are eventtest's steps, delivered as the runtime delivers
// them: the mutex operations with their edges (an acquire of the mutex
// after Lock, a release before Unlock; for a RWMutex, on its semaphores at
// +8 and +12) and the RWMutex's read of itself. Event i of a harness has
// its own PC and StackID, eventtest.PC(i) and eventtest.Stack(i).
type script = string

// A harness feeds d the events of scripts.
type harness struct {
	*eventtest.Harness
	d *detector
}

func newHarness(t testing.TB) harness {
	d := newDetector()
	h := harness{eventtest.New(t, d), d}
	for name, a := range addrs {
		h.Name(a, name)
	}
	return h
}

func (h harness) run(s script) []race.Report { return h.Run(steps(s)...) }

// steps parses a script.
func steps(s script) []eventtest.Step {
	var steps []eventtest.Step
	for _, tok := range strings.Fields(s) {
		steps = append(steps, step(tok))
	}
	return steps
}

// step parses an event of a script.
func step(tok string) eventtest.Step {
	op, arg, _ := strings.Cut(tok, ":")
	i := strings.IndexAny(op, "0123456789")
	g := 0
	if i >= 0 {
		g, _ = strconv.Atoi(op[i:])
		op = op[:i]
	}
	size := uintptr(1)
	if a, sz, ok := strings.Cut(arg, "/"); ok {
		n, _ := strconv.ParseUint(sz, 0, 64)
		arg, size = a, uintptr(n)
	}
	switch op {
	case "w":
		return eventtest.Write(g, addr(arg))
	case "r":
		return eventtest.Read(g, addr(arg))
	case "W":
		return eventtest.WriteRange(g, addr(arg), size)
	case "R":
		return eventtest.ReadRange(g, addr(arg), size)
	case "L":
		return eventtest.Lock(g, addr(arg))
	case "T", "F":
		return eventtest.TryLock(g, addr(arg), op == "T")
	case "U":
		return eventtest.Unlock(g, addr(arg))
	case "WL":
		return eventtest.WLock(g, addr(arg))
	case "WU":
		return eventtest.WUnlock(g, addr(arg))
	case "RL":
		return eventtest.RLock(g, addr(arg))
	case "RU":
		return eventtest.RUnlock(g, addr(arg))
	case "acq":
		return eventtest.Acquire(g, addr(arg))
	case "rel":
		return eventtest.Release(g, addr(arg))
	case "relm":
		return eventtest.ReleaseMerge(g, addr(arg))
	case "go":
		child, _ := strconv.Atoi(arg)
		return eventtest.Go(g, child)
	case "end":
		return eventtest.End(g)
	case "all":
		return eventtest.AcquireAll(g)
	case "malloc":
		return eventtest.Malloc(addr(arg), size)
	case "free":
		return eventtest.Free(addr(arg), size)
	}
	panic("bad event " + tok)
}

type scriptTest struct {
	name string
	s    script
	want int // reports
}

var raceTests = []scriptTest{
	{"Unsynchronised", "w1:x w2:x", 1},
	{"ReadWrite", "r1:x w2:x", 1},
	{"WriteRead", "w1:x r2:x", 1},
	// Ordered only by the mutex: the lock's edge does not count.
	{"LockedThenUnlocked", "L1:m1 w1:x U1:m1 L2:m1 U2:m1 w2:x", 1},
	{"UnlockedThenLocked", "w1:x L2:m1 w2:x U2:m1", 1},
	{"DifferentLocks", "L1:m1 w1:x U1:m1 L2:m2 w2:x U2:m2", 1},
	{"WriteUnderReadLock", "WL1:rw w1:x WU1:rw RL2:rw w2:x RU2:rw", 1},
	{"ReadLockedWrites", "RL1:rw w1:x RU1:rw RL2:rw w2:x RU2:rw", 1},
	{"FailedTryLock", "L1:m1 w1:x U1:m1 F2:m1 w2:x", 1},
	{"ReleasedOutOfOrder", "L1:m1 w1:x U1:m1 L2:m1 L2:m2 U2:m1 w2:x U2:m2", 1},
	{"ForkThenParentWrites", "go1:2 w1:x w2:x", 1},
	{"Siblings", "go1:2 go1:3 L2:m1 w2:x U2:m1 r3:x", 1},
	{"RangeOverField", "L1:m1 w1:x+3 U1:m1 W2:x/16", 1},
	{"FieldUnderRange", "L1:m1 W1:x/64 U1:m1 w2:x+20", 1},
	{"RangeAcrossPages", fmt.Sprintf("W1:x+%d/16 w2:x+%d", pg-8, pg+2), 1},
	// Ranges over whole pages (one entry per page, shadow.Uniform)
	// race as word by word.
	{"UniformRangeThenWord", fmt.Sprintf("W1:x/%d w2:x+%d", 2*pg, pg+8), 1},
	{"WordThenUniformRange", fmt.Sprintf("w1:x+%d R2:x/%d", pg+8, 3*pg), 1},
	{"UniformRangeThenRange", fmt.Sprintf("W1:x/%d R2:x/%d", pg, pg), 1},
	{"UniformDifferentLocks", fmt.Sprintf("L1:m1 W1:x/%d U1:m1 L2:m2 w2:x+%d U2:m2", 2*pg, pg+8), 1},
	// A uniform entry's second cell is copied into the words: goroutine
	// 1's write races only with goroutine 2's read.
	{"UniformSecondCell", fmt.Sprintf("R1:x/%d R2:x/%d w1:x+8", pg, pg), 1},
	// A small object allocated in a uniform page ends that page's
	// entry only.
	{"UniformPartMalloc", fmt.Sprintf("W1:x/%d malloc:x+64/32 w2:x+64 w2:x+%d", 2*pg, pg+8), 1},
	// Acquiring an unrelated address orders nothing.
	{"OtherChannel", "w1:x rel1:ch acq2:wg w2:x", 1},
	// Goroutine 3 did not acquire all.
	{"AcquireAllOnlyAcquirer", "w1:x all2 r3:x", 1},
	{"AcquireAllThenWrite", "go0:1 go0:2 all2 w1:x w2:x", 1},
	// A pruned record: goroutine 1's locked write is subsumed by its
	// unlocked one, which still races.
	{"SubsumedByWeaker", "L1:m1 w1:x U1:m1 w1:x L2:m1 w2:x U2:m1", 1},
	{"TwoVariables", "w1:x w1:y w2:x w2:y", 2},
	// Lock edges are left out even for a mutex first seen through a
	// successful TryLock, and for a RWMutex's semaphores.
	{"TryLockEdgeLeftOut", "T1:m1 w1:x U1:m1 T2:m1 U2:m1 w2:x", 1},
	{"RWMutexEdgesLeftOut", "WL1:rw w1:x WU1:rw RL2:rw RU2:rw w2:x", 1},
	// Goroutine 2's read, in another batch than its write (the acquire
	// of an unrelated address ends the batch, not the epoch), is
	// covered by the write, of the same epoch and locks: it is not
	// recorded, and does not push goroutine 1's write, with which
	// goroutine 3 races, out of the word.
	{"CoveredReadKeepsOlderCell", "L1:m1 w1:x U1:m1 L2:m1 w2:x acq2:wg r2:x U2:m1 rel2:ch acq3:ch w3:x", 1},
	// The documented false positive of a batch handed on through a lock
	// (go.etcd.io/bbolt's DB.Batch): goroutine 1 writes x under m1;
	// goroutine 2 takes m1 after it, detaches x and starts goroutine 3,
	// which reads x with only its own lock m2 (a sync.Once's). The read
	// is ordered after the write only by m1's edge, left out.
	{"HandedOnThroughLock", "L1:m1 w1:x U1:m1 L2:m1 go2:3 U2:m1 L3:m2 r3:x U3:m2", 1},
	// Memory allocated next to a mutex leaves its mark.
	{"MallocBesideLockKeepsMark", "L1:m1 U1:m1 malloc:m1+4/4 w1:x rel1:m1 acq2:m1 w2:x", 1},
	// Goroutine 2 starts with the state goroutine 1 left when it ended
	// holding m1 (detector.ended; goroutine 0 has its own already): not
	// with m1 held.
	{"EndedStateHoldsNoLocks", "r0:y L1:m1 w1:x end1 go0:2 w2:x", 1},
	// Lock edges stay left out when a goroutine finds the lock again
	// through its syncRef.
	{"LockEdgesLeftOutAgain", "L1:m1 U1:m1 L2:m1 U2:m1 L1:m1 w1:x U1:m1 L2:m1 U2:m1 w2:x", 1},
	// Goroutine 2's syncRef is to the clock of ch that goroutine 1 set
	// after its write, dropped by the malloc: it orders nothing.
	{"DroppedClockThroughRef", "rel2:ch w1:x rel1:ch malloc:ch/8 acq2:ch w2:x", 1},
	{"DroppedPageThroughRef", "rel2:ch w1:x rel1:ch malloc:ch/0x1000 acq2:ch w2:x", 1},
}

var noRaceTests = []scriptTest{
	{"SameGoroutine", "w1:x r1:x W1:x/64 R1:x/8", 0},
	// The twin of EndedStateHoldsNoLocks: goroutine 2 takes m1 itself.
	{"EndedStateLocksOwn", "r0:y L1:m1 w1:x U1:m1 end1 go0:2 L2:m1 w2:x U2:m1", 0},
	// The twin of CoveredReadKeepsOlderCell: goroutine 3 holds the lock.
	{"CoveredReadKeepsOlderCellLocked", "L1:m1 w1:x U1:m1 L2:m1 w2:x acq2:wg r2:x U2:m1 rel2:ch acq3:ch L3:m1 w3:x U3:m1", 0},
	{"ConsistentMutex", "L1:m1 r1:x w1:x U1:m1 L2:m1 w2:x U2:m1 L3:m1 r3:x U3:m1", 0},
	{"ConcurrentReads", "r1:x r2:x r3:x", 0},
	{"ReadsUnderReadLock", "WL1:rw w1:x WU1:rw RL2:rw r2:x RU2:rw RL3:rw r3:x RU3:rw", 0},
	{"OneCommonLock", "L1:m1 L1:m2 w1:x U1:m2 U1:m1 L2:m2 w2:x U2:m2", 0},
	{"AdjacentFieldsOwnLocks", "L1:m1 w1:x U1:m1 L2:m2 w2:x+1 U2:m2 w3:x+8", 0},
	{"TryLock", "L1:m1 w1:x U1:m1 T2:m1 w2:x U2:m1", 0},
	{"NestedReadLocks", "WL1:rw w1:x WU1:rw RL2:rw RL2:rw RU2:rw r2:x RU2:rw", 0},
	// Ownership transfer through non-lock synchronisation.
	{"ChannelHandOff", "w1:x rel1:ch acq2:ch w2:x", 0},
	{"ChannelHandOffBack", "go1:2 w2:x rel2:ch acq1:ch w1:x r1:x", 0},
	{"WaitGroup", "go1:2 go1:3 w2:x relm2:wg w3:y relm3:wg acq1:wg w1:x w1:y", 0},
	{"Fork", "w1:x go1:2 w2:x", 0},
	// HandedOnThroughLock's twin: the write is before the go statement.
	{"HandedOnByFork", "L1:m1 w1:x U1:m1 go1:3 L3:m2 r3:x U3:m2", 0},
	{"AcquireAll", "w1:x r3:y all2 w2:x w2:y", 0},
	// Initialised before publication, then locked by everyone.
	{"InitialisedThenLocked", "w1:x rel1:ch acq2:ch L2:m1 w2:x U2:m1 L1:m1 w1:x U1:m1", 0},
	// Memory allocated again has no history (the runtime announces memory
	// used again with OnMalloc, not OnFree).
	{"MallocClears", "w1:x malloc:x/8 w2:x", 0},
	{"MallocClearsRange", fmt.Sprintf("w1:x w1:y+%d malloc:x/%d w2:x w2:y+%d", pg, pg+0x200, pg), 0},
	{"MallocUnalignedWord", "w1:x+3 malloc:x+2/4 w2:x+3", 0},
	{"MallocHugeRange", "w1:x w1:y malloc:x+0x1000000/0x40000000 malloc:x/0x40000000 w2:x w2:y", 0},
	{"FreeDropsClock", "w1:x rel1:ch free:ch/8 acq2:ch w1:y", 0},
	// A mutex's memory allocated again as a channel: its edges count.
	{"MallocDropsLockMark", "L1:m1 U1:m1 malloc:m1/8 w1:x rel1:m1 acq2:m1 w2:x", 0},
	{"MallocClipDropsLockMark", "L1:m1 U1:m1 malloc:m1/4 w1:x rel1:m1 acq2:m1 w2:x", 0},
	// The twins of DroppedClockThroughRef and DroppedPageThroughRef:
	// goroutine 2's syncRef is to the clock the malloc dropped, and
	// the acquire finds the one set after it.
	{"NewClockAfterRef", "rel2:ch acq2:ch malloc:ch/8 w1:x rel1:ch acq2:ch w2:x", 0},
	{"NewClockAfterPageRef", "rel2:ch acq2:ch malloc:ch/0x1000 w1:x rel1:ch acq2:ch w2:x", 0},
	// Goroutine 2's syncRef is to m1 as a lock: the malloc clears the
	// mark, and m1's edges count again.
	{"MallocDropsLockRef", "L1:m1 U1:m1 L2:m1 U2:m1 malloc:m1/8 w1:x rel1:m1 acq2:m1 w2:x", 0},
	{"AdjacentPages", fmt.Sprintf("W1:x/%d W2:x+%d/%d", pg, pg, pg), 0},
	// The twins of the uniform races.
	{"UniformLocked", fmt.Sprintf("L1:m1 W1:x/%d U1:m1 L2:m1 w2:x+%d R2:x/%d U2:m1", 2*pg, pg+8, 2*pg), 0},
	{"UniformHandOff", fmt.Sprintf("W1:x/%d rel1:ch acq2:ch w2:x+8 W2:x/%d", 2*pg, 2*pg), 0},
	{"UniformMallocClears", fmt.Sprintf("W1:x/%d malloc:x/%d w2:x+8 W2:x/%d", 2*pg, 2*pg, 2*pg), 0},
	{"UniformSecondCellOrdered", fmt.Sprintf("R1:x/%d R2:x/%d rel2:ch acq1:ch w1:x+8", pg, pg), 0},
	{"UniformConcurrentReads", fmt.Sprintf("R1:x/%d R2:x/%d r3:x+%d", 2*pg, 2*pg, pg+8), 0},
}

func runTable(t *testing.T, tests []scriptTest) {
	t.Helper()
	var cases []eventtest.Case
	for _, tt := range tests {
		cases = append(cases, eventtest.Case{Name: tt.name, Steps: steps(tt.s), Want: eventtest.Races(tt.want)})
	}
	eventtest.RunCases(t, func() race.Detector { return newDetector() }, cases)
}

func TestRace(t *testing.T)   { runTable(t, raceTests) }
func TestNoRace(t *testing.T) { runTable(t, noRaceTests) }

func TestRaceReportContents(t *testing.T) {
	h := newHarness(t)
	// Events: 0 L1, 1 RL1, 2 w1, 3 RU1, 4 U1, 5 w2.
	reps := h.run("L1:m1 RL1:rw w1:x+2 RU1:rw U1:m1 r2:x+2")
	if len(reps) != 1 {
		t.Fatalf("got %d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
	}
	r := reps[0]
	x, m1, rw := addr("x"), addr("m1"), addr("rw")
	cur, prev := r.Accesses[0], r.Accesses[1]
	wantCur := race.ReportAccess{Addr: x + 2, Size: 1, G: 2, PC: eventtest.PC(5), Stack: eventtest.Stack(5), Note: "Locks held: none"}
	wantPrev := race.ReportAccess{Previous: true, Write: true, Addr: x + 2, Size: 1, G: 1, PC: eventtest.PC(2), Stack: eventtest.Stack(2),
		Note: fmt.Sprintf("Locks held: Mutex %#x (write), RWMutex %#x (read)", m1, rw)}
	if r.Kind != "DATA RACE" || len(r.Accesses) != 2 || !reflect.DeepEqual(cur, wantCur) || !reflect.DeepEqual(prev, wantPrev) {
		t.Errorf("got\n%s\nwant\n\t%+v\n\t%+v", eventtest.Format(reps), wantCur, wantPrev)
	}
	if want := fmt.Sprintf("hybrid: no common lock protects the variable at %#x", x+2); !strings.HasPrefix(r.Message, want) {
		t.Errorf("message %q, want prefix %q", r.Message, want)
	}
	if reps := h.d.Report(); reps != nil {
		t.Errorf("second Report() = %v, want nil", reps)
	}
}

func TestRaceReportedOnce(t *testing.T) {
	h := newHarness(t)
	if reps := h.run("w1:x w2:x w3:x r1:x W4:x/8"); len(reps) != 1 {
		t.Errorf("got %d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
	}
	if reps := h.run("free:x/8 malloc:x/8 w1:x w2:x"); len(reps) != 1 {
		t.Errorf("allocated again: got %d reports, want 1", len(reps))
	}
}

// TestRecordsBounded checks that a word keeps at most nCells records,
// and that subsumed ones go at once.
func TestRecordsBounded(t *testing.T) {
	h := newHarness(t)
	var s []string
	for i := 1; i <= 20; i++ {
		s = append(s, fmt.Sprintf("r%d:x", i))
	}
	h.run(script(strings.Join(s, " ")))
	n := func() int {
		w, k := h.d.shadow.Word(addr("x")), 0
		for i := range nCells {
			if w.get(i).mask() != 0 {
				k++
			}
		}
		return k
	}
	if got := n(); got != nCells {
		t.Errorf("%d records after 20 concurrent reads, want %d", got, nCells)
	}
	h.run("all21 L21:m1 w21:x U21:m1 w21:x")
	if got := n(); got != 1 {
		t.Errorf("%d records after an ordered write, want 1", got)
	}
}

// TestFirstOfTwoCells checks the lock-free path's rule for the first of
// two cells that is the access itself: with its code location it stands
// for the access and the cells stay in their order; with another, the
// lock's path makes the access the newest cell, so that goroutine 2's
// read, now the oldest, is the one a third goroutine's access pushes out.
func TestFirstOfTwoCells(t *testing.T) {
	const pc1, pc2, pcOther = 0x1000, 0x2000, 0x3000
	x := addr("x")
	for _, tt := range []struct {
		name      string
		pc        uintptr // goroutine 1's second read
		old, last uintptr // the cells' code locations, oldest first
	}{
		{"SameSite", pc1, pc1, pc2},
		{"OtherSite", pcOther, pc2, pcOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.Run(eventtest.Read(1, x).At(pc1), eventtest.Read(2, x).At(pc2), eventtest.Read(1, x).At(tt.pc))
			w := h.d.shadow.Word(x)
			old, last := h.d.sites.Key(w.get(0).site()).PC, h.d.sites.Key(w.get(1).site()).PC
			if old != tt.old || last != tt.last {
				t.Errorf("cells at %#x, %#x; want %#x, %#x", old, last, tt.old, tt.last)
			}
		})
	}
}

// TestMallocDoesNotAllocate checks that OnMalloc and OnFree do not
// allocate, whatever they drop.
func TestMallocDoesNotAllocate(t *testing.T) {
	h := newHarness(t)
	setup := script(fmt.Sprintf("W1:x/%d r2:x+%d r3:x+%d rel1:ch L1:m1 U1:m1 WL1:rw WU1:rw", 2*pg, 3*pg+5, 3*pg+6))
	eventtest.NoDropAllocs(t, 1, func() { h.run(setup) }, func() {
		h.d.OnMalloc(addr("x")+3*pg+4, 2)
		h.d.OnFree(addr("x")+3*pg+4, 2)
		h.d.OnFree(addr("x")+8, 8)
		h.d.OnMalloc(addr("x"), 2*pg)
		h.d.OnFree(addr("x")+3*pg, pg)
		h.d.OnFree(addr("ch"), 8)
		h.d.OnMalloc(addr("m1")-1<<30, 2<<30)
		h.d.OnFree(addr("x"), 0)
		h.d.OnFree(^uintptr(0)-pg, 2*pg)
	})
	if n := h.d.pages.Len(); n != 0 {
		t.Errorf("%d pages left", n)
	}
}

// TestNoRaceConcurrent drives the detector from real goroutines that hand
// a buffer round through real channels (reporting the edges), update a
// counter under a real mutex, and free their own scratch memory. It must
// report nothing (and, under -race, have no race itself).
func TestNoRaceConcurrent(t *testing.T) {
	const (
		n     = 4
		iters = 1000
	)
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	buf, counter, m := addr("x"), addr("y"), addr("m1")
	token := make(chan int, 1)
	token <- 0
	var mu sync.Mutex
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		pc := uintptr(0x1000 + i)
		scratch := addr("x") + uintptr(10+i)*pg
		for j := range iters {
			<-token
			d.OnAcquire(race.Sync{G: g, Addr: addr("ch")})
			d.OnWriteRange(race.Access{G: g, Addr: buf, Size: 32, PC: pc})
			d.OnRelease(race.Sync{G: g, Addr: addr("ch")})
			token <- j

			mu.Lock()
			d.OnSync(race.SyncOp{G: g, Kind: race.MutexLockWait, Obj: m})
			d.OnAcquire(race.Sync{G: g, Addr: m})
			d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: m})
			d.OnRead(race.Access{G: g, Addr: counter, Size: 1, PC: pc})
			d.OnWrite(race.Access{G: g, Addr: counter, Size: 1, PC: pc})
			d.OnSync(race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: m})
			d.OnRelease(race.Sync{G: g, Addr: m})
			mu.Unlock()

			d.OnMalloc(scratch, pg)
			d.OnWrite(race.Access{G: g, Addr: scratch + uintptr(j%512)*8, Size: 1, PC: pc})
			d.OnFree(scratch, pg)
		}
		d.OnGoEnd(g)
	})
	if reps := d.Report(); len(reps) != 0 {
		t.Errorf("%d reports:\n%s", len(reps), eventtest.Format(reps[:1]))
	}
}

func BenchmarkWriteLocked(b *testing.B) {
	h := newHarness(b)
	h.run("L1:m1")
	a := race.Access{G: h.G(1), Addr: addr("x"), Size: 1, PC: 0x1000}
	for b.Loop() {
		h.d.OnWrite(a)
	}
}

func BenchmarkLockedTwoGoroutines(b *testing.B) {
	h := newHarness(b)
	h.run("go0:1 go0:2 L1:m1 U1:m1")
	m, x := addr("m1"), addr("x")
	i := 0
	for b.Loop() {
		g := h.G(1 + i%2)
		i++
		h.d.OnSync(race.SyncOp{G: g, Kind: race.MutexLockWait, Obj: m})
		h.d.OnAcquire(race.Sync{G: g, Addr: m})
		h.d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: m})
		h.d.OnWrite(race.Access{G: g, Addr: x, Size: 1, PC: 0x1000})
		h.d.OnSync(race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: m})
		h.d.OnRelease(race.Sync{G: g, Addr: m})
	}
}
