// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"fmt"
	"runtime/race"
	"strings"
)

// A Step is one event of a synthetic event stream, or one operation of the
// program that the runtime delivers as several events (Lock, RLock, ...).
// Steps are made by the functions below and refined by the methods At,
// InStack and Width. A Step names its goroutine by number: goroutine n has
// ID n.
type Step struct {
	kind     stepKind
	g        int // the goroutine; for Go, the parent
	child    int // for Go
	addr     uintptr
	size     uintptr
	op       race.AtomicOp // for an atomic
	width    uint8         // for an atomic
	failed   bool          // for an atomic: a CompareAndSwap that failed
	sync     race.SyncKind // for Sync
	arg      int64         // for Sync
	name     string        // for TestStart and TestEnd
	ids      []int64       // for Deadlock
	pc       uintptr
	stack    race.StackID
	hasPC    bool // pc was set (At)
	hasStack bool // stack was set (At or InStack)
}

type stepKind uint8

const (
	kRead stepKind = iota + 1
	kWrite
	kReadRange
	kWriteRange
	kAtomic
	kAcquire
	kRelease
	kReleaseMerge
	kAcquireAll
	kGo
	kEnd
	kMalloc
	kFree
	kFuncEnter
	kFuncExit
	kSync
	kLock
	kUnlock
	kRLock
	kRUnlock
	kWLock
	kWUnlock
	kTestStart
	kTestEnd
	kExit
	kYield
	kTryLock
	kTryRLock
	kTryWLock
	kDeadlock
)

// Memory accesses of instrumented code. They reach the detector as the
// runtime delivers them: gathered in a batch per goroutine, delivered
// before the goroutine's next event of another kind and before another
// goroutine's event (see race.AccessDetector).

// Read is a 1-byte read of addr by goroutine g.
func Read(g int, addr uintptr) Step { return Step{kind: kRead, g: g, addr: addr, size: 1} }

// Write is a 1-byte write of addr by goroutine g.
func Write(g int, addr uintptr) Step { return Step{kind: kWrite, g: g, addr: addr, size: 1} }

// ReadRange is a read of size bytes at addr (a copy, a slice operation).
func ReadRange(g int, addr, size uintptr) Step {
	return Step{kind: kReadRange, g: g, addr: addr, size: size}
}

// WriteRange is a write of size bytes at addr.
func WriteRange(g int, addr, size uintptr) Step {
	return Step{kind: kWriteRange, g: g, addr: addr, size: size}
}

// Atomic is a sync/atomic operation of 8 bytes (see Width) at addr. It is
// delivered as the runtime delivers it: OnAtomic, then the happens-before
// edges the operation makes on addr (a load acquires, a store releases,
// a read-modify-write does both, a failed CompareAndSwap (FailedCAS)
// acquires).
func Atomic(g int, op race.AtomicOp, addr uintptr) Step {
	return Step{kind: kAtomic, g: g, addr: addr, op: op, width: 8}
}

// Load, Store, Add, Swap, And, Or and CAS are the atomic operations.

func Load(g int, addr uintptr) Step  { return Atomic(g, race.AtomicLoad, addr) }
func Store(g int, addr uintptr) Step { return Atomic(g, race.AtomicStore, addr) }
func Add(g int, addr uintptr) Step   { return Atomic(g, race.AtomicAdd, addr) }
func Swap(g int, addr uintptr) Step  { return Atomic(g, race.AtomicSwap, addr) }
func And(g int, addr uintptr) Step   { return Atomic(g, race.AtomicAnd, addr) }
func Or(g int, addr uintptr) Step    { return Atomic(g, race.AtomicOr, addr) }
func CAS(g int, addr uintptr) Step   { return Atomic(g, race.AtomicCompareAndSwap, addr) }

// FailedCAS is a CompareAndSwap that found another value and swapped
// nothing (race.AtomicAccess.Failed): its only edge is an acquire.
func FailedCAS(g int, addr uintptr) Step {
	s := CAS(g, addr)
	s.failed = true
	return s
}

// Happens-before edges, as a SyncDetector receives them from channels,
// mutexes and the rest (Sync.PC is 0, as for the runtime's edges that no
// atomic makes).

// Acquire is an acquire by g at addr.
func Acquire(g int, addr uintptr) Step { return Step{kind: kAcquire, g: g, addr: addr} }

// Release is a release by g at addr.
func Release(g int, addr uintptr) Step { return Step{kind: kRelease, g: g, addr: addr} }

// ReleaseMerge is a merging release by g at addr.
func ReleaseMerge(g int, addr uintptr) Step { return Step{kind: kReleaseMerge, g: g, addr: addr} }

// AcquireAll orders g after everything every goroutine has done, as before
// a finalizer or cleanup runs.
func AcquireAll(g int) Step { return Step{kind: kAcquireAll, g: g} }

// Go is a go statement of parent's starting child. A goroutine first used
// in any other step is one that started before the detector: the detector
// is told of it (OnGoStart with a nil parent) before its first event, as
// the runtime does.
func Go(parent, child int) Step { return Step{kind: kGo, g: parent, child: child} }

