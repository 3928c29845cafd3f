// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package leak reports goroutines a test or a program leaves behind,
// linked with -drace=leak.
//
// # What it finds
//
// GOROUTINE LEAK: a goroutine started during a test (by the test's goroutine
// or, transitively, by goroutines it started) that is still alive and
// blocked when the test ends: parked on a channel operation, a select
// (select {} included), a sync.Mutex, RWMutex or Cond, a WaitGroup, network
// I/O or a sleep. The report names the test, where the goroutine is blocked
// (its stack, from the first frame outside the runtime), what it waits on
// (as a DEADLOCK does, below, naming the other goroutines left on the
// same channel) and where it was created. Goroutines started outside any test (by init or TestMain, or by
// a program that is not a test) are checked the same way when the program
// exits.
//
// GOROUTINE EXPLOSION: more than a threshold (10000 by default) goroutines
// alive at once that were created by the same go statement: unbounded
// spawning, one goroutine per message or request. It is reported once per
// go statement, when the threshold is crossed.
//
// DEADLOCK: every goroutine of the program is blocked and nothing can wake
// one (race.DeadlockDetector): each is parked on a channel operation, a
// select, a sync.Mutex, RWMutex, WaitGroup or Cond, and no timer (but a
// test binary's -test.timeout alarm), I/O waiter or system call is
// pending. The runtime looks every 250 ms while the program is idle and
// confirms with the world stopped: the report comes within about a
// second of the hang, not at the -test.timeout alarm. It names each
// blocked goroutine, its wait reason ("Blocked in sync.Mutex.Lock"), what
// it waits on (see below), its stack and where it was created, and the
// tests they belong to; package
// testing's own goroutines, waiting for the tests, are left out unless
// nothing else is blocked. The test binary then fails the running tests
// ("deadlock detected during execution of test") and exits.
//
// DEADLOCK, partial: some goroutines are blocked for good while others
// run on (race.PartialDeadlockDetector): each is parked on a channel
// operation, a select, a sync.Mutex, RWMutex, WaitGroup or Cond that no
// goroutine which may still run can reach, the criterion of Go's
// goroutine leak profile, which a GC cycle decides. The runtime checks
// once a goroutine has stayed parked so for half a second, and the report
// comes within about a second of the hang, in a test or in a program
// that runs on, naming each of those goroutines as above ("goroutines
// blocked for good on channels or locks that no running goroutine can
// reach"). The program goes on; the report fails the running test when
// it ends, and those goroutines are not reported again as leaks. A
// goroutine in select {}, parked for good by design, is left out.
//
// What each goroutine waits on is the line under its title, from the
// runtime's description of the parked goroutine
// (race.GoroutineStatus.Waits):
//
//	on WaitGroup 0xc000012345 (counter 1); no goroutine can call Done
//	on Mutex 0xc000012340 held by goroutine 7 (locked at x_test.go:31); goroutine 12 also waits on it; no goroutine can unlock it
//	on RWMutex 0xc000012350 (to read-lock it) held by goroutine 7 (locked at x_test.go:40)
//	on RWMutex 0xc000012350 (to lock it, for its readers to unlock) held for reading by goroutines 8 (read-locked at x.go:12), 9 (read-locked at x.go:12) and 3 others
//	on Cond 0xc000014000
//	sending on chan 0xc00001a0e0 (unbuffered); no goroutine can receive
//	receiving on chan 0xc00001a0e0 (buffer 0 of 4 full); goroutine 9 blocked sending on it
//	select: send on chan 0xc00001a0e0 (unbuffered) at x_test.go:31, receive on chan 0xc00001a150 (unbuffered) at x_test.go:33; no goroutine can complete a case
//
// A channel's line names the other goroutines of the report blocked on
// it (five at most, and how many others), on the same side ("also
// blocked sending") and on the other; in a
// DEADLOCK, total or partial, no goroutine outside them can reach it, so
// when none of them waits on the other side it says that no goroutine
// can complete the operation (a TEST TIMEOUT only says that no blocked
// goroutine is on the other side), and for a sync object that no
// goroutine can do what would wake the waiter (call Done, unlock,
// signal). A select's cases are named by their lines, not their
// numbers: the compiler orders a select's cases sends first, then
// receives, so the line lists the sends, then the receives, each in the
// select's order, each with the line of its case (race.Wait's PC; none
// for a select compiled without race, in a package built without it),
// and leaves out the cases on nil channels and the default.
//
// A Mutex's or RWMutex's line names who holds it and where the holder
// took it (the caller of Lock, RLock or a TryLock that took it), or
// "itself" for a goroutine waiting on a lock it holds. The detector
// follows every Mutex and RWMutex lock and unlock of the program (a
// NativeSyncDetector) and keeps the holder of each lock held now: a
// lock unlocked by another goroutine than the one that locked it is free
// again, a lock in memory freed or allocated anew is forgotten. Of an
// RWMutex's read holds it keeps a count and the first two holders; once
// one of those two read-unlocks while others still hold it, the others
// are counted, not named ("and 2 others"). A read hold released by
// another goroutine than a named holder is taken off the count, and a
// named holder is forgotten only when fewer holds than names are left, so
// a name may then be of a goroutine whose hold was released for it. An
// RWMutex whose Lock waits behind another writer's pending Lock (not
// yet holding it) is described by who holds it, its readers. When a
// reader waits behind a writer that waits for the readers, the
// writer is named ("goroutine 9 waiting to lock it keeps readers out").
// testdata/deadlock.golden shows a whole report.
//
// # When a test ends
//
// Goroutines often finish just after the test that started them returns.
// At a test's end the detector polls its goroutines with a growing interval
// (1 ms doubling up to 100 ms, through TestDetector's wait, outside any
// callback) until none is left, or until every one left has stayed blocked
// for 100 ms (a goroutine asleep in time.Sleep must stay so for the whole
// deadline), or until the deadline, 1 s by default, passes. What is left
// then is reported. A leak-free test pays nothing; a leaky one pays at most
// the deadline. When a test runs again under its own name while its first
// run goes on (testing/synctest.Test runs the test function in a bubble
// while the outer run's goroutines wait for it), the check waits for the
// last run's end, which reports what the inner run left too.
//
// # Configuration (flags, set with DRACE_FLAGS="leak.wait=2s ...")
//
//	leak.wait=DURATION     the deadline at a test's end (default 1s)
//	leak.explosion=N       the explosion threshold (default 10000, 0 turns it off)
//	leak.holders=BOOL      name the holder of a Mutex or RWMutex a goroutine
//	                       waits on (default true; false saves its cost)
//	leak.ignore=F1,F2,...  known goroutines to allow: a goroutine is
//	                       ignored if one of these function names is the
//	                       function its go statement started, the function
//	                       holding the go statement, or any frame of its
//	                       blocked stack
//
// A bad value ends the program at start with a line naming the setting
// and exit status 2.
//
// Goroutines the runtime and the testing package start are always ignored,
// as are those started by os/signal and by packages under internal/: their
// creating function is in one of those packages. So are goroutines that
// began before the detector (they have no parent).
//
// # What it misses
//
// A partial deadlock whose primitives a goroutine that may still run can
// reach (a Mutex in a global, a channel a live server keeps) is not
// found as one: it is a leak when the test ends, or not found at all in a
// program that runs on. A deadlock of every goroutine while os/signal
// listens for signals (its goroutine waits in a system call) or while an
// unrelated timer is pending is found only when its primitives are
// unreachable, as a partial deadlock. The report does not say which
// running goroutine could still use a channel in a TEST TIMEOUT (only
// the blocked ones are named), nor who holds a lock locked before the
// detector started or by an event the runtime does not report (a lock
// taken by sync.RWMutex itself, by code that disables race events). What a goroutine waits on is read from the
// sync types' layouts in Go 1.26.8; a goroutine being woken as it is
// looked up, or a select of more than 32 channel cases, is described in
// part or not at all.
//
// A goroutine that is running or runnable at the deadline (a busy loop that
// never ends) is not reported: only blocked goroutines are leaks here. A
// goroutine leaked by one test and woken later by another is not reported.
// A leak in a program that dies of a panic or a fatal error is not
// reported (no exit event). A goroutine that a parallel test's sibling
// starts belongs to the sibling.
//
// # False positives
//
// A goroutine meant to outlive its test, such as a cache's janitor started
// lazily during the first test that uses the cache: allow it with
// leak.ignore. A goroutine blocked longer than the deadline that would
// have finished later: raise leak.wait.
//
// # Cost
//
// Per goroutine start and end: a map update under a spin lock, about 100
// bytes of state per live goroutine. Per Mutex or RWMutex lock and
// unlock, to name holders (leak.holders, on by default): an update of
// the lock's entry in one of 64 shards under a spin lock (a scan of four
// slots, a map past four locks held at once in a shard), about 20 ns;
// per allocation, a look at the shards of its pages, about 10 ns; about
// 90 bytes per lock held now, none for a lock released. Subscribing to
// those events costs more than that work: the runtime then finds the
// caller of every sync operation and hands the detector every allocation,
// as it does for lockorder. A loop of Lock and Unlock took 270–470 ns per
// iteration under -drace=leak against 80–150 ns with leak.holders=false
// or before holders were named, and a loop of 64-byte allocations
// 180–290 ns against 50–85 ns (GOMAXPROCS 1, a loaded machine); 64
// goroutines contending for one Mutex (drace bench -pkgs=bench/mutex)
// took 0.6–1.0x the time of -race, against 0.3–0.4x before. Linked
// beside lockorder, which pays for the same events, leak adds its own
// work. leak.holders=false turns it off: the runtime then sends the
// detector no sync or memory event. Memory accesses are not observed and
// cost nothing: the detector implements no access interface, so the
// runtime does not collect them for it. Policy.Stacks is set, so the
// runtime keeps call stacks (a record per function entry and exit, unpacked
// in batches) to print where each goroutine was created. At a test's end: one scheduler
// lookup per goroutine the test left alive, per poll. Deadlock checks:
// while the program is idle, sysmon wakes every 250 ms and walks every
// goroutine's state and every P's timers, without stopping the world; the
// world is stopped only when two walks in a row find all blocked. Partial
// deadlock checks: sysmon's walk notes since when each goroutine is
// parked; a goroutine leak detection GC cycle runs only once one has
// stayed parked on a channel or sync primitive for half a second and the
// set of such goroutines changed since the last check, and a check that
// finds nothing doubles the time before the next (up to 30 s): a program
// whose goroutines never stay parked pays nothing more. A test
// that leaves 30 000 goroutines blocked on one channel (drace bench
// -pkgs=bench/blocked) costs 0.81x the time and 0.93x the peak memory of
// -race, its leak reported, partial deadlock checks included (median of
// two rounds, -configs=race,leak).
//
// The detector asks the clock, the goroutines' states and the functions at
// PCs only through runtime/race's host functions (race.Nanotime,
// race.LookupGoroutine, race.Frames), so that drace replay, answering for
// the traced program, decides as the program did.
package leak
