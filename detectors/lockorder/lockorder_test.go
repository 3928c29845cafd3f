// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockorder

import (
	"fmt"
	"reflect"
	"runtime"
	"runtime/race"
	"strconv"
	"strings"
	"sync"
	"testing"

	"drace/toolkit/code"
	"drace/toolkit/eventtest"
)

// Interfaces the detector must implement.
var (
	_ race.Detector                = (*detector)(nil)
	_ race.NativeSyncDetector      = (*detector)(nil)
	_ race.MemoryDetector          = (*detector)(nil)
	_ race.PartialDeadlockDetector = (*detector)(nil)
	_ race.TimeoutDetector         = (*detector)(nil)
	_ race.TestDetector            = (*detector)(nil)
	_ race.ExitDetector            = (*detector)(nil)
)

// The detector takes no memory accesses, so that the runtime collects none
// for it (the runtime's event mask).
func TestNoAccesses(t *testing.T) {
	var d any = (*detector)(nil)
	for name, ok := range map[string]bool{
		"ReadWriteDetector": func() bool { _, ok := d.(race.ReadWriteDetector); return ok }(),
		"AccessDetector":    func() bool { _, ok := d.(race.AccessDetector); return ok }(),
		"RangeDetector":     func() bool { _, ok := d.(race.RangeDetector); return ok }(),
	} {
		if ok {
			t.Errorf("lockorder implements race.%s: the runtime would collect accesses for it", name)
		}
	}
}

// The steps of the scripts: sync operations, delivered as package sync
// delivers them (the detector sees their native operations).
type step = eventtest.Step

var (
	Lock    = eventtest.Lock
	Unlock  = eventtest.Unlock
	TryLock = eventtest.TryLock
	WLock   = eventtest.WLock
	WUnlock = eventtest.WUnlock
	RLock   = eventtest.RLock
	RUnlock = eventtest.RUnlock
	Free    = eventtest.Free
)

// ev is a native sync operation alone.
func ev(g int, obj uintptr, kind race.SyncKind) step { return eventtest.Sync(g, kind, obj, 0) }

// LockWait, WLockWait and RLockWait are calls of Lock that block: the
// wait alone.
func LockWait(g int, m uintptr) step  { return ev(g, m, race.MutexLockWait) }
func WLockWait(g int, m uintptr) step { return ev(g, m, race.RWMutexLockWait) }
func RLockWait(g int, m uintptr) step { return ev(g, m, race.RWMutexRLockWait) }

// TryWLock and TryRLock take the lock.
func TryWLock(g int, m uintptr) step { return eventtest.TryWLock(g, m, true) }
func TryRLock(g int, m uintptr) step { return eventtest.TryRLock(g, m, true) }

// at puts s at pc, with pc for its stack too; pc 0 leaves s its own.
func at(s step, pc uintptr) step {
	if pc == 0 {
		return s
	}
	return s.At(pc).InStack(race.StackID(pc))
}

func lockUnlock(g int, ms ...uintptr) []step {
	var s []step
	for _, m := range ms {
		s = append(s, Lock(g, m))
	}
	for i := len(ms) - 1; i >= 0; i-- {
		s = append(s, Unlock(g, ms[i]))
	}
	return s
}

// A harness feeds d synthetic events as the runtime delivers them.
type harness struct {
	*eventtest.Harness
	d *detector
}

func newHarness(t testing.TB) harness {
	d := newDetector()
	return harness{eventtest.New(t, d), d}
}

func seq(parts ...any) []step {
	var s []step
	for _, p := range parts {
		switch p := p.(type) {
		case step:
			s = append(s, p)
		case []step:
			s = append(s, p...)
		}
	}
	return s
}

const (
	A = uintptr(0xc000010000)
	B = A + 0x08
	C = A + 0x10
	D = A + 0x18
	G = A + 0x40 // a gate lock
)

type scriptTest struct {
	name  string
	steps []step
	want  []string // report message prefixes, in order
}

const (
	cycle   = "lock order cycle"
	recur   = "recursive locking"
	recurR  = "recursive read locking"
	upgrade = "lock upgrade"
)

var deadlockTests = []scriptTest{
	// AB-BA by two goroutines one after the other: nothing hangs in
	// this run, another schedule deadlocks.
	{"ABBA", seq(lockUnlock(1, A, B), lockUnlock(2, B, A)), []string{cycle}},
	{"ABBABothWaiting", seq(Lock(1, A), Lock(2, B), LockWait(1, B), LockWait(2, A)), []string{cycle}},
	{"ThreeLocks", seq(lockUnlock(1, A, B), lockUnlock(2, B, C), lockUnlock(3, C, A)), []string{cycle}},
	// Two edges of the cycle by one goroutine (a chain), one by another.
	{"ChainAndReverse", seq(lockUnlock(1, A, B, C), lockUnlock(2, C, A)), []string{cycle}},
	// An edge first taken by the goroutine that took the other one,
	// then by a second goroutine.
	{"SecondTaker", seq(lockUnlock(1, A, B), lockUnlock(1, B, A), lockUnlock(2, B, A)), []string{cycle}},
	{"SecondTakerFirstEdge", seq(lockUnlock(1, A, B), lockUnlock(1, B, A), lockUnlock(2, A, B)), []string{cycle}},
	// RWMutexes: read and write modes both order.
	{"RWReadWrite", seq(RLock(1, A), WLock(1, B), WUnlock(1, B), RUnlock(1, A), WLock(2, B), WLock(2, A)), []string{cycle}},
	{"RWMutexMix", seq(Lock(1, A), RLock(1, B), RUnlock(1, B), Unlock(1, A), WLock(2, B), Lock(2, A)), []string{cycle}},
	// A lock held through TryLock orders the locks requested after it.
	{"TryLockHeldThenLock", seq(TryLock(1, A, true), Lock(1, B), Unlock(1, B), Unlock(1, A), lockUnlock(2, B, A)), []string{cycle}},
	// A gate held by one side only does not guard.
	{"GateOneSide", seq(lockUnlock(1, G, A, B), lockUnlock(2, B, A)), []string{cycle}},
	// A gate taken after the first lock does not guard.
	{"GateAfterFirst", seq(lockUnlock(1, A, G, B), lockUnlock(2, B, G, A)), []string{cycle, cycle, cycle}},
	// A gate held for reading does not guard.
	{"GateRead", seq(RLock(1, G), lockUnlock(1, A, B), RUnlock(1, G), RLock(2, G), lockUnlock(2, B, A), RUnlock(2, G)), []string{cycle}},
	// A gate that guarded an edge once but not the second time.
	{"GateLost", seq(lockUnlock(1, G, A, B), lockUnlock(2, G, B, A), lockUnlock(3, A, B)), []string{cycle}},
	// Each cycle once, however often it is taken; two distinct cycles.
	{"ReportedOnce", seq(lockUnlock(1, A, B), lockUnlock(2, B, A), lockUnlock(3, A, B), lockUnlock(2, B, A)), []string{cycle}},
	{"TwoCycles", seq(lockUnlock(1, A, B), lockUnlock(2, B, A), lockUnlock(1, C, D), lockUnlock(2, D, C)), []string{cycle, cycle}},

	{"Recursive", seq(Lock(1, A), LockWait(1, A)), []string{recur}},
	{"RecursiveAfterOthers", seq(Lock(1, A), Lock(1, B), LockWait(1, A)), []string{recur}},
	{"RecursiveTryLock", seq(TryLock(1, A, true), LockWait(1, A)), []string{recur}},
	{"RecursiveWrite", seq(WLock(1, A), WLockWait(1, A)), []string{recur}},
	{"RLockWhileWriting", seq(WLock(1, A), RLockWait(1, A)), []string{recur}},
	// Recursive read locking is reported once the goroutine releases
	// the earlier read lock itself (below, or at a deadlock check: see
	// TestDeadlockRecursiveReadBlocked).
	{"RecursiveRead", seq(RLock(1, A), RLock(1, A), RUnlock(1, A), RUnlock(1, A)), []string{recurR}},
	{"RecursiveReadTry", seq(TryRLock(1, A), RLock(1, A), RUnlock(1, A), RUnlock(1, A)), []string{recurR}},
	// A read lock handed off (the oldest), then one of g1's own held
	// across a third RLock: the third is recursive.
	{"RecursiveReadBesideHandOff", seq(RLock(1, A), RLock(1, A), RLock(1, A), RUnlock(2, A), RUnlock(1, A), RUnlock(1, A)),
		[]string{recurR}},
	// A lock upgrade never returns: reported when a deadlock check
	// finds the goroutine blocked (or a test end or the exit finds it
	// parked in the Lock: TestDeadlockRecursiveReadBlocked).
	{"Upgrade", seq(RLock(1, A), WLockWait(1, A), eventtest.Deadlock(1)), []string{upgrade}},
	// Recursive read locking that goes through, twice at the same
	// sites: one report.
	{"RecursiveReadOnce", seq(at(RLock(1, A), 0x10), at(RLock(1, A), 0x20), RUnlock(1, A), RUnlock(1, A),
		at(RLock(1, A), 0x10), at(RLock(1, A), 0x20)), []string{recurR}},
}