// End is the end of goroutine g. A goroutine is not used after its End.
func End(g int) Step { return Step{kind: kEnd, g: g} }

// Malloc is an allocation of size bytes at addr (or memory used again
// for a stack or an arena), delivered to a MemoryDetector.
func Malloc(addr, size uintptr) Step { return Step{kind: kMalloc, addr: addr, size: size} }

// Free is a free of size bytes at addr.
func Free(addr, size uintptr) Step { return Step{kind: kFree, addr: addr, size: size} }

// FuncEnter is g's entry into a function called from the step's PC; it is
// delivered to a FuncDetector among g's accesses, in order.
func FuncEnter(g int) Step { return Step{kind: kFuncEnter, g: g} }

// FuncExit is g's return from the function it entered last.
func FuncExit(g int) Step { return Step{kind: kFuncExit, g: g} }

// Sync is one Go-native synchronisation operation as a NativeSyncDetector
// receives it (race.SyncOp), alone: the happens-before edges the
// operation makes are separate steps. Lock, Unlock and the others below
// are whole sync operations.
func Sync(g int, kind race.SyncKind, obj uintptr, arg int64) Step {
	return Step{kind: kSync, g: g, sync: kind, addr: obj, arg: arg}
}

// Lock is g's call of (*sync.Mutex).Lock on m, delivered as package sync
// delivers it: SyncOp MutexLockWait, an acquire of m, SyncOp MutexLock.
func Lock(g int, m uintptr) Step { return Step{kind: kLock, g: g, addr: m} }

// Unlock is (*sync.Mutex).Unlock: SyncOp MutexUnlock, a release of m.
func Unlock(g int, m uintptr) Step { return Step{kind: kUnlock, g: g, addr: m} }

// RLock is (*sync.RWMutex).RLock on rw: SyncOp RWMutexRLockWait, a read of
// rw (its writer mutex), an acquire of the readers' semaphore (rw+12),
// SyncOp RWMutexRLock.
func RLock(g int, rw uintptr) Step { return Step{kind: kRLock, g: g, addr: rw} }

// RUnlock is (*sync.RWMutex).RUnlock: SyncOp RWMutexRUnlock, a read of rw,
// a merging release of the writer's semaphore (rw+8).
func RUnlock(g int, rw uintptr) Step { return Step{kind: kRUnlock, g: g, addr: rw} }

// WLock is (*sync.RWMutex).Lock: SyncOp RWMutexLockWait, a read of rw,
// acquires of the readers' and the writer's semaphores, SyncOp
// RWMutexLock.
func WLock(g int, rw uintptr) Step { return Step{kind: kWLock, g: g, addr: rw} }

// WUnlock is (*sync.RWMutex).Unlock: SyncOp RWMutexUnlock, a read of rw, a
// release of the readers' semaphore.
func WUnlock(g int, rw uintptr) Step { return Step{kind: kWUnlock, g: g, addr: rw} }

// TryLock is (*sync.Mutex).TryLock on m, taking the lock if ok: an
// acquire of m if ok, SyncOp MutexTryLock with Arg 1 if ok, else 0.
func TryLock(g int, m uintptr, ok bool) Step {
	return Step{kind: kTryLock, g: g, addr: m, arg: b2i(ok)}
}

// TryRLock is (*sync.RWMutex).TryRLock: a read of rw, then if ok an
// acquire of the readers' semaphore; SyncOp RWMutexTryRLock (Arg 1 if ok).
func TryRLock(g int, rw uintptr, ok bool) Step {
	return Step{kind: kTryRLock, g: g, addr: rw, arg: b2i(ok)}
}

