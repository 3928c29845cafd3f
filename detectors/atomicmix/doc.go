// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package atomicmix reports memory that is accessed both through sync/atomic
// and through plain loads and stores by different goroutines, linked with
// -drace=atomicmix.
//
// A variable that one goroutine reads or writes with sync/atomic is shared
// without a lock; a plain access to it elsewhere is a data race unless
// something else orders it, and that order is easily lost when the code
// changes. Happens-before detectors (ThreadSanitizer, fasttrack) report the
// mix only when the observed schedule left the two accesses unordered: a
// counter added to atomically by workers and read plainly after wg.Wait, or
// a flag stored atomically and read plainly by a goroutine that happened to
// run later, passes them. atomicmix reports the mix whatever the order: it
// keeps no clocks at all.
//
// # What it finds
//
// A location is the byte span [addr, addr+width) of a sync/atomic
// operation (Width 4 or 8). A report names a location accessed atomically
// by one goroutine and plainly (OnRead, OnWrite, or a range overlapping the
// span) by another, in either order: the current access first, then one
// earlier access of the other sort by another goroutine (marked Previous,
// Atomic on the atomic side; an atomic load is a read, every other atomic
// operation a write). The Kind is "MIXED ATOMIC ACCESS" and the Message
// "mixed atomic and plain access to 0x… (N bytes)", the location's address
// and width. Each location is reported once (until its memory is freed or
// reallocated). Plain accesses reach the detector with Size 1 at a
// variable's first byte, ranges with their length; any overlap with the
// span counts, so a copy of a struct holding an atomically updated field is
// a plain read of it.
//
// # What it does not report
//
//   - Mixing within one goroutine: a goroutine that initialises a variable
//     plainly and then uses it atomically, or reads back its own atomic
//     writes plainly, is not reported.
//   - Initialisation before publication. A plain access made before a
//     later atomic by another goroutine is initialisation if the word was
//     then private to the accessing goroutine (no other goroutine and no
//     atomic had touched it since it was allocated): a constructor
//     filling a struct that it then hands over. For an ancestor of the
//     goroutine making the atomic (parent, grandparent, ..., up to 8
//     generations), a plain access is initialisation if it came before the
//     ancestor started the goroutine on the path, or if it was private and
//     the memory was allocated after that start (an object built later and
//     handed to an older worker); but a private access after the start to
//     memory allocated before it (which the goroutine may have captured)
//     is reported. A plain access made after an atomic by another
//     goroutine is always reported.
//   - Atomics made by the runtime (runtime and runtime/..., but not the
//     built-in detectors under runtime/race/detectors), by package sync
//     (not sync/atomic) and by std internal packages on their own state: the state word of a
//     sync.Mutex, a WaitGroup's counter, a Once's flag. Copying a used
//     sync.Mutex is go vet's business, not this detector's.
//
// The maker of an atomic is the innermost function outside sync/atomic,
// inlined calls expanded. The runtime gives as an atomic's PC the return
// address into the function that called the sync/atomic assembly, which
// for the sync/atomic functions is their ABI wrapper, and for the atomic
// types' methods the method (unless inlined): there, the maker is found on
// the goroutine's stack (race.Callers) the first time a (PC, stack) is
// seen, and the verdict cached; the recorded and reported PC of an atomic
// is the maker's, so reports show the line of the atomic call.
//
// # What it misses
//
// It sees only what runs: a location whose plain accesses never execute in
// the run is not reported. Memory that is not instrumented (code built
// without -race, cgo, assembly, the kernel) has no plain accesses. The
// initialisation rule above is a heuristic: a plain write by a goroutine
// that is no ancestor, to a word no one else has touched yet, racing with
// a first atomic by a sibling, is taken for initialisation (the same
// goroutine's next access after the atomic is reported). For each (sort,
// span) of each word the detector keeps at most two goroutines' accesses,
// so it may miss a mix it would have found with a third goroutine's access
// to a different span of the same word (fields of mixed sizes).
// Allocation times are kept in a direct-mapped table of 16384 slots by
// 512-byte chunk (the first 4 KiB of each allocation): memory whose slot was
// taken by a later allocation counts as old, which only makes reports more
// likely. The verdict of an atomic is cached per (PC, stack), and the roots
// of goroutines share a stack: an atomic of the runtime, sync or an
// internal package called through a wrapper from a goroutine's root
// function can share the verdict of a user one, or the reverse. Each
// location is reported once: a second mixing code path on it is not.
//
// # False positives
//
// Every report is a real mix of atomic and plain accesses by two
// goroutines; it is a false positive only in the sense that the program may
// order the two accesses correctly (initialisation handed to another
// goroutine through a channel before it uses atomics, a plain read after
// every atomic user has been joined). Such programs are fragile, not
// racy. Memory reused without OnMalloc/OnFree (a custom allocator) can
// mix the records of two variables.
//
// # Costs
//
// Per plain or atomic access: one shard SpinLock (64 shards by 4 KiB
// page), a map lookup and a scan of the word's few cells; a range costs one
// word per 8 bytes; an access first seen in a word also looks up its
// allocation (one SpinLock of 64). An atomic first consults a verdict cache
// (one SpinLock of 16, one or two map lookups); a miss resolves the PC with
// race.Frames and, for a PC in sync/atomic, walks the goroutine's stack
// with race.Callers, as does recording or reporting such an atomic
// (at most twice per word span, plus reports). A goroutine start costs one
// atomic add, a copy of 8 ancestors and 64 uncontended SpinLocks (the
// allocation table's copies of the start count); plain accesses load the
// start counter. OnMalloc and OnFree look up each page of the range (or scan the
// shard tables for huge ranges), OnMalloc writes up to 8 allocation
// slots; they do not allocate and use no sync/atomic (they may run on the
// system stack).
//
// Memory: about 4 KiB per touched 4 KiB page (a slot per word) plus about
// 110 bytes per touched 8-byte word and 72 per extra span in it, for every
// word accessed plainly or atomically (plain accesses must be kept, since
// the atomic may come later); 400 KiB for the allocation table; 150 bytes
// per live goroutine; about 16 bytes per distinct atomic PC and per
// distinct (PC, stack) of atomics through wrappers. Records are dropped
// when their memory is freed or reallocated.
//
// The detector asks about the program's PCs and its goroutine's stack only
// through runtime/race's host functions (race.Frames, race.Callers), so
// that drace replay, answering for the traced program, finds the makers of
// atomics as the program did.
package atomicmix
