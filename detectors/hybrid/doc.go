// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package hybrid is a hybrid lockset / happens-before data race detector,
// in the spirit of Robert O'Callahan and Jong-Deok Choi, "Hybrid Dynamic
// Data Race Detection" (PPoPP 2003), linked with -drace=hybrid.
//
// # Algorithm
//
// Two accesses to overlapping bytes by different goroutines, at least one a
// write, are reported when both of these hold:
//
//   - lockset: they hold no lock in common, where a sync.Mutex counts for
//     any access and a sync.RWMutex counts for a read in either mode and
//     for a write only in write mode (Eraser's read-write rule, applied to
//     the pair);
//   - happens-before: they are concurrent in a happens-before order that
//     leaves the locks' own edges out.
//
// Held locks come from the Go-native sync events: Lock, a successful
// TryLock, RLock and TryRLock add a lock (RWMutex in write or read mode),
// Unlock and RUnlock remove it. Each goroutine keeps a stack of immutable
// held sets, so unlocking in reverse order costs nothing.
//
// Happens-before is vector clocks, as in FastTrack's rules without its
// read-shared optimisation: a goroutine starts with its parent's clock;
// OnAcquire joins the address's clock, OnRelease sets it (OnReleaseMerge
// joins into it) and ticks the goroutine's own entry; OnAcquireAll orders
// the goroutine after every goroutine's current epoch. That is every edge
// the runtime reports — channels, select, WaitGroup, Once, Cond, sync/atomic,
// finalizers — except those of the locks: an address seen as a lock object
// in a Go-native sync event (Obj of a Mutex event; [Obj, Obj+24), 4-byte
// aligned, for a RWMutex, whose edges are on its internal semaphores) is
// marked, from its first event on (a Lock reports its wait first, and an
// Unlock before releasing), and acquires and releases on marked addresses
// are ignored. So a variable handed from one goroutine to another through
// a channel, a WaitGroup or a Once is not reported, while one written
// under a mutex by one goroutine and without it by another is, whether or
// not the mutex happened to order the two in this run.
//
// Clocks, epochs and slots are the toolkit's (runtime/race/toolkit/vclock):
// a clock has an entry per slot, lent to a goroutine and reused when it
// ends, so at most 256 while at most 256 goroutines are live at once. As in
// ThreadSanitizer, the goroutine that takes a slot over is ordered after
// what was done in the slot before: a race with an access made in the slot
// many goroutine lifetimes earlier can be missed.
//
// # Shadow and pruning
//
// Each aligned 8-byte word keeps a short list of access records: byte
// span, read or write, epoch (slot and clock), held set, and
// goroutine ID, PC and StackID for reports. An access is checked against
// every record of its word whose span it overlaps, then recorded (a range
// access is clipped to each word). It drops the records it subsumes: those
// ordered before it (or the same goroutine's), within its span, of a kind
// it conflicts with as much (a write subsumes reads and writes, a read
// reads), and guarded by at least the locks that guard it. Any later
// access racing with a dropped record then races with this one and has no
// more locks in common with it, so nothing is lost. Past 8 records in a
// word, the oldest is dropped (a report can be lost there).
//
// Pages of 4 KiB are kept in 128 shards, maps behind a race.SpinLock, each
// page holding its 512 word slots, the clocks of its synchronisation
// addresses and its lock marks: all state for a page is under its shard's
// lock, taken once per page an access covers.
//
// # Reports
//
// Kind "DATA RACE", a Message starting with "hybrid: no common lock
// protects the variable at 0x…", the current access and the previous one
// (Previous), each with its stack and a Note "Locks held: Mutex 0x…
// (write)" (or "Locks held: none"). Each variable (word and first byte of
// the current access) is reported once until its memory is freed.
//
// # What it finds
//
// Accesses not protected by a common lock and not ordered by any other
// synchronisation: races that a happens-before detector finds (when no lock
// is involved), and also inconsistent locking that the schedule happened
// to order through the lock (goroutine A writes under m, B locks and
// unlocks m for something else and then writes without it), which
// happens-before detectors miss.
//
// # What it misses
//
//   - Pairs that the run never produced: both accesses must be seen, with
//     a record of the first still kept (8 per word).
//   - Races hidden by non-lock synchronisation that the run happened to
//     order (a channel operation between the accesses in this schedule).
//   - A goroutine that unlocks a mutex locked by another leaves it in the
//     locker's set until that one unlocks it itself (never, usually),
//     which can hide the locker's later unguarded accesses.
//   - Memory that is not instrumented; sync/atomic operations are not
//     accesses here (only their edges count).
//   - A second race on an already reported variable.
//
// # False positives
//
//   - Variables whose accesses are ordered by a lock but not through lock
//     discipline: a Mutex used as a signal (`mu.Lock(); go f();
//     mu.Lock(); read x`, with f writing x and then unlocking mu): the
//     write is ordered before the read only by the mutex's edge, which is
//     left out.
//   - Synchronisation the detector does not see (custom assembly, cgo),
//     and lock addresses reused as other sync objects without a free (a
//     mutex on the stack, then a WaitGroup at the same address).
//   - Memory reused without OnMalloc/OnFree.
//
// # Costs
//
// Per access: a shard lock and a map lookup per page, then per word O(r·l)
// for r records (at most 8) and l locks held, and an allocation when a
// word is first seen; a range access costs one word per 8 bytes. Lock: one allocation (a held set, O(l)) and, the first time
// a lock object is seen, 1 (Mutex) or 6 (RWMutex) map insertions; each
// lock event looks its object up once. Unlock in reverse order: O(1).
// Acquire, release: O(n) for n slots in use (vector clocks; at most 256
// while at most 256 goroutines are live),
// goroutine start O(n), acquire-all O(n). Memory: 4 KiB per touched page
// (word slots), about 32 bytes per word plus 48 per record (up to 8), 4n
// bytes per goroutine clock and per synchronisation address, and 4 bytes
// per slot. OnMalloc and OnFree drop records, clocks and marks in their
// range without allocating (whole pages at once).
package hybrid