var noDeadlockTests = []scriptTest{
	{"ABBAHalf", seq(Lock(1, A), Lock(2, B), LockWait(1, B)), nil}, // no edge B→A yet
	{"ConsistentOrder", seq(lockUnlock(1, A, B), lockUnlock(2, A, B), lockUnlock(3, A, B, C), lockUnlock(2, B, C)), nil},
	// One goroutine taking both orders cannot deadlock with itself.
	{"SameGoroutine", seq(lockUnlock(1, A, B), lockUnlock(1, B, A), lockUnlock(1, A, C, B)), nil},
	// A gate lock held exclusively around both orders.
	{"GateLock", seq(lockUnlock(1, G, A, B), lockUnlock(2, G, B, A)), nil},
	{"GateRWWrite", seq(WLock(1, G), lockUnlock(1, A, B), WUnlock(1, G), WLock(2, G), lockUnlock(2, B, A), WUnlock(2, G)), nil},
	// TryLock cannot block: no edge into the lock it takes.
	{"TryLockReverse", seq(lockUnlock(1, A, B), Lock(2, B), TryLock(2, A, true), Unlock(2, A), Unlock(2, B)), nil},
	{"TryRWLockReverse", seq(lockUnlock(1, A, B), Lock(2, B), TryWLock(2, A), WUnlock(2, A), Unlock(2, B)), nil},
	// A failed TryLock holds nothing.
	{"TryLockFailed", seq(TryLock(1, A, false), lockUnlock(1, B), lockUnlock(2, B, A), LockWait(1, A)), nil},
	// A lock unlocked by another goroutine is no longer held by the
	// one that locked it.
	{"UnlockByOther", seq(Lock(1, A), Unlock(2, A), Lock(1, B), Unlock(1, B), lockUnlock(2, B, A), LockWait(1, A)), nil},
	{"RUnlockByOther", seq(RLock(1, A), RUnlock(2, A), Lock(1, B), Unlock(1, B), lockUnlock(2, B, A), RLockWait(1, A)), nil},
	// Unlock of a lock no one holds.
	{"UnlockUnknown", seq(Unlock(1, A), RUnlock(1, B), WUnlock(2, C)), nil},
	{"RelockAfterUnlock", seq(Lock(1, A), Unlock(1, A), Lock(1, A), Unlock(1, A)), nil},
	{"LockAfterRUnlock", seq(RLock(1, A), RUnlock(1, A), WLock(1, A), WUnlock(1, A), RLock(1, A), RLock(2, A)), nil},
	// A read lock taken by g1 and released by g2 (a transaction handed
	// over, as bbolt's read transactions hold its mmap lock from Begin
	// to Rollback): g1's RLock in between does not wait for g1, whether
	// g2 releases before or after g1's second read lock.
	// Lock of a lock whose read lock g1 took for g2 to release: Lock
	// waits for g2 (bbolt's write transaction remapping while the
	// read transactions it began on other goroutines are open).
	{"UpgradeHandedOff", seq(RLock(1, A), WLockWait(1, A), RUnlock(2, A), ev(1, A, race.RWMutexLock), WUnlock(1, A),
		eventtest.Deadlock(1)), nil},
	{"RecursiveReadHandedOff", seq(RLock(1, A), RLock(1, A), RUnlock(2, A), RUnlock(1, A)), nil},
	{"RecursiveReadHandedOffLast", seq(RLock(1, A), RLock(1, A), RUnlock(1, A), RUnlock(2, A)), nil},
	{"RecursiveReadHandedOffTwice", seq(RLock(1, A), RLock(1, A), RLock(1, A), RUnlock(2, A), RUnlock(3, A), RUnlock(1, A)), nil},
	{"ReadersInParallel", seq(RLock(1, A), RLock(2, A), RLock(3, A), RUnlock(1, A), RUnlock(2, A)), nil},
	// A freed lock is forgotten: its address reused is another lock.
	{"FreeForgets", seq(lockUnlock(1, A, B), Free(A, 8), lockUnlock(2, B, A)), nil},
	{"FreeWhileHeld", seq(Lock(1, A), Free(A, 8), LockWait(1, A)), nil},
	{"FreeRange", seq(lockUnlock(1, A, B, C), Free(A-0x100000, 0x200000), lockUnlock(2, C, B, A)), nil},
}

func runTable(t *testing.T, tests []scriptTest) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			reps := h.Run(tt.steps...)
			ok := len(reps) == len(tt.want)
			for i := 0; ok && i < len(reps); i++ {
				ok = reps[i].Kind == "POTENTIAL DEADLOCK" && strings.HasPrefix(reps[i].Message, tt.want[i])
			}
			if !ok {
				t.Errorf("got %d reports, want %q:\n%sscript:\n%s", len(reps), tt.want, eventtest.Format(reps), h.Script())
			}
		})
	}
}

func TestDeadlock(t *testing.T)   { runTable(t, deadlockTests) }
func TestNoDeadlock(t *testing.T) { runTable(t, noDeadlockTests) }

func TestDeadlockCycleReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(
		at(Lock(1, A), 0x1000), at(Lock(1, B), 0x1100), Unlock(1, B), Unlock(1, A),
		at(Lock(2, B), 0x2000), at(RLock(2, C), 0x2080), RUnlock(2, C), at(Lock(2, A), 0x2100),
	)
	if len(reps) != 1 {
		t.Fatalf("got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	r := reps[0]
	if want := fmt.Sprintf("lock order cycle of 2 locks: %#x -> %#x -> %#x", B, A, B); r.Message != want {
		t.Errorf("Message = %q, want %q", r.Message, want)
	}
	if len(r.Accesses) != 2 {
		t.Fatalf("%d accesses:\n%s", len(r.Accesses), eventtest.Format(reps))
	}
	cur, prev := r.Accesses[0], r.Accesses[1]
	if cur.Verb != "Lock" || cur.Previous || cur.Addr != A || cur.G != 2 || cur.PC != 0x2100 || cur.Stack != 0x2100 {
		t.Errorf("current access: %+v", cur)
	}
	if prev.Verb != "Lock" || !prev.Previous || prev.Addr != B || prev.G != 1 || prev.PC != 0x1100 || prev.Stack != 0x1100 {
		t.Errorf("previous access: %+v", prev)
	}
	for i, a := range r.Accesses {
		from, to := B, A
		if i == 1 {
			from, to = A, B
		}
		if !strings.Contains(a.Note, fmt.Sprintf("holding %#x (sync.Mutex", from)) ||
			!strings.Contains(a.Note, fmt.Sprintf("requests %#x (sync.Mutex)", to)) {
			t.Errorf("access %d note %q", i, a.Note)
		}
	}
}

func TestDeadlockRecursiveReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(at(RLock(1, A), 0x1000), at(WLockWait(1, A), 0x2000), eventtest.Deadlock(1))
	if len(reps) != 1 {
		t.Fatalf("got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	r := reps[0]
	if !strings.HasPrefix(r.Message, fmt.Sprintf("lock upgrade of %#x (sync.RWMutex)", A)) {
		t.Errorf("Message = %q", r.Message)
	}
	want := []race.ReportAccess{
		{Verb: "Lock", Addr: A, G: 1, PC: 0x2000, Stack: 0x2000},
		{Verb: "RLock", Previous: true, Addr: A, G: 1, PC: 0x1000, Stack: 0x1000},
	}
	if len(r.Accesses) != 2 || fmt.Sprint(r.Accesses) != fmt.Sprint(want) {
		t.Errorf("got\n%s\nwant %+v", eventtest.Format(reps), want)
	}
}

// TestDeadlockRecursiveReadBlocked checks that a recursive read locking
// whose earlier read lock is never released, its goroutine blocked for good
// (the RWR deadlock: the second RLock waits behind a writer that waits for
// the first), is reported by the deadlock checks that list the goroutine,
// and that one handed off is not.
func TestDeadlockRecursiveReadBlocked(t *testing.T) {
	rwr := func(h harness) []race.Report {
		return h.Run(at(RLock(1, A), 0x1000), WLockWait(2, A), at(RLockWait(1, A), 0x2000))
	}
	check := func(what string, rs []race.Report, want ...string) {
		t.Helper()
		var got []string
		for _, r := range rs {
			got = append(got, r.Kind+": "+r.Message)
		}
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = strings.HasPrefix(got[i], want[i])
		}
		if !ok {
			t.Errorf("%s: got %q, want prefixes %q", what, got, want)
		}
	}
	const pot, dead, timeout = "POTENTIAL DEADLOCK: " + recurR, "DEADLOCK: goroutine 2 waits", "TEST TIMEOUT: goroutine 2 waits"

	h := newHarness(t)
	check("before the check", rwr(h))
	rs := h.Run(eventtest.Deadlock(1, 2))
	check("deadlock", rs, pot, dead)
	want := []race.ReportAccess{
		{Verb: "RLock", Addr: A, G: 1, PC: 0x2000, Stack: 0x2000},
		{Verb: "RLock", Previous: true, Addr: A, G: 1, PC: 0x1000, Stack: 0x1000},
	}
	if len(rs) > 0 && fmt.Sprint(rs[0].Accesses) != fmt.Sprint(want) {
		t.Errorf("accesses %+v, want %+v", rs[0].Accesses, want)
	}

	// Partial deadlocks and timeouts: only of the goroutines listed.
	h = newHarness(t)
	rwr(h)
	h.d.OnPartialDeadlock([]int64{h.G(2).ID})
	check("partial, writer only", h.d.Report(), "DEADLOCK: goroutine 2 waits")
	h.d.OnPartialDeadlock([]int64{h.G(1).ID})
	check("partial, reader", h.d.Report(), pot)
	h = newHarness(t)
	rwr(h)
	h.d.OnTimeout([]int64{h.G(1).ID, h.G(2).ID})
	check("timeout", h.d.Report(), pot, timeout)

	// A test end or the exit: the reader is parked in an RLock of A.
	parked := func(h harness, waits ...race.Wait) {
		reader := h.G(1).ID
		h.d.lookup = func(id int64) (race.GoroutineStatus, bool) {
			if id == reader {
				return race.GoroutineStatus{State: "sync.RWMutex.RLock", Blocked: len(waits) > 0, Waits: waits}, true
			}
			return race.GoroutineStatus{State: "running"}, true
		}
	}
	h = newHarness(t)
	rwr(h)
	parked(h) // running: its second RLock may yet return
	if h.d.OnTestEnd(h.G(2), "TestX") != 0 {
		t.Error("OnTestEnd asked to wait")
	}
	check("test end, running", h.d.Report())
	parked(h, race.Wait{Kind: race.WaitRLock, Addr: B}) // another lock
	h.d.OnExit(h.G(2))
	check("exit, parked on B", h.d.Report())
	parked(h, race.Wait{Kind: race.WaitRLock, Addr: A})
	h.d.OnTestEnd(h.G(2), "TestX")
	check("test end, parked", h.d.Report(), pot)
	h.d.OnExit(h.G(2))
	check("exit after the test end", h.d.Report())
	h = newHarness(t)
	rwr(h)
	parked(h, race.Wait{Kind: race.WaitRLock, Addr: A})
	h.d.OnExit(h.G(2))
	check("exit, parked", h.d.Report(), pot)

	// Handed off: g2 released the earlier read lock; g1 waits behind the
	// writer, which waits for nobody now.
	h = newHarness(t)
	rs = h.Run(RLock(1, A), RLockWait(1, A), RUnlock(2, A), WLockWait(3, A), eventtest.Deadlock(1, 3))
	check("handed off", rs)
}

func TestReportDrains(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(seq(lockUnlock(1, A, B), lockUnlock(2, B, A))...); len(reps) != 1 {
		t.Fatalf("got %d reports", len(reps))
	}
	if reps := h.d.Report(); len(reps) != 0 {
		t.Errorf("second Report returned %d reports", len(reps))
	}
}

// TestNoDeadlockIgnoredPackages checks that lock events made by package
// testing (or with no caller outside sync and the runtime) are ignored,
// and that unlocks are never filtered.
func TestNoDeadlockIgnoredPackages(t *testing.T) {
	var pcs [4]uintptr
	if runtime.Callers(1, pcs[:]) < 2 {
		t.Fatal("no callers")
	}
	testingPC := pcs[1] // testing.tRunner
	h := newHarness(t)
	reps := h.Run(seq(
		at(Lock(1, A), testingPC), Lock(1, B), Unlock(1, B), at(Unlock(1, A), testingPC),
		Lock(2, B), at(Lock(2, A), testingPC), Unlock(2, A), Unlock(2, B),
		// No caller outside sync: ignored.
		Lock(3, C).At(0), LockWait(3, C).At(0),
		// A lock taken by user code, unlocked from an ignored package.
		Lock(4, D), at(Unlock(4, D), testingPC), Lock(4, D))...)
	if len(reps) != 0 {
		t.Errorf("got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	// This test's own code is not ignored: user code here, the standard
	// library's when the detector's tests run installed in GOROOT.
	c := lockCode()
	if c.Class(testingPC) != code.Ignored || c.Class(pcs[0]) == code.Ignored {
		t.Errorf("Class(testing.tRunner) = %v, Class(test) = %v", c.Class(testingPC), c.Class(pcs[0]))
	}
}

// TestLockCode checks which code's lock events are ignored: package
// testing's, the runtime's (runtime/... too, but not the built-in
// detectors') and internal packages', and that sync's frames are looked
// through to the code that locks.
func TestLockCode(t *testing.T) {
	c := lockCode()
	for fn, want := range map[string]bool{
		"testing.(*T).Run":                    true,
		"runtime.gcBgMarkWorker":              true,
		"runtime/pprof.StartCPUProfile":       true,
		"internal/poll.(*FD).Read":            true,
		"runtime/race/detectors/lockorder.F":  false,
		"testing/synctest.Test":               false,
		"net/http.(*Transport).getConn":       false,
		"example.com/m.(*Server).handle":      false,
		"example.com/internal/m.(*Server).do": false,
	} {
		if got := c.ClassOf(runtime.Frame{Function: fn}) == code.Ignored; got != want {
			t.Errorf("%s: ignored = %v, want %v", fn, got, want)
		}
	}
	if got := c.Class(reflect.ValueOf((*sync.Mutex).Lock).Pointer() + 1); got != code.None {
		t.Errorf("Class(sync.(*Mutex).Lock) = %v, want none (sync is looked through)", got)
	}
}

// stdPC is a return address in the standard library, outside the packages
// ignored altogether.
var stdPC = reflect.ValueOf(strings.ToUpper).Pointer() + 1

// The standard library's own locking is not reported: a cycle every
// taking of which, requests and locks held, is made by standard-library
// code (syscall's fork locks), or recursive locking there; the same with
// one taking in user code is.
func TestNoDeadlockStdOnly(t *testing.T) {
	if c := lockCode().Class(stdPC); c != code.Std {
		t.Fatalf("Class(strings.ToUpper) = %v, want std (GOROOT %q)", c, race.GOROOT())
	}
	cycle := func(last uintptr) []step {
		return seq(
			at(Lock(1, A), stdPC), at(Lock(1, B), stdPC), Unlock(1, B), Unlock(1, A),
			at(Lock(2, B), stdPC), at(Lock(2, A), last), Unlock(2, A), Unlock(2, B))
	}
	recursive := func(last uintptr) []step {
		return seq(at(RLock(3, C), stdPC), at(RLock(3, C), last), RUnlock(3, C), RUnlock(3, C))
	}
	if reps := newHarness(t).Run(append(cycle(stdPC), recursive(stdPC)...)...); len(reps) != 0 {
		t.Errorf("standard library only: got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	reps := newHarness(t).Run(append(cycle(0), recursive(0)...)...)
	var kinds []string
	for _, r := range reps {
		kinds = append(kinds, strings.SplitN(r.Message, ":", 2)[0])
	}
	if want := "lock order cycle of 2 locks,recursive read locking of 0x" + strconv.FormatUint(uint64(C), 16) + " (sync.RWMutex)"; strings.Join(kinds, ",") != want {
		t.Errorf("one taking in user code: reports %q, want %q", kinds, want)
	}
}

// TestNoDeadlockFreePrunes checks that freed locks leave the table and
// that edges into them are pruned by a later search.
func TestNoDeadlockFreePrunes(t *testing.T) {
	h := newHarness(t)
	h.Run(seq(lockUnlock(1, A, B), lockUnlock(1, C, B))...)
	h.d.OnFree(B, 8)
	if h.d.node(B, false) != nil {
		t.Fatal("freed lock still in the table")
	}
	// A new edge from B's successor search: C→... search from the
	// requested lock runs over A's edges.
	h.Run(seq(lockUnlock(2, D, A))...)
	a := h.d.node(A, false)
	if a == nil {
		t.Fatal("no node for A")
	}
	if len(a.out) != 0 {
		t.Errorf("A has %d edges after its target was freed", len(a.out))
	}
	h.d.OnFree(A-pageSizeForTest, 2*pageSizeForTest)
	if n := h.d.pages.Len(); n != 0 {
		t.Errorf("%d pages left", n)
	}
}

const pageSizeForTest = 1 << pageShift

// TestMallocDoesNotAllocate checks that OnMalloc and OnFree do not allocate.
func TestMallocDoesNotAllocate(t *testing.T) {
	h := newHarness(t)
	eventtest.NoDropAllocs(t, 10, func() {
		h.Run(seq(lockUnlock(1, A, B, C), lockUnlock(2, A+5*pageSizeForTest, D))...)
	}, func() {
		h.d.OnFree(A, 8)
		h.d.OnMalloc(B, 16)
		h.d.OnFree(A+5*pageSizeForTest, pageSizeForTest)
		h.d.OnMalloc(A-1<<30, 2<<30)
		h.d.OnFree(D, 0)
		h.d.OnFree(^uintptr(0)-pageSizeForTest, 2*pageSizeForTest)
	})
	if n := h.d.pages.Len(); n != 0 {
		t.Errorf("%d pages left", n)
	}
}

// TestNoDeadlockConcurrent drives the detector from real goroutines that
// take shared locks in a consistent order, read-lock an RWMutex, hand
// locks to one another to unlock, and lock private mutexes that are
// freed: it must report nothing (and, under -race, not race itself).
func TestNoDeadlockConcurrent(t *testing.T) {
	const n, iters = 6, 400
	d := newDetector()
	var wg sync.WaitGroup
	var handoff sync.Mutex // real lock: only one handed-off lock at a time
	for i := range n {
		g := &race.Goroutine{ID: int64(i + 2)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := func(k race.SyncKind, obj uintptr) {
				d.OnSync(race.SyncOp{G: g, Kind: k, Obj: obj, PC: uintptr(0x1000 + i), Stack: race.StackID(i)})
			}
			own := A + 0x10000 + uintptr(i)*0x1000
			for j := range iters {
				for _, m := range []uintptr{A, B, C} {
					op(race.MutexLockWait, m)
					op(race.MutexLock, m)
				}
				op(race.RWMutexRLockWait, D)
				op(race.RWMutexRLock, D)
				op(race.MutexLockWait, own)
				op(race.MutexLock, own)
				op(race.MutexUnlock, own)
				op(race.RWMutexRUnlock, D)
				for _, m := range []uintptr{C, B, A} {
					op(race.MutexUnlock, m)
				}
				d.OnFree(own, 8)
				if j%10 == 0 {
					// Lock G here, let the next goroutine... unlock
					// it itself: Unlock from any goroutine.
					handoff.Lock()
					op(race.MutexLockWait, G)
					op(race.MutexLock, G)
					other := &race.Goroutine{ID: 100}
					d.OnSync(race.SyncOp{G: other, Kind: race.MutexUnlock, Obj: G, PC: 0x9000})
					handoff.Unlock()
				}
				if j%50 == 0 {
					d.Report()
				}
			}
		}()
	}
	wg.Wait()
	if reps := d.Report(); len(reps) != 0 {
		t.Errorf("%d reports:\n%s", len(reps), eventtest.Format(reps))
	}
}

func BenchmarkLockUnlock(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	for b.Loop() {
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexLockWait, Obj: A, PC: 0x1000})
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: A, PC: 0x1000})
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: A, PC: 0x1000})
	}
}

