// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package fasttrack is a happens-before data race detector: FastTrack
// (Cormac Flanagan and Stephen N. Freund, "FastTrack: Efficient and Precise
// Dynamic Race Detection", PLDI 2009), linked with -drace=fasttrack.
//
// # Algorithm
//
// Every goroutine t has a vector clock C_t, indexed by tid (a clock slot,
// see below), and every synchronisation address m a clock L_m. An epoch
// c@t is the clock value c of goroutine t; it happens before a vector clock
// V when c <= V[t].
//
//   - Starting a goroutine copies the parent's clock to the child, increments
//     the child's own entry, then the parent's (fork).
//   - Acquire of m: C_t = C_t ⊔ L_m. Release of m: L_m = C_t, then C_t[t]++.
//     ReleaseMerge of m: L_m = L_m ⊔ C_t, then C_t[t]++. The runtime maps
//     channels, mutexes, WaitGroups, sync/atomic and so on to these.
//   - Acquire-all (before finalizers and cleanups run): C_t[u] =
//     max(C_t[u], own_u) for every slot u, where own_u is the last clock
//     value used in u (stored at every increment, and kept when its owner
//     ends or loses it). Every access so far was made in an epoch own_u covers, so t is
//     ordered after all of them. Every goroutine then starts a new epoch at
//     its next event (a generation counter tells it), so that what it does
//     from then on is not ordered before t.
//   - Each shadowed location keeps the epoch of its last write W and of its
//     last read R, or, when reads are concurrent ("read-shared" mode), a
//     read vector clock. A read checks W ⪯ C_t; a write checks W ⪯ C_t and
//     R ⪯ C_t (every entry, in read-shared mode, after which the read state
//     is reset). An access in the same epoch as the one recorded is skipped.
//   - A sync/atomic operation is an access of its width, a read for a load
//     and a write otherwise, that conflicts only with plain accesses, as in
//     ThreadSanitizer: it checks W (an atomic write also R) and is recorded
//     apart, in an atomic write set AW and an atomic read set AR (each an
//     epoch or, once two are concurrent, a vector clock, as reads are).
//     A plain read also checks AW, a plain write AW and AR, after which
//     they are reset. Atomics never check one another. A load or
//     read-modify-write acquires its address (the runtime sends the acquire
//     after the atomic event): the detector joins L_m before the check, so
//     a load is ordered after the store it observes and what preceded it,
//     and skips the join of the acquire that follows if L_m is unchanged.
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
// with FastTrack's W and R (or read clock) for that span, the atomic sets
// AW and AR if atomics touched it since the last plain write, and, for each
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
// overlapping bytes, at least one a write and at most one a sync/atomic
// operation, by different goroutines, not ordered by the happens-before
// order of that execution. A plain access racing with an atomic one (for
// example overwriting a sync.Mutex that another goroutine locks) is
// reported with the atomic side marked atomic. It reports at
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
// them race; in particular, a finalizer or cleanup is ordered after
// everything done before the runtime's acquire-all that precedes it, as
// with ThreadSanitizer, so a race with an access made before it runs is
// not found. Races on memory that is not instrumented (code built without
// -race, memory written by the kernel or by cgo). Atomics are modelled as
// ThreadSanitizer models Go's: a load acquires, a store releases; the
// sequentially consistent order of Go's atomics adds no further edges. The
// reported previous access of a range is the part of it in the racing
// word, not the whole range.
//
// # False positives
//
// None if the runtime reports every synchronisation and every allocation:
// every reported pair is unordered in the execution's happens-before order. Synchronisation the
// detector does not see (hand-written with unsafe or assembly, or in
// uninstrumented code such as cgo) yields false positives, as does memory
// reused without OnMalloc/OnFree (for example a custom allocator recycling
// objects), though the old and new uses are then often ordered anyway.
//
// # Clock slots
//
// Clocks, epochs and slots are the toolkit's (runtime/race/toolkit/vclock).
// The "tid" of an epoch is a clock slot, lent to one goroutine at a time,
// like ThreadSanitizer's thread slots, and reused once its goroutine ends:
// while no more than 256 goroutines are live at once there are at most 256
// slots, so no vector clock has more than 256 entries however many
// goroutines the program starts; beyond, there is one slot per live
// goroutine. A new goroutine takes a slot never used while fewer than 256
// have been, then the slot of the goroutine that ended longest ago, and a
// new one only when all are held. A slot's clock only grows: the goroutine
// that takes it over starts after the last epoch used in it (clocks are
// 32-bit; a slot that would pass 2³² makes the detector panic, and so be
// disabled, rather than wrap).
//
// The price, as in ThreadSanitizer, is precision: the goroutine that takes
// a slot over, and every goroutine that later synchronises with it, is
// ordered after all the accesses made in the slot before, so a race
// between a former holder's access and one of theirs is missed. Slots are
// reused oldest first, so the races lost are with accesses made many
// goroutine lifetimes earlier. Reports are not affected: an access keeps
// its goroutine ID, PC and stack, not its slot. Unlike ThreadSanitizer, a
// slot is never taken from a live goroutine: doing so (tried, with 256
// slots) gave false positives on 100 000 short goroutines under one mutex.
//
// # Costs
//
// Per access: an atomic load of the acquire-all generation, then nothing
// but a few compares for a repeat of the goroutine's last access;
// otherwise a lock of the page (with the cached page, no shard lookup) and
// O(1) for the epoch fast paths (same epoch, exclusive read, exclusive
// write); a write to a location in read-shared mode costs O(n), n being
// the number of slots in use (at most 256 while at most 256 goroutines
// are live). A range access costs one cell per
// 8-byte word. An atomic costs an access (without the last-access cache)
// plus, for a load or read-modify-write, the O(n) join of its acquire,
// done once. Acquire, Release and ReleaseMerge are O(n) vector clock
// operations; goroutine start is O(n); so is acquire-all, after which each
// goroutine's next event starts a new epoch.
//
// Memory: about 120 bytes per shadowed word with one cell (88 more per
// extra span, 80 more for a span with atomics), plus about 4.8 KiB per
// touched page (its 512 word slots); 4n bytes per goroutine clock and per
// sync address (n slots: at most 1 KiB while at most 256 goroutines are
// live), 28n bytes per location in read-shared mode (or with concurrent
// atomic reads or writes), and 4 bytes per slot. A goroutine's clock is dropped when
// it ends. Report deduplication keeps one entry per racing pair of code
// locations.
package fasttrack