// TryWLock is (*sync.RWMutex).TryLock: a read of rw, then if ok acquires
// of the readers' and the writer's semaphores; SyncOp RWMutexTryLock (Arg
// 1 if ok).
func TryWLock(g int, rw uintptr, ok bool) Step {
	return Step{kind: kTryWLock, g: g, addr: rw, arg: b2i(ok)}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Other Go-native operations (channels, WaitGroup, Once, Cond) make
// events that depend on the state of the object (a channel's buffer, a
// WaitGroup's counter): a test writes them as Sync steps and the edges the
// operation makes in that state.

// The offsets of sync.RWMutex's semaphores, whose addresses the edges of
// its operations are on.
const (
	rwWriterSem = 8
	rwReaderSem = 12
)

// TestStart tells a TestDetector that test name starts on g.
func TestStart(g int, name string) Step { return Step{kind: kTestStart, g: g, name: name} }

// TestEnd tells a TestDetector that test name ends on g. The harness does
// not sleep: a detector asking to wait (a positive result of OnTestEnd)
// is told again at once, up to a bounded number of times, as the testing
// package tells it again after the wait.
func TestEnd(g int, name string) Step { return Step{kind: kTestEnd, g: g, name: name} }

// Yield is g's parking or yielding (or its buffer filling up): its
// accesses gathered so far are delivered, and the next ones start a new
// batch. No callback is made for it.
func Yield(g int) Step { return Step{kind: kYield, g: g} }

// Deadlock tells a DeadlockDetector that every goroutine is blocked for
// good, those given (by number) blocked; the reports are then collected,
// as the runtime prints them at once. A replay does not record the event,
// so the harness calls OnDeadlock itself (recovering a panic as the
// dispatcher does), after delivering the accesses gathered.
func Deadlock(blocked ...int) Step {
	ids := make([]int64, len(blocked))
	for i, g := range blocked {
		ids[i] = int64(g)
	}
	return Step{kind: kDeadlock, ids: ids}
}

// Exit tells an ExitDetector that the program exits, on g.
func Exit(g int) Step { return Step{kind: kExit, g: g} }

// At sets the step's PC (the accessing instruction, the caller of a sync
// operation or of a function, the go statement) and makes its call stack
// empty: two steps at the same PC are the same code location. A step
// without At gets a PC and a stack of its own (see PC and Stack).
func (s Step) At(pc uintptr) Step {
	s.pc, s.hasPC = pc, true
	if !s.hasStack {
		s.stack, s.hasStack = 0, true
	}
	return s
}

// InStack sets the step's call stack (Access.Stack, SyncOp.Stack; for Go,
// the parent's stack at the go statement, the child's Created).
func (s Step) InStack(id race.StackID) Step {
	s.stack, s.hasStack = id, true
	return s
}

// Width sets an atomic operation's width in bytes, 4 or 8.
func (s Step) Width(w uint8) Step {
	s.width = w
	return s
}

// PC returns the PC of the n-th step a Harness delivers (from 0) that was
// not given one by At. No real function is there.
func PC(n int) uintptr { return 0x100000 + uintptr(n)*0x10 }

// Stack returns the call stack of the n-th step a Harness delivers that
// was not given one by At or InStack: a StackID the runtime never made, to
// compare, not to print.
func Stack(n int) race.StackID { return race.StackID(1000 + n) }

var stepNames = [...]string{
	kRead: "read", kWrite: "write", kReadRange: "read range", kWriteRange: "write range",
	kAtomic: "atomic", kAcquire: "acquire", kRelease: "release", kReleaseMerge: "release merge",
	kAcquireAll: "acquire all", kGo: "go", kEnd: "end", kMalloc: "malloc", kFree: "free",
	kFuncEnter: "func enter", kFuncExit: "func exit", kSync: "sync", kLock: "Lock",
	kUnlock: "Unlock", kRLock: "RLock", kRUnlock: "RUnlock", kWLock: "Lock (RWMutex)",
	kWUnlock: "Unlock (RWMutex)", kTestStart: "test start", kTestEnd: "test end", kExit: "exit", kYield: "yield",
	kTryLock: "TryLock", kTryRLock: "TryRLock", kTryWLock: "TryLock (RWMutex)", kDeadlock: "deadlock",
}

// String formats the step as a line of a script: the goroutine, the
// event and its operands, the PC and stack when set.
func (s Step) String() string { return s.format(nil) }

// format formats the step, with the addresses named by names.
func (s Step) format(names *names) string {
	var b strings.Builder
	if s.kind != kMalloc && s.kind != kFree && s.kind != kDeadlock {
		fmt.Fprintf(&b, "g%d ", s.g)
	}
	if int(s.kind) < len(stepNames) && stepNames[s.kind] != "" {
		b.WriteString(stepNames[s.kind])
	} else {
		fmt.Fprintf(&b, "step(%d)", s.kind)
	}
	addr := names.format(s.addr)
	switch s.kind {
	case kRead, kWrite, kAcquire, kRelease, kReleaseMerge, kLock, kUnlock, kRLock, kRUnlock, kWLock, kWUnlock:
		fmt.Fprintf(&b, " %s", addr)
	case kTryLock, kTryRLock, kTryWLock:
		fmt.Fprintf(&b, " %s ok=%v", addr, s.arg == 1)
	case kReadRange, kWriteRange, kMalloc, kFree:
		fmt.Fprintf(&b, " %s size=%d", addr, s.size)
	case kAtomic:
		fmt.Fprintf(&b, " %v%d %s", s.op, int(s.width)*8, addr)
		if s.failed {
			b.WriteString(" failed")
		}
	case kGo:
		fmt.Fprintf(&b, " g%d", s.child)
	case kSync:
		fmt.Fprintf(&b, " %v %s arg=%d", s.sync, addr, s.arg)
	case kTestStart, kTestEnd:
		fmt.Fprintf(&b, " %s", s.name)
	case kDeadlock:
		fmt.Fprintf(&b, " blocked %v", s.ids)
	}
	if s.hasPC {
		fmt.Fprintf(&b, " pc=%#x", s.pc)
	}
	if s.hasStack {
		fmt.Fprintf(&b, " stack=%d", s.stack)
	}
	return b.String()
}