func BenchmarkNestedLock(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: A, PC: 0x1000})
	for b.Loop() {
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexLockWait, Obj: B, PC: 0x1000})
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexLock, Obj: B, PC: 0x1000})
		d.OnSync(race.SyncOp{G: g, Kind: race.MutexUnlock, Obj: B, PC: 0x1000})
	}
}

// When every goroutine is blocked, a goroutine waiting for a lock is
// reported with the lock's holder: where it took the lock and where it is
// blocked now.
func TestDeadlockHolder(t *testing.T) {
	h := newHarness(t)
	holder := int64(1) // goroutine 1
	h.d.lookup = func(id int64) (race.GoroutineStatus, bool) {
		if id == holder {
			return race.GoroutineStatus{State: "chan send", Blocked: true, Stack: []uintptr{0x1234}}, true
		}
		return race.GoroutineStatus{}, false
	}
	// Goroutine 3 waits for B, which nobody holds: not a lock deadlock.
	if rs := h.Run(Lock(1, A), LockWait(2, A), LockWait(3, B)); len(rs) != 0 {
		t.Fatalf("reports before the deadlock: %v", rs)
	}
	waiter := h.G(2).ID
	rs := h.Run(eventtest.Deadlock(3, 2, 1))
	if len(rs) != 1 {
		t.Fatalf("got %d reports, want 1: %v", len(rs), rs)
	}
	r := rs[0]
	msg := fmt.Sprintf("goroutine %d waits for %s (sync.Mutex), held by goroutine %d, and every goroutine is blocked", waiter, hex(A), holder)
	if r.Kind != "DEADLOCK" || r.Message != msg {
		t.Errorf("report %s: %s\nwant DEADLOCK: %s", r.Kind, r.Message, msg)
	}
	var got []string
	for _, a := range r.Accesses {
		got = append(got, fmt.Sprintf("%s prev=%v g%d pc=%#x frames=%v", a.Verb, a.Previous, a.G, a.PC, a.Frames))
	}
	want := []string{
		fmt.Sprintf("Lock prev=false g%d pc=%#x frames=[]", waiter, eventtest.PC(1)),
		fmt.Sprintf("Lock prev=true g%d pc=%#x frames=[]", holder, eventtest.PC(0)),
		fmt.Sprintf("Blocked in chan send prev=false g%d pc=0x0 frames=[4660]", holder),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("accesses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Blocked for good while others run on: the same report, saying so.
	h.d.OnPartialDeadlock([]int64{holder, waiter})
	rs = h.d.Report()
	msg = fmt.Sprintf("goroutine %d waits for %s (sync.Mutex), held by goroutine %d, both blocked for good", waiter, hex(A), holder)
	if len(rs) != 1 || rs[0].Message != msg {
		t.Errorf("partial deadlock reports %v, want one: %s", rs, msg)
	}

	// At the -test.timeout alarm: the same, under its own kind.
	h.d.OnTimeout([]int64{holder, waiter})
	rs = h.d.Report()
	msg = fmt.Sprintf("goroutine %d waits for %s (sync.Mutex), held by goroutine %d, when the test timed out", waiter, hex(A), holder)
	if len(rs) != 1 || rs[0].Kind != "TEST TIMEOUT" || rs[0].Message != msg {
		t.Errorf("timeout reports %v, want one TEST TIMEOUT: %s", rs, msg)
	}

	// Once the waiter has the lock, it waits for nothing.
	if rs := h.Run(Unlock(1, A), ev(2, A, race.MutexLock), eventtest.Deadlock(2, 1)); len(rs) != 0 {
		t.Errorf("after the lock was acquired: %v", rs)
	}
}

// Channels: events as the runtime delivers them (race.ChanMake with the
// buffer size; a send or receive with the buffer slot, -1 for a hand-off,
// -2 for a receive that found the channel closed, race.ChanWaited XORed in
// if it parked first; the case a select chose after its channel event).
const (
	Ch   = A + 0x1000 // an unbuffered channel
	Ch2  = A + 0x2000
	Buf  = A + 0x3000 // a buffered channel
	WG   = A + 0x4000
	Cond = A + 0x5000
)

func MakeChan(g int, c uintptr, size int64) step  { return eventtest.Sync(g, race.ChanMake, c, size) }
func Send(g int, c uintptr) step                  { return eventtest.Sync(g, race.ChanSend, c, -1) }
func Recv(g int, c uintptr) step                  { return eventtest.Sync(g, race.ChanRecv, c, -1) }
func RecvClosed(g int, c uintptr) step            { return eventtest.Sync(g, race.ChanRecv, c, -2) }
func Close(g int, c uintptr) step                 { return eventtest.Sync(g, race.ChanClose, c, 0) }
func SelectCase(g int, c uintptr, i int64) step   { return eventtest.Sync(g, race.Select, c, i) }
func SelectDefault(g int) step                    { return eventtest.Sync(g, race.Select, 0, -1) }
func CaseRecord(g int, c uintptr, arg int64) step { return eventtest.Sync(g, race.SelectCase, c, arg) }
func BufSend(g int, c uintptr, slot int64) step   { return eventtest.Sync(g, race.ChanSend, c, slot) }
func BufRecv(g int, c uintptr, slot int64) step   { return eventtest.Sync(g, race.ChanRecv, c, slot) }
func WGWait(g int, wg uintptr) step               { return eventtest.Sync(g, race.WaitGroupWait, wg, 0) }
func CondWait(g int, cond uintptr) step           { return eventtest.Sync(g, race.CondWait, cond, 0) }

// WaitedSend and WaitedRecv are a send and a receive whose goroutine
// parked first (race.ChanWaited), woken by a receiver, a sender.
func WaitedSend(g int, c uintptr) step {
	return eventtest.Sync(g, race.ChanSend, c, -1^race.ChanWaited)
}
func WaitedRecv(g int, c uintptr) step {
	return eventtest.Sync(g, race.ChanRecv, c, -1^race.ChanWaited)
}

// lockedSends are n sends on the buffered channel c, each with m held.
func lockedSends(g int, m, c uintptr, n int) []step {
	var s []step
	for i := range n {
		s = append(s, Lock(g, m), BufSend(g, c, int64(i)), Unlock(g, m))
	}
	return s
}

// manySenders are sends on Buf by n goroutines (10 on), once each,
// holding no lock.
func manySenders(n int) []step {
	var s []step
	for i := range n {
		s = append(s, BufSend(10+i, Buf, int64(i)))
	}
	return s
}

// lockedRecvs are n receives from c, each after g took and released m.
func lockedRecvs(g int, m, c uintptr, n int) []step {
	var s []step
	for i := range n {
		s = append(s, lockUnlock(g, m)...)
		s = append(s, BufRecv(g, c, int64(i)))
	}
	return s
}

const mixed = "lock and channel cycle"

var chanDeadlockTests = []scriptTest{
	// The classic: G1 holds A while it sends; the only receiver, G2,
	// took A before it received. This run does not hang (G2 went
	// first); the other order does.
	{"LockedSend", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed}},
	// The receiver was parked: its event comes after the sender's.
	{"LockedSendReceiverParked", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Lock(1, A), Send(1, Ch), Unlock(1, A), Recv(2, Ch)), []string{mixed}},
	// Receiving with the lock held, the only sender needs it.
	{"LockedRecv", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Send(2, Ch), Lock(1, A), Recv(1, Ch), Unlock(1, A)), []string{mixed}},
	{"LockedRecvCloser", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Close(2, Ch), Lock(1, A), RecvClosed(1, Ch), Unlock(1, A)), []string{mixed}},
	// Both hold the lock across their operations (a deferred unlock):
	// whichever locks first blocks on the channel, a cycle per side.
	{"BothHold", seq(MakeChan(3, Ch, 0), Lock(2, A), Recv(2, Ch), Unlock(2, A), Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed, mixed}},
	// A write lock against a reader that needs it.
	{"WriterVersusReader", seq(MakeChan(3, Ch, 0), RLock(2, A), RUnlock(2, A), Recv(2, Ch), WLock(1, A), Send(1, Ch), WUnlock(1, A)), []string{mixed}},
	// Through a lock-order edge: G1 holds A, sends; the receiver G2
	// takes B first; G3 holds B and requests A.
	{"ThroughLockEdge", seq(MakeChan(4, Ch, 0), lockUnlock(2, B), Recv(2, Ch), lockUnlock(3, B, A), Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed}},
	// Two channels: G1 holds A, sends on Ch; G2 receives on Ch after
	// taking B; G3 holds B, sends on Ch2; G4 receives on Ch2 after
	// taking A.
	{"TwoChannels", seq(MakeChan(5, Ch, 0), MakeChan(5, Ch2, 0),
		lockUnlock(2, B), Recv(2, Ch), lockUnlock(4, A), Recv(4, Ch2),
		Lock(3, B), Send(3, Ch2), Unlock(3, B), Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed}},
	// A gate held on both sides does not guard: the peer blocks on it
	// (a cycle through the gate, and one through A).
	{"GateDoesNotGuard", seq(MakeChan(3, Ch, 0), Lock(2, G), Lock(2, A), Unlock(2, A), Unlock(2, G), Recv(2, Ch),
		Lock(1, G), Lock(1, A), Send(1, Ch), Unlock(1, A), Unlock(1, G)), []string{mixed, mixed}},
	// A select that took its default case is not the send's.
	{"SelectDefaultAfter", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), SelectDefault(1), Unlock(1, A)), []string{mixed}},
	// The peer's receive in a select needs the lock all the same.
	{"PeerInSelect", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), SelectCase(2, Ch, 1), Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed}},
	// Each cycle once.
	{"ReportedOnce", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A),
		lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed}},

	// Buffered channels. A send that waited on the full buffer with A
	// held; the only receiver took A before it received.
	{"BufferedSendWaited", seq(MakeChan(3, Buf, 1), BufSend(1, Buf, 0), lockUnlock(2, A), Lock(1, A), WaitedSend(1, Buf), Unlock(1, A),
		BufRecv(2, Buf, 0)), []string{mixed}},
	// A receive that waited on the empty buffer with A held; the only
	// sender took A before it sent.
	{"BufferedRecvWaited", seq(MakeChan(3, Buf, 2), lockUnlock(2, A), Lock(1, A), WaitedRecv(1, Buf), Unlock(1, A), Send(2, Buf)), []string{mixed}},
	// No send waited, but the producer sends three times with nothing
	// in between that waits for the consumer, into a buffer of two:
	// its third send holding A blocks if the consumer, which takes A
	// before each receive, is late.
	{"BufferedFillable", seq(MakeChan(3, Buf, 2), lockedRecvs(2, A, Buf, 0), lockedSends(1, A, Buf, 1), lockedRecvs(2, A, Buf, 1),
		lockedSends(1, A, Buf, 2)), []string{mixed}},
	// Three producers sending once each fill a buffer of two.
	{"BufferedFillableBySenders", seq(MakeChan(3, Buf, 2), lockedSends(4, A, Buf, 1), lockedRecvs(2, A, Buf, 1),
		lockedSends(5, A, Buf, 1), lockedRecvs(2, A, Buf, 1), lockedSends(1, A, Buf, 1)), []string{mixed}},
	// The peer's Cond.Wait took the lock again (Unlock, Lock, then the
	// CondWait event): it still needs the lock before it receives.
	{"PeerCondWait", seq(MakeChan(3, Ch, 0), Lock(2, A), Unlock(2, A), Lock(2, A), CondWait(2, Cond), Unlock(2, A), Recv(2, Ch),
		Lock(1, A), Send(1, Ch), Unlock(1, A)), []string{mixed}},
	// Ten producers sending once each fill a buffer of nine: the bursts
	// of the first eight are kept, the sends of the others counted alone.
	{"BufferedFillableByManySenders", seq(MakeChan(3, Buf, 9), lockedRecvs(2, A, Buf, 1), manySenders(9),
		lockedSends(1, A, Buf, 1)), []string{mixed}},
	// A lock unlocked by another goroutine than its taker: the taker's
	// edges from it, before, still make the cycle.
	{"UnlockedByOther", seq(Lock(1, A), Lock(1, B), Unlock(2, B), Unlock(1, A), lockUnlock(3, B, A)), []string{cycle}},
}

