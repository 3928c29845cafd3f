// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package lockset is a lockset data race detector: Eraser (Stefan Savage,
// Michael Burrows, Greg Nelson, Patrick Sobalvarro and Thomas Anderson,
// "Eraser: A Dynamic Data Race Detector for Multithreaded Programs",
// SOSP 1997), adapted to Go and linked with -drace=lockset.
//
// # Algorithm
//
// Each goroutine has the set of locks it holds, kept from the Go-native
// sync events (race.NativeSyncDetector): sync.Mutex Lock and a successful
// TryLock add the mutex, Unlock removes it; sync.RWMutex Lock and TryLock
// add it in write mode, RLock and TryRLock in read mode (read locks nest,
// with a count), Unlock and RUnlock remove it. Lock waits and failed
// TryLocks change nothing. Go lets a goroutine unlock a Mutex that
// another locked: the unlock is recorded on the mutex, and the goroutine
// that held it drops it at its next event (a foreign RUnlock cannot tell
// which reader it ends and is ignored).
//
// Each variable v has a state and, from the shared state on, a candidate
// set C(v) of locks:
//
//   - virgin: never accessed (no shadow). The first access makes it
//     exclusive to the accessing goroutine, its owner.
//   - exclusive: accesses by the owner change nothing. A read by another
//     goroutine makes it shared, a write shared-modified; either way C(v)
//     starts as the locks that goroutine holds.
//   - shared: each access refines C(v); a write makes it shared-modified.
//     Nothing is reported: data initialised by one goroutine and then
//     only read is fine without locks.
//   - shared-modified: each access refines C(v), and v is reported when
//     C(v) is empty.
//
// Refinement is Eraser's, with its read-write rule: a read keeps the
// locks of C(v) that the goroutine holds in any mode, a write only those it
// holds in write mode (a sync.Mutex is always in write mode). Each variable
// is reported once.
//
// A variable is a byte span within an aligned 8-byte word: an access of
// Size 1 at the variable's first byte (as instrumented code reports
// accesses), or the part of a range access within one word. An access
// applies to every variable of its word whose span it overlaps, and starts
// a virgin variable for its own span if there is none. Adjacent fields are
// separate variables, so fields guarded by different locks are fine; a
// range access (a copy, a struct assignment) touching a field is an
// access to that field.
//
// Accesses made by code of the standard library are not checked (the
// function of the access's PC decides: its file in the GOROOT the program
// was built with, or, without one, a package path whose first element has
// no dot). The standard library synchronises mostly without locks
// (channels, atomics, sync.Once and sync.Pool, the testing package's
// goroutines handing tests to one another) and Eraser would report it in
// every test. Accesses the runtime makes on behalf of its caller (map and
// channel operations, copy, append; their PC is in package runtime or in
// internal/runtime/..., the map implementation's package) belong to the
// first caller outside the runtime, found from the access's stack, and are
// checked when that is user code. Explicit annotations (internal/race, as
// sync.WaitGroup uses) are the standard library's.
//
// # Reports
//
// A report has Kind "DATA RACE", a Message starting with "lockset: no
// common lock protects the variable at 0x…", and two accesses, each with
// its full stack and a Note "Locks held: Mutex 0x… (write), RWMutex 0x…
// (read)" (or "Locks held: none"): the access that emptied C(v), and the
// last access by another goroutine that conflicts with it (for a write,
// the later of that goroutine's last read and last write; for a read, the
// last write by another goroutine, or with none the last read). The two
// accesses need not have been concurrent: that is the point of a lockset.
//
// # What it finds
//
// Variables written by one goroutine and accessed by another without one
// lock held at every access (from the second goroutine's first access on),
// whatever the schedule: it reports an inconsistently locked variable even
// when the observed execution ordered the accesses (through the very lock
// or a sleep), which happens-before detectors (fasttrack, -race) cannot.
//
// # What it misses
//
//   - Unprotected accesses by a variable's first goroutine before another
//     goroutine touches it (the exclusive state): if goroutine A writes x
//     without a lock and only then B writes it holding m, nothing is
//     reported until A (or a third goroutine) accesses x again without m.
//   - Races on variables only read after they are shared, and variables
//     shared-modified whose every access happens to hold a common lock
//     while the program still races through some other path not executed.
//   - Races in or through the standard library's own code (see above),
//     races involving sync/atomic operations (atomics are not accesses
//     here), and memory that is not instrumented.
//   - A second inconsistency on an already reported variable.
//
// # False positives
//
// Any variable protected by something other than sync.Mutex and
// sync.RWMutex, once a second goroutine writes it (or one writes and
// another reads):
//
//   - ownership hand-off through a channel, a WaitGroup, sync.Once, a
//     goroutine start (the parent initialises, the child writes) or a
//     test's end (package-level state used by successive tests, each in
//     its own goroutine);
//   - initialisation before publication, when the variable is written
//     again after publication by the consumer, or read by the consumer
//     and then written by anyone;
//   - protocols built on sync/atomic (flags, sequence locks, lock-free
//     structures), on sync.Cond without its Locker held, or on other lock
//     types (hand-written spin locks, semaphores made of channels);
//   - memory reused without OnMalloc/OnFree (a free list, sync.Pool
//     objects reused by user code): the old and new uses merge.
//
// A read-mostly variable initialised by one goroutine and then only read
// is not reported (the shared state).
//
// # Shadow layout and costs
//
// Shadow memory is in 4 KiB pages kept in 64 shards, maps behind a
// race.SpinLock each; a page has its own SpinLock and 512 word slots, and
// each goroutine caches its last page. A variable (cell) holds its span,
// state, owner, C(v) and, for reports, the last read and last write by the
// two most recent distinct goroutines (goroutine ID, PC, StackID, locks
// held, and the access's sequence number in the cell, which orders them).
//
// A set of held locks is an immutable sorted slice shared by the cells
// that record it. Locking adds a lock by making a new set, remembered in
// the old one (four at most), so a goroutine that takes and releases the
// same locks allocates nothing after the first time; unlocking the last
// lock taken returns to the previous set. C(v) starts as a held set and is
// shared with it; intersecting allocates only when C(v) shrinks, at most
// |C(v)| times per variable.
//
// Per access: one atomic load (foreign unlocks), a PC classification
// (a lock-free cache lookup, or race.Frames on a miss; for a runtime
// PC, a second lookup by StackID, walking the stack on a miss), the page lock
// (no shard lookup for the cached page), and for each cell of the word the
// access overlaps (usually one): O(|C(v)|·|held|) to refine, a small
// constant otherwise. A range access costs one word per 8 bytes. Lock and
// unlock: O(|held|), with no allocation once the set is remembered. Memory:
// about 170 bytes per variable accessed (plus 4 KiB per touched page for
// the slots), about 90 bytes plus 16 per lock for each distinct held set. A
// foreign unlock costs one map entry on the mutex's page and, for every
// goroutine, one page lookup per write-held lock at its next event.
// OnMalloc and OnFree drop the cells and records in their range (whole
// pages at once, empty pages removed) without allocating, so detector
// memory follows the program's live instrumented memory.
//
// The detector asks about the program's PCs, stacks and GOROOT only
// through runtime/race's host functions (race.Frames, StackID.Frames,
// race.GOROOT), so that drace replay, answering for the traced program,
// classifies them as the program did.
package lockset
