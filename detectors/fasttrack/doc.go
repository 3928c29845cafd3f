// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package fasttrack is a happens-before data race detector: FastTrack
// (Cormac Flanagan and Stephen N. Freund, "FastTrack: Efficient and Precise
// Dynamic Race Detection", PLDI 2009), linked with -drace=fasttrack.
//
// # Algorithm
//
// Every goroutine t has a vector clock C_t, indexed by tid, and every
// synchronisation address m a clock L_m. An epoch c@t is the clock value c
// of goroutine t; it happens before a vector clock V when c <= V[t].
//
//   - Starting a goroutine copies the parent's clock to the child, increments
//     the child's own entry, then the parent's (fork).
//   - Acquire of m: C_t = C_t ⊔ L_m. Release of m: L_m = C_t, then C_t[t]++.
//     ReleaseMerge of m: L_m = L_m ⊔ C_t, then C_t[t]++. The runtime maps
//     channels, mutexes, WaitGroups, sync/atomic and so on to these.
//   - Each shadowed location keeps the epoch of its last write W and of its
//     last read R, or, when reads are concurrent ("read-shared" mode), a
//     read vector clock. A read checks W ⪯ C_t; a write checks W ⪯ C_t and
//     R ⪯ C_t (every entry, in read-shared mode, after which the read state
//     is reset). An access in the same epoch as the one recorded is skipped.
//
// Addresses are bytes. A plain access (Size 1, the first byte of the
// variable, as ThreadSanitizer sees Go accesses) covers one byte; a range
// access covers [Addr, Addr+Size). Two accesses conflict only if their byte
// spans overlap: writes to adjacent bytes or adjacent struct fields do not
// race.
//
// # Shadow layout
//
// Shadow memory is organised in 4 KiB pages, kept in 64 maps (shards)
// keyed by address>>12, each behind a race.SpinLock; each page has its own
// SpinLock, so goroutines working on different pages do not contend. A
// page holds 512 slots, one per 8-byte word, and the clocks L_m of the
// synchronisation addresses in it. A word holds cells, one per distinct
// byte span accessed in it (a range access is clipped to each word), each
// with FastTrack's W and R (or read clock) for that span and, for each
// epoch, the goroutine ID, PC and StackID of the access that set it, for
// reports. An access checks every cell its span overlaps and updates its own
// cell; a race-free write drops the cells it covers. Each goroutine caches
// the last page it touched, and its last access: repeating that access in
// the same epoch takes no lock (see below for the one report this can lose).
//
// OnMalloc and OnFree drop all cells and sync clocks in the range (whole
// pages at once, and pages left empty), so reused memory starts fresh and a
// program that churns its heap keeps detector memory proportional to its
// live instrumented memory.
//
// # What it finds
//
// FastTrack reports the races of the observed execution: two accesses to
// overlapping bytes, at least one a write, by different goroutines, not
// ordered by the happens-before order of that execution. It reports at
// least the first race on each location; after a race it goes on with the
// racing access recorded, so later races on the same location may be
// hidden. Each (cell, earlier access) pair is reported once, and a race
// between the same two code locations (PC and stack of both accesses) is
// reported once per program, as ThreadSanitizer does by default.
//
// When a goroutine repeats its last access (same address and size; or
// reads what it last wrote) in the same epoch, the repeat is skipped
// without looking at the shadow. FastTrack skips it too, unless another
// goroutine wrote the location in between; that write cannot be ordered
// after the still-current epoch, so it raced with the first access and was
// reported, and only the second report of the pair (the write with the
// repeat) is lost.
//
// # What it misses
//
// Races that the observed schedule ordered: if goroutine A releases a lock
// that B happens to acquire between two conflicting accesses, the accesses
// are ordered in this execution even though another schedule could make
// them race. Races on memory that is not instrumented (code built without
// -race, memory written by the kernel or by cgo) and races involving
// sync/atomic operations mixed with plain accesses (atomics are seen only as
// happens-before edges). The reported previous access of a range is the
// part of it in the racing word, not the whole range.
//
// # False positives
//
// None if the runtime reports every synchronisation: every reported pair is
// unordered in the execution's happens-before order. Synchronisation the
// detector does not see (hand-written with unsafe or assembly, or in
// uninstrumented code such as cgo) yields false positives, as does memory
// reused without OnMalloc/OnFree (for example a custom allocator recycling
// objects), though the old and new uses are then often ordered anyway.
//
// # Goroutine identifiers
//
// Each goroutine gets a dense tid, 0, 1, 2, ..., never reused. Reusing the
// tid of an ended goroutine would be unsound: its old epochs c@t live on
// in shadow cells, in sync clocks and in other goroutines' clocks, and a
// new goroutine starting t's clock anew would have its accesses compared
// with them as if they were its own (a write by the old goroutine at
// clock 5 would look ordered before the new one's accesses once the new
// clock reaches 5, hiding races), and conversely the old goroutine's
// knowledge would be attributed to the new one. Sound reuse needs the
// epochs of the old goroutine to be erased or bounded everywhere
// (ThreadSanitizer's slot reset), which this detector does not do. The
// cost is that vector clocks grow with the number of goroutines ever
// started. Clocks are 32-bit; a goroutine that releases more than 2³²
// times makes the detector panic (and so be disabled) rather than wrap.
//
// # Costs
//
// Per access: nothing but a few compares for a repeat of the goroutine's
// last access; otherwise a lock of the page (with the cached page, no
// shard lookup) and O(1) for the epoch fast paths (same epoch, exclusive
// read, exclusive write); a write to a location in read-shared mode costs
// O(n), n being the number of goroutines ever started. A range access costs one cell per
// 8-byte word. Acquire, Release and ReleaseMerge are O(n) vector clock
// operations; goroutine start is O(n).
//
// Memory: about 112 bytes per shadowed word with one cell (80 more per
// extra span), plus about 4.8 KiB per touched page (its 512 word slots);
// 4n bytes per goroutine clock and per sync address, and 28n bytes per
// location in read-shared mode. A goroutine's clock is dropped when it
// ends. Report deduplication keeps one entry per racing pair of code
// locations.
package fasttrack