var chanNoDeadlockTests = []scriptTest{
	// The fixed twin: the sender unlocks before it sends.
	{"UnlockBeforeSend", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), lockUnlock(1, A), Send(1, Ch)), nil},
	{"UnlockBeforeRecv", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Send(2, Ch), lockUnlock(1, A), Recv(1, Ch)), nil},
	// A buffered channel: a send with room does not block (see doc.go).
	{"Buffered", seq(MakeChan(3, Buf, 1), lockUnlock(2, A), Lock(1, A), BufSend(1, Buf, 0), Unlock(1, A), BufRecv(2, Buf, 0)), nil},
	// A channel made before the detector ran: its size is unknown.
	{"UnknownChannel", seq(lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	// The peer took the lock before an earlier channel operation.
	{"PeerWindowChannel", seq(MakeChan(3, Ch, 0), MakeChan(3, Ch2, 0), lockUnlock(2, A), Send(2, Ch2), Recv(4, Ch2), Recv(2, Ch),
		Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	{"PeerWindowWaitGroup", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), WGWait(2, WG), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	{"PeerWindowBuffered", seq(MakeChan(3, Ch, 0), MakeChan(3, Buf, 4), lockUnlock(2, A), BufSend(2, Buf, 0), Recv(2, Ch),
		Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	// Another receiver, which needs no lock, serves the sender.
	{"OtherReceiver", seq(MakeChan(3, Ch, 0), Recv(4, Ch), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A), Send(1, Ch)), nil},
	{"OtherReceiverNoState", seq(MakeChan(3, Ch, 0), Recv(5, Ch), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	// One goroutine both sends and receives.
	{"SameGoroutine", seq(MakeChan(3, Ch, 0), lockUnlock(1, A), Recv(1, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	// A select's case: the select may have a default or other cases.
	{"SelectCase", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), SelectCase(1, Ch, 0), Unlock(1, A)), nil},
	// The same with the select's case records (race.SelectCase, trace
	// version 5) between its send and its Select: still a select's case.
	{"SelectCaseRecords", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch),
		CaseRecord(1, Ch, 0|race.SelectCaseSend), CaseRecord(1, Ch2, 1), SelectCase(1, Ch, 0), Unlock(1, A)), nil},
	// A close never blocks.
	{"CloseHolding", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Close(1, Ch), Unlock(1, A)), nil},
	// Both read-lock the RWMutex.
	{"BothRead", seq(MakeChan(3, Ch, 0), RLock(2, A), RUnlock(2, A), Recv(2, Ch), RLock(1, A), Send(1, Ch), RUnlock(1, A)), nil},
	// A TryLock cannot block the peer.
	{"PeerTryLock", seq(MakeChan(3, Ch, 0), TryLock(2, A, true), Unlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	// The lock the sender took was unlocked by another goroutine before
	// the send: the sender does not hold it.
	{"UnlockedByOtherBeforeSend", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Unlock(4, A), Send(1, Ch)), nil},
	{"UnlockedByOtherNoStaleEdge", seq(Lock(1, A), Unlock(2, A), Lock(1, B), Unlock(1, B), lockUnlock(3, B, A)), nil},
	// A freed channel is forgotten, and so is a freed lock.
	{"FreedChannel", seq(MakeChan(3, Ch, 0), Free(Ch, 96), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	{"FreedAfterUse", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Free(Ch, 96), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	{"RemadeBuffered", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), MakeChan(3, Ch, 1), Lock(1, A), BufSend(1, Ch, 0), Unlock(1, A)), nil},
	{"RemadeUnbuffered", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), MakeChan(3, Ch, 0), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},
	{"FreedLock", seq(MakeChan(3, Ch, 0), lockUnlock(2, A), Recv(2, Ch), Free(A, 8), Lock(1, A), Send(1, Ch), Unlock(1, A)), nil},

	// Buffered channels, the fixed twins. As many sends as the buffer
	// holds never block.
	{"BufferedNotFillable", seq(MakeChan(3, Buf, 2), lockUnlock(2, A), lockedSends(1, A, Buf, 2), lockedRecvs(2, A, Buf, 2)), nil},
	{"BufferedNotFillableBySenders", seq(MakeChan(3, Buf, 2), lockedSends(4, A, Buf, 1), lockedRecvs(2, A, Buf, 1),
		lockedSends(1, A, Buf, 1), lockedRecvs(2, A, Buf, 1)), nil},
	// A producer that waits on a Cond between its sends (for the
	// consumer's signal) has bursts of one.
	{"BufferedCondWaitEndsBurst", seq(MakeChan(3, Buf, 1), lockedRecvs(2, A, Buf, 1), lockedSends(1, A, Buf, 1), CondWait(1, Cond),
		lockedSends(1, A, Buf, 1), CondWait(1, Cond), lockedSends(1, A, Buf, 1)), nil},
	{"BufferedNotFillableByManySenders", seq(MakeChan(3, Buf, 10), lockedRecvs(2, A, Buf, 1), manySenders(9),
		lockedSends(1, A, Buf, 1)), nil},
	// A request and its reply: the producer waits for the consumer's
	// reply after each send, so at most one value is in the buffer.
	{"BufferedRequestReply", seq(MakeChan(3, Buf, 1), MakeChan(3, Ch2, 0),
		lockedSends(1, A, Buf, 1), lockedRecvs(2, A, Buf, 1), Send(2, Ch2), Recv(1, Ch2),
		lockedSends(1, A, Buf, 1), lockedRecvs(2, A, Buf, 1), Send(2, Ch2), Recv(1, Ch2),
		lockedSends(1, A, Buf, 1), lockedRecvs(2, A, Buf, 1), Send(2, Ch2), Recv(1, Ch2)), nil},
	// The producer unlocks before it sends: nothing held while blocked.
	{"BufferedUnlockBeforeSend", seq(MakeChan(3, Buf, 1), lockedRecvs(2, A, Buf, 0), lockUnlock(1, A), BufSend(1, Buf, 0),
		lockedRecvs(2, A, Buf, 1), lockUnlock(1, A), BufSend(1, Buf, 0), lockUnlock(1, A), WaitedSend(1, Buf), lockedRecvs(2, A, Buf, 2)), nil},
	// A receive that found its value buffered: the value may have been
	// sent before the receiver could lock (no edge).
	{"BufferedRecvFound", seq(MakeChan(3, Buf, 1), lockUnlock(2, A), BufSend(2, Buf, 0), Lock(1, A), BufRecv(1, Buf, 0), Unlock(1, A)), nil},
	// The receive waited, but another sender, which needs no lock,
	// serves the channel too.
	{"BufferedRecvWaitedOtherSender", seq(MakeChan(3, Buf, 2), BufSend(4, Buf, 0), BufRecv(1, Buf, 0), lockUnlock(2, A),
		Lock(1, A), WaitedRecv(1, Buf), Unlock(1, A), Send(2, Buf)), nil},
	// A send in a select (it may have a default) does not block.
	{"BufferedSelectSend", seq(MakeChan(3, Buf, 1), lockedRecvs(2, A, Buf, 0), Lock(1, A), WaitedSend(1, Buf), SelectCase(1, Buf, 0),
		Unlock(1, A), lockedRecvs(2, A, Buf, 1)), nil},
}

func TestDeadlockChannel(t *testing.T)   { runTable(t, chanDeadlockTests) }
func TestNoDeadlockChannel(t *testing.T) { runTable(t, chanNoDeadlockTests) }

// A cycle through a channel names each edge as a chain: the holder, where
// it blocks on the channel, the only peer and where it needs the lock.
func TestDeadlockChannelReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(MakeChan(3, Ch, 0),
		at(Lock(2, A), 0x2000), at(Unlock(2, A), 0x2010), at(Recv(2, Ch), 0x2020),
		at(Lock(1, A), 0x1000), at(Send(1, Ch), 0x1010), at(Unlock(1, A), 0x1020))
	if len(reps) != 1 {
		t.Fatalf("got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	r := reps[0]
	want := fmt.Sprintf("lock and channel cycle of 1 lock and 1 channel: goroutine 1 holds %#x (sync.Mutex, locked at ?)"+
		" -> blocked sending on chan %#x at ? -> only receiver goroutine 2 first needs %#x at ?", A, Ch, A)
	if r.Kind != "POTENTIAL DEADLOCK" || r.Message != want {
		t.Errorf("report %s: %s\nwant POTENTIAL DEADLOCK: %s", r.Kind, r.Message, want)
	}
	var got []string
	for _, a := range r.Accesses {
		got = append(got, fmt.Sprintf("%s prev=%v g%d addr=%#x pc=%#x: %s", a.Verb, a.Previous, a.G, a.Addr, a.PC, a.Note))
	}
	wantAcc := []string{
		fmt.Sprintf("Send prev=false g1 addr=%#x pc=0x1010: holding %#x (sync.Mutex, locked at ?), blocked sending on chan %#x (unbuffered)", Ch, A, Ch),
		fmt.Sprintf("Lock prev=true g2 addr=%#x pc=0x2000: the only receiver on chan %#x first needs %#x (sync.Mutex), then receives at ?", A, Ch, A),
	}
	if strings.Join(got, "\n") != strings.Join(wantAcc, "\n") {
		t.Errorf("accesses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantAcc, "\n"))
	}
}

// Freed channels leave the table: their pages go once empty, and a
// channel's nodes are dead.
func TestNoDeadlockChannelFreed(t *testing.T) {
	h := newHarness(t)
	h.Run(seq(MakeChan(3, Ch, 0), MakeChan(3, Ch+96, 0), lockUnlock(2, A), Recv(2, Ch), Lock(1, A), Send(1, Ch), Unlock(1, A))...)
	c := h.d.chanOf(Ch)
	if c == nil || c.node(dirSend) == nil {
		t.Fatal("no record of the channel used")
	}
	n := c.node(dirSend)
	h.d.OnFree(Ch, 96)
	if h.d.chanOf(Ch) != nil || !n.isDead() || c.node(dirSend) != nil {
		t.Error("freed channel still recorded")
	}
	if h.d.chanOf(Ch+96) == nil {
		t.Error("the other channel, never used, was dropped")
	}
	h.d.OnFree(Ch+96, 96)
	h.d.OnFree(A, 8)
	if n := h.d.pages.Len(); n != 0 {
		t.Errorf("%d pages left", n)
	}
}

// TestNoDeadlockChannelConcurrent drives the channel events from real
// goroutines: each takes the shared locks in one order and then operates
// on its own unbuffered channels, which are freed and made again, and on
// a shared unbuffered and a shared buffered one no lock is held for:
// nothing to report (and, under -race, no race in the detector).
func TestNoDeadlockChannelConcurrent(t *testing.T) {
	const n, iters = 6, 300
	d := newDetector()
	var wg sync.WaitGroup
	d.OnSync(race.SyncOp{G: &race.Goroutine{ID: 1}, Kind: race.ChanMake, Obj: Ch2, PC: 0x500})
	d.OnSync(race.SyncOp{G: &race.Goroutine{ID: 1}, Kind: race.ChanMake, Obj: Buf, Arg: 2, PC: 0x500})
	for i := range n {
		g := &race.Goroutine{ID: int64(i + 2)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := func(k race.SyncKind, obj uintptr, arg int64) {
				d.OnSync(race.SyncOp{G: g, Kind: k, Obj: obj, Arg: arg, PC: uintptr(0x1000 + i), Stack: race.StackID(i)})
			}
			own := Ch + 0x10000 + uintptr(i)*0x1000
			for j := range iters {
				op(race.ChanMake, own, 0)
				for _, m := range []uintptr{A, B} {
					op(race.MutexLockWait, m, 0)
					op(race.MutexLock, m, 0)
				}
				op(race.ChanSend, own, -1)
				op(race.ChanRecv, own, -1)
				for _, m := range []uintptr{B, A} {
					op(race.MutexUnlock, m, 0)
				}
				op(race.ChanSend, Ch2, -1)
				op(race.ChanRecv, Ch2, -1)
				op(race.Select, Ch2, 0)
				op(race.ChanSend, Buf, int64(j%2))
				op(race.ChanSend, Buf, -1^race.ChanWaited)
				op(race.ChanRecv, Buf, int64(j%2))
				d.OnFree(own, 96)
				if j%50 == 0 {
					d.Report()
				}
			}
		}()
	}
	wg.Wait()
	if reps := d.Report(); len(reps) != 0 {
		t.Errorf("%d reports:\n%s", len(reps), eventtest.Format(reps))
	}
}

// A cycle through a buffered channel says that the buffer is full (a
// send) or empty (a receive).
func TestDeadlockBufferedReportContents(t *testing.T) {
	for _, tt := range []struct {
		name  string
		steps []step
		want  string
	}{
		{"Send", seq(MakeChan(3, Buf, 1), BufSend(1, Buf, 0), lockUnlock(2, A), Lock(1, A), WaitedSend(1, Buf), Unlock(1, A), BufRecv(2, Buf, 0)),
			fmt.Sprintf("blocked sending on chan %#x (its buffer of 1 full) at ? -> only receiver goroutine 2 first needs %#x", Buf, A)},
		{"Recv", seq(MakeChan(3, Buf, 2), lockUnlock(2, A), Lock(1, A), WaitedRecv(1, Buf), Unlock(1, A), Send(2, Buf)),
			fmt.Sprintf("blocked receiving from chan %#x (its buffer of 2 empty) at ? -> only sender goroutine 2 first needs %#x", Buf, A)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			reps := h.Run(tt.steps...)
			if len(reps) != 1 || !strings.Contains(reps[0].Message, tt.want) || !strings.Contains(reps[0].Accesses[0].Note, "its buffer of") {
				t.Errorf("got:\n%swant a report containing %q", eventtest.Format(reps), tt.want)
			}
		})
	}
}

// TestDeadlockUpgradeParked checks that a lock upgrade is reported when a
// test ends with its goroutine parked in the Lock, and not while the Lock
// may still return.
func TestDeadlockUpgradeParked(t *testing.T) {
	h := newHarness(t)
	if rs := h.Run(RLock(1, A), WLockWait(1, A)); len(rs) != 0 {
		t.Fatalf("reports before the Lock parks: %v", rs)
	}
	var waits []race.Wait
	upgrader := h.G(1).ID
	h.d.lookup = func(id int64) (race.GoroutineStatus, bool) {
		return race.GoroutineStatus{State: "sync.RWMutex.Lock", Blocked: id == upgrader && waits != nil, Waits: waits}, true
	}
	h.d.OnTestEnd(h.G(2), "TestX")
	if rs := h.d.Report(); len(rs) != 0 {
		t.Errorf("reports while the upgrader runs: %v", rs)
	}
	waits = []race.Wait{{Kind: race.WaitWLock, Addr: A}}
	h.d.OnTestEnd(h.G(2), "TestX")
	if rs := h.d.Report(); len(rs) != 1 || !strings.HasPrefix(rs[0].Message, upgrade) {
		t.Errorf("at the test end with the upgrader parked: %v, want one %s", rs, upgrade)
	}
}
