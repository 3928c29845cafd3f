// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package record writes every event of a program to a binary trace, so
// that "drace replay" can feed the same execution to any detector offline.
// It is linked with -drace=record, usually beside detectors that run
// online (-drace=record,fasttrack).
//
// The trace goes to the file named by the environment variable
// DRACE_TRACE, "drace.trace" (in the working directory) by default; each
// "%p" in the name is replaced by the process id, so that test binaries
// that run in parallel, or a program that runs itself, do not write to the
// same file (without "%p" the last process to start truncates the file).
//
// # What it finds
//
// Nothing: Report always returns nil. It implements every optional
// interface of runtime/race except FuncDetector and AccessDetector
// (ReadWriteDetector, RangeDetector, AtomicDetector, SyncDetector,
// GoroutineDetector, MemoryDetector, NativeSyncDetector, TestDetector,
// ExitDetector) and
// sets Policy.Stacks, so every access and Go-native operation names its
// call stack.
//
// # Order
//
// The trace is one total order of the events: the order in which every
// detector linked beside record received them, at any GOMAXPROCS. The
// Policy sets race.Policy.Ordered, so the runtime delivers each event (a
// batch of a goroutine's accesses and function entries and exits, a
// happens-before edge, an atomic, a Go-native operation, a goroutine's
// start or end, an allocation or a free, a test's start or end, the
// exit) to all the program's detectors, record among them, in one
// critical section, and asks them all for reports in one too: no other
// goroutine's event reaches any detector in between. So a replay gives
// each detector its events in the order it saw them online, and prints
// what it printed (TestReplayEqualsOnlineParallel, at GOMAXPROCS 2 and
// 4). The answers another detector was given are recorded in that order
// too, on the goroutine that asked. With record alone, the order is that
// of record's own lock, which is the order record saw. Traces of version
// 4 on are recorded so; an older trace recorded at GOMAXPROCS above 1
// may not be.
//
// The alternative, per-goroutine streams merged by a recorded order of
// the synchronisation, would keep the callbacks of different goroutines
// parallel, but an order of the synchronisation alone does not say in
// which order two unordered accesses reached a detector (the race's
// "previous" access, lockset's states), which is what replay must
// reproduce; ordering the deliveries does.
//
// That order is consistent with the run:
//
//   - with each goroutine's program order: a goroutine's callbacks run one
//     after the other, on the goroutine;
//   - with the happens-before edges the runtime reports: a release is
//     reported inside the releasing operation (before a mutex is unlocked,
//     with a channel's lock held, ...) and the matching acquire inside the
//     acquiring operation, after it took effect, so the release's record
//     precedes the acquire's; a goroutine's start is recorded by its
//     parent before the child can run; a sync/atomic operation is
//     dispatched with its address stripe locked, so a load that sees a
//     store is recorded after it.
//
// Memory accesses are delivered in batches, late (race.AccessDetector): a
// goroutine's accesses are recorded together, after its previous event of
// another kind and before its next one, where the batch was delivered.
// So two accesses that no synchronisation orders are in the trace in the
// order the detectors saw them, which need not be the order in which the
// memory operations ran; accesses ordered by synchronisation are in that
// order. Allocations made inside a callback are recorded when the M's
// next callback delivers them, and frees made there are not recorded
// (see the runtime's draceMemQueue).
//
// The cost: with record and at least one other detector, the callbacks
// of different goroutines no longer run at once (see Costs).
//
// # Format (version 6)
//
// All integers are varints as in encoding/binary: uvarint (LEB128) or
// varint (zigzag). A string is a uvarint length and its bytes.
//
// The header:
//
//	"DRACETR1"            magic, 8 bytes
//	uvarint version       6 (version 5 lacks the failed CompareAndSwap
//	                      bit, version 4 the SelectCase sync kind
//	                      and a wait's pc, version 3 a Lookup's waits
//	                      too, version 2
//	                      the function records 25-26 too, version 1 the
//	                      answer records 22-24 too)
//	string  exe           /proc/self/exe resolved when the program started
//	string  buildid       the Go build ID of exe (its .note.go.buildid), or ""
//	uvarint pid
//	string  goroot        race.GOROOT() (version 2)
//
// Then records, each a kind byte and its fields. tid is the trace
// goroutine number: 1, 2, ... in the order goroutines are first seen, never
// reused. It is not the goroutine id: the runtime gives a cleanup's context
// its goroutine's id and every timers context id 0, yet each is a goroutine
// of its own for detectors. Per tid the decoder keeps the last address A,
// PC P and StackID S, all zero when the goroutine starts; Δaddr is a
// varint (addr - A), after which A = addr; Δstack a varint (stack - S),
// after which S = stack; pc a uvarint, 0 for PC 0 (P unchanged), else 1 +
// zigzag(pc - P), after which P = pc. Events:
//
//	1  Read          tid Δaddr pc Δstack
//	2  Write         tid Δaddr pc Δstack
//	3  ReadRange     tid Δaddr uvarint(size) pc Δstack
//	4  WriteRange    tid Δaddr uvarint(size) pc Δstack
//	5  Atomic        byte(op) byte(width) tid Δaddr pc Δstack
//	                 (op | 0x80: a CompareAndSwap that failed, race.AtomicAccess.Failed;
//	                 version 6)
//	6  Acquire       tid Δaddr pc
//	7  Release       tid Δaddr pc
//	8  ReleaseMerge  tid Δaddr pc
//	9  AcquireAll    tid
//	10 GoStart       uvarint(parent tid, 0 if none) uvarint(child tid) varint(goroutine id) uvarint(pc)
//	                 uvarint(created StackID: race.Goroutine.Created, or 0; version 2)
//	11 GoEnd         tid
//	12 Malloc        varint(addr - M) uvarint(size)     M: the previous Malloc/Free address, then addr
//	13 Free          varint(addr - M) uvarint(size)
//	14 Sync          byte(race.SyncKind) tid Δaddr(Obj) varint(Arg) pc Δstack
//	                 (race.SelectCase, a select's case, from version 5)
//	15 TestStart     tid uvarint(name id)
//	16 TestEnd       tid uvarint(name id)
//	17 Exit          tid
//	18 Report        (none): the runtime asked the detectors for reports here
//
// Tables and the end, which are not events:
//
//	19 Stack         uvarint(StackID) uvarint(n) uvarint(frame 0) varint(frame i - frame i-1)...
//	20 String        uvarint(id) string
//	21 End           uvarint(number of event records)
//
// Answers, which are not events either: what another detector linked
// beside record was told when it asked runtime/race about the program
// (race.HostRecorder), so that a replay tells it the same. tid is the
// goroutine that asked (0 for none), frames a uvarint count and the
// addresses as in a Stack record:
//
//	22 Lookup        tid varint(goroutine id) byte(1 found | 2 blocked) uvarint(state string id) frames
//	                 uvarint(n) n×(byte(race.WaitKind) uvarint(addr) uvarint(cap) uvarint(len) varint(counter)
//	                 uvarint(pc))
//	                 (race.GoroutineStatus.Waits; version 4, pc: a select case's, version 5)
//	23 Clock         tid varint(nanotime)
//	24 Callers       tid frames
//
// Function entries and exits, events, where they come among the
// goroutine's accesses (race.FuncDetector; version 3):
//
//	25 FuncEnter     tid pc          pc: the call's, encoded as above
//	26 FuncExit      tid
//
// A Stack record (StackID.Frames(): return addresses, innermost first)
// precedes the first record naming its StackID, a String record (ids 1, 2,
// ...; test names and goroutine states) the first record naming its id.
// A sync/atomic operation is recorded as the runtime dispatches it: an
// Atomic record, then the Acquire and/or Release records it implies (a
// failed CompareAndSwap: an Acquire alone). The runtime's
// release-then-acquire appears as an Acquire and a Release record. The
// file ends with an End record once the program has exited through
// os.Exit or main's return (the exit event); one that died of a panic or
// a fatal error, or was killed, has no End record and its last buffered
// events are lost: a reader in partial mode replays what was written.
//
// # Costs
//
// Per event: a varint encoding of a few fields (2 to 8 bytes for an
// access, mostly 1-byte deltas) into the buffer, under one global spin
// lock, and, the first time a StackID is seen, a walk of its frames (a
// bitmap of 2 MiB marks the StackIDs already written). Every 1 MiB the
// buffer is written out with a raw pwrite system call (no os.File, whose
// locks could block; RawSyscall does not enter the scheduler), with the
// lock held: other goroutines wait for the write. The lock is the
// scalability limit: goroutines on many cores recording at once contend
// on it. Beside other detectors, the runtime's delivery order (Order)
// is a wider one: every detector's callbacks for one event run under it,
// so the detectors' callbacks of different goroutines run one at a time.
// Measured (package sync's tests, -test.short -test.count=5 -test.cpu=2,
// and its BenchmarkMutex and BenchmarkRWMutexWrite100 at 20000
// iterations on 2 CPUs, 2 shared cores at load 9-11, three rounds side
// by side with the toolchain before the delivery order): with
// -drace=fasttrack,record, the tests took 6.4-9.1 s of CPU time where
// they took 6.5-7.7 s, and BenchmarkMutex 6.7-18.1 us per operation
// where it took 3.5-8.0 us (goroutines contending for one mutex wait
// for each other's callbacks too); -drace=fasttrack alone, which does not
// order deliveries, took 4.7-4.8 s where it took 4.4-5.8 s.
//
// The buffer is also written when the runtime asks for reports (Report):
// when a test ends, at exit, and before every sync.Mutex or RWMutex Lock
// (the runtime asks before a goroutine may block, so that a deadlocked
// program's trace is complete). So that lock-heavy programs do not pay a
// system call per Lock, a Report that follows a lock's wait event writes
// the buffer only if the last write is at least 1 ms old: a program that
// then dies in a deadlock ("all goroutines are asleep", a fatal error)
// may lose its last millisecond of events. With GORACE=halt_on_error=1
// the runtime asks for reports after every access, and each costs a
// write.
//
// Measured (compress/flate's tests with -short, 2 shared cores, test
// binaries run one after the other): the whole suite recorded 538M events,
// 3.6 GB of trace (6.7 bytes per event), in 99-135 s and 72 MB peak RSS,
// where fasttrack took 498 s and 7 GB; a subset of four tests, three
// rounds: null 10-19 s, record 23-37 s (1.5 GB of trace), fasttrack
// 113-174 s and 2.9-3.5 GB. The disk is the cost to watch: a few bytes per
// event add up to gigabytes for a test suite.
//
// Memory: the 1 MiB buffer, the 2 MiB StackID bitmap (touched only where
// StackIDs are used), 32 bytes per goroutine and the test names. The
// trace grows by a few bytes per event; OnMalloc and OnFree allocate
// nothing.
package record
