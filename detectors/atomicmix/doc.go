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
// and width. Each location is reported once (until its memory is
// allocated again). Plain accesses reach the detector with Size 1 at a
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
//     later atomic by another goroutine is initialisation if the bytes it
//     accessed were then private to the accessing goroutine (no other
//     goroutine and no atomic had touched them since they were allocated;
//     bytes, not words, as small objects share words): a constructor
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
// inlined calls expanded (the toolkit's code.Classifier, skipping
// sync/atomic and ignoring the packages above, decides). The runtime gives as an atomic's PC the return
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
// that is no ancestor, to bytes no one else has touched yet, racing with
// a first atomic by a sibling, is taken for initialisation (the same
// goroutine's next access after the atomic is reported).
//
// Each 8-byte word keeps two access records (see Costs), which is what
// finding an access of the other sort by another goroutine needs when a
// word holds one variable, but not always when it holds several:
//
//   - A goroutine's plain accesses to a word share one record, for the
//     bytes accessed at one fork count (goroutine starts so far when the
//     goroutine last started one, or was started: the ancestor rule
//     compares an access only with its own goroutine's starts) and
//     privacy; at a later count, the record moves to the later access
//     when that covers its bytes, else it takes a free slot; with none,
//     the record keeps the union of the bytes at the later count, so that
//     an ancestor's initialisation of one field before a start can be
//     reported when it also wrote another field of the word after it and
//     a third goroutine holds the other slot.
//   - A third goroutine's plain access is not recorded when two other
//     goroutines' plain records on its bytes fill the word, nor when two
//     atomic records do (it was checked against them); an atomic
//     replaces a plain record, since the plain ones were checked against
//     it. A later atomic by a goroutine for which both records are its own
//     or initialisation is then not reported, though the dropped access
//     was neither.
//   - A record keeps the code location of the first access it stands
//     for, so a report's earlier plain access is the first of those; and
//     a plain access that repeats one of its batch on the same bytes is
//     not looked at (see Costs), so it is never the reported one.
//   - Fork counts and goroutine IDs are kept mod 2^32: the ancestor rule
//     misjudges accesses 2^31 goroutine starts apart, and goroutine IDs
//     above 2^32 are reported mod 2^32.
//
// Allocation times are kept in a direct-mapped table of 16384 slots by
// 512-byte chunk (the first 4 KiB of each allocation): memory whose slot was
// taken by a later allocation counts as old, which only makes reports more
// likely. A word keeps the time for its first plain access's goroutine:
// a time after that goroutine's last start, or any time if it has started
// none, is kept as that start (the same to the ancestor rule for that
// goroutine's accesses, whose own starts came all before or all after).
// Another goroutine's private access to other bytes of the word (a small
// object sharing it) is judged with the word's time: it may then be
// taken for initialisation or reported where its own object's time
// would decide otherwise. The verdict of an atomic is cached per (PC, stack), and the roots
// of goroutines share a stack: an atomic of the runtime, sync or an
// internal package called through a wrapper from a goroutine's root
// function can share the verdict of a user one, or the reverse. Each
// location is reported once: a second mixing code path on it is not.
// Memory freed and not yet allocated again keeps its records, but a page
// that a range covered whole (one record for the page, see Costs) loses
// its record when any part of it is allocated again: a use after free of
// the rest of the page then mixes with nothing.
//
// # False positives
//
// Every report is a real mix of atomic and plain accesses by two
// goroutines; it is a false positive only in the sense that the program may
// order the two accesses correctly (initialisation handed to another
// goroutine through a channel before it uses atomics, a plain read after
// every atomic user has been joined). Such programs are fragile, not
// racy. A goroutine's plain accesses to a word at two fork counts can
// share a record (see What it misses), so that an ancestor's
// initialisation is reported as mixing. Memory reused without OnMalloc (a
// custom allocator) can mix the records of two variables.
//
// # Costs
//
// The detector sets race.Policy.SkipRepeats: a read or write that repeats
// one of the same goroutine with no other event between them is dropped
// by the batch's table of the words it accessed (whatever its kind and
// code location: the first access's record stands for it). When every
// linked detector sets it, the runtime's access thunks drop such repeats
// before they are recorded (runtime/drace.go, draceFilter), so they cost
// no record, no Fill and no table look-up; a replayed trace holds them,
// and the batch's table drops them there.
//
// Plain accesses by the standard library count like the program's (fmt
// printing, through reflect, a struct whose field another goroutine
// updates atomically), so the detector does not declare
// race.Policy.IgnoresStd: with -drace=atomicmix the standard library
// stays instrumented, and its accesses are part of the cost below.
//
// The state of each aligned 8-byte word is a record in direct-mapped
// shadow memory (toolkit/shadow): two access records, each the
// goroutine's ID, the site id of its code location (PC and stack,
// numbered by a toolkit/site table), its fork count, the bytes accessed
// (a mask) and its kind; the bytes reported; the fork count at the
// allocation of the word's memory; and a lock bit. 16 bytes in place hold
// the first access record, both records' masks and kinds, the bytes
// reported and the lock; the second access record, and an allocation
// time that is neither 0 nor the first record's fork count (see What it
// misses), take 16 more in the shadow's far plane (shadow.Map.SetFar),
// whose pages take memory only where some word uses them (written through
// shadow.Map.WriteFar, which marks them for the reset of the memory; read
// only when the bits in place say the word uses them). Nothing is
// allocated per word.
//
// Plain accesses arrive in batches (race.AccessDetector), one goroutine's
// between two of its other events; an access within one word that
// repeats an earlier one of its batch on the same bytes is skipped before
// its shadow is looked up (a table of the batch's last 32 words per
// goroutine, by address, cleared for each batch: the toolkit/repeat
// filter's rule for accesses of one kind, at one load and compare). A
// batch finds the records of its words through the 1 GiB window of shadow
// it used last (a toolkit/shadow Cursor: one lookup per window moved to,
// not one per access). Another plain access of at most 64 bytes
// first reads the records of its words without their locks: no lock and
// no write when, in each word, it repeats an access the goroutine has
// recorded at its current fork count with nothing to report, or it would
// not be recorded (two other goroutines' plain records on its bytes, as
// in a table many goroutines read, or two atomic records already
// reported); a word of a range whose records are plain and the
// goroutine's is second (data another goroutine read first, as each
// test's goroutine reads a table in turn) is checked so too, before
// repeat's general case. A plain access to a word that no atomic touched costs,
// then, a lookup of the shadow and a few loads and compares of one
// 16-byte record (and of the far half when a word has two records). Fork counts are the goroutine's own (see What it
// misses), so that other goroutines' starts do not make its records
// stale. Otherwise the access locks the record, checks both access
// records and updates them, and a word's first access looks up its
// allocation (one SpinLock of 64, once per 512 bytes of a range; a word
// with no record at all, most often memory just allocated, is locked by
// one compare-and-swap and given its one record straight, without
// decoding and encoding its state): a
// plain access before the first atomic is recorded as one after it, so
// that the atomic finds it. A range costs this per word, at
// one shadow lookup per 1 GiB, except for the aligned 4 KiB pages it
// covers whole whose words have no record yet (a large buffer filled or
// copied): such a page gets one record for all its words
// (toolkit/shadow's Uniform), which the range's check and update cost
// once, and which is copied into each of its 512 words the first time an
// access touches part of the page (any word access, an atomic) —
// ThreadSanitizer writes the shadow of every word. Recording an access
// looks its code location up in the site table (lock-free once
// numbered), unless it is the goroutine's last recorded one (a loop
// filling new memory), whose id the goroutine keeps.
//
// An atomic locks the record. It first looks its verdict up by PC in the
// toolkit's code.Classifier (a lock-free cache; the first sight of a PC
// resolves it with race.Frames, which allocates) and, for a PC in
// sync/atomic, by (PC, stack) in a direct-mapped cache read without a
// lock, whose miss takes a SpinLock of 16 and a map lookup. For a PC in sync/atomic, the first sight of a (PC, stack),
// and the recording or reporting of such an atomic (once per goroutine and
// span of a word, plus reports), walk the goroutine's stack with
// race.Callers and the PCs' cached verdicts: its first 16 frames, and the
// rest only if the maker is not among them (deep recursion, as in
// encoding/json, makes every stack new).
//
// A goroutine start costs one atomic add and a copy of 8 ancestors; its
// state is one an ended goroutine left (up to 256 are kept), so that
// starting one allocates nothing then. OnMalloc resets the shadow of the
// range (toolkit/shadow's Reset: 256-byte blocks of shadow never written
// are skipped, and so are the far halves of blocks whose far halves were
// never written; large runs are given back to the system), ends the uniform record
// of each page the range overlaps (one load per 4 KiB once any page has
// been uniform, the records of a 2 MiB run of pages never uniform skipped
// at once; the rest of a page a small object shares then loses its
// record, as it belonged to the freed object the range covered), and
// writes up to 8 allocation slots, under one or two of the table's 64
// stripe locks (8 consecutive slots share one); OnFree does nothing.
// Neither allocates.
//
// Memory: 16 bytes of shadow per 8-byte word the program has touched
// (ThreadSanitizer's is 16), and 16 more per word with two goroutines'
// (or one goroutine's at two fork counts) records, or with its
// allocation time apart (by 4 KiB pages of the far plane: one such word
// makes its page, the far shadow of 2 KiB of memory, resident); only the
// pages of shadow written, but 24 bytes (40 with a far half) per 4 KiB
// page that only ranges covering it whole have touched;
// 400 KiB for the allocation table (outside the Go heap, as are the
// shadow's tables, so as not to raise the collector's goal); the site
// table, about 100 bytes per distinct (PC, stack) recorded; about 370
// bytes per live goroutine (its ancestors and table of the batch's
// words) and per ended one kept (at most 256), 512 more once it makes an atomic through a
// sync/atomic function; about 16 bytes per distinct atomic PC and per
// distinct (PC, stack) of atomics through such functions, and 64 KiB for
// their caches.
//
// Measured on a shared 2-CPU machine, as time (CPU time in brackets) and
// peak memory relative to patched -race (drace bench -rounds=3, medians;
// other work on the machine varied, so within about 20%): strconv's tests
// 2.7× (2.7×) and 0.7×, compress/flate's 2.1× (1.9×) and 0.9×,
// encoding/json 1.5× (1.8×) and 0.95×, sync 1.1× (1.2×) and 0.5×,
// bench/matmul 2.1× (2.1×) and 0.7×, bench/pipeline 1.8× (1.8×) and 1.0×,
// bench/wordcount 2.3× (2.2×) and 1.1×, bench/cache 1.1× (1.2×) and 0.9×,
// bench/churn 1.9× (1.5×) and 0.8×, bench/mutex 0.55× (0.8×) and 0.5×,
// bench/pingpong 0.9× (1.2×) and 0.9×, bench/rwreaders 1.1× (1.3×) and
// 0.9×. Before plain accesses that change nothing took no lock, fork
// counts were the goroutine's own and the detector's tables left the Go
// heap, the same runs gave, in CPU time, 3.3×, 2.1×, 2.1×, 1.45×, 4.0×,
// 2.2× (1.1× memory), 2.7×, 1.8×, 1.5×, 1.4×, 1.0× and 1.8×. The rest is
// mostly runtime/race's delivery of the accesses (a third of the CPU time
// on strconv) and cache misses on the records, 32 bytes then (most of a plain
// access's check on compress/flate). The batch's window, the inline
// checks of one-word accesses in OnAccesses, the per-batch table and the
// shorter first stack walk then cut the instructions the detector runs
// (valgrind's count for the whole test binary, deterministic where the
// times above are not; drace's runtime alike) by 27% on bench/matmul
// (934 → 685 million), 12% on bench/pipeline (2121 → 1864 million),
// about 10% on bench/wordcount (1086 → 927-982 million), 7% on
// bench/cache and 6% on bench/mutex; in drace bench -rounds=3, run before
// and after in turn on the loaded machine, CPU time relative to -race
// went from 2.06 to 1.56 on bench/matmul, 2.79 to 2.28 on strconv and
// 1.28 to 1.20 on bench/cache, and encoding/json's CPU time (its test
// binary alternately) from 2.29 s to 2.07 s. Earlier, bbolt's cmd/bbolt/command
// tests took 2.1–2.7× time and 1.2–2.1× memory (max RSS); with a heap
// record per word, before the shadow, compress/flate took 11× time and
// 15× memory, encoding/json 5.7× and 3.8×, and bbolt 5.6 GiB (-race:
// 365 MiB). With 32-byte records in place, before the far half,
// peak memory relative to -race was 0.80 on encoding/json, 1.18 on
// bench/wordcount and 0.95 on bench/pipeline (drace bench -rounds=3), and
// bbolt's internal/tests took 62–68 MB (max RSS, four runs alternating
// with -race's 43–46 MB); with 16 bytes in place, 0.71–0.81, 0.88–0.92,
// 0.81–1.00 (three such runs) and 52–59 MB. Then far halves came to be
// written only through shadow.Map.WriteFar, which marks their blocks, so
// that OnMalloc's reset no longer reads the far plane of every page of
// records written; marks came to stand for 256-byte blocks of records
// rather than pages, the states of ended goroutines to be kept for the
// next, an allocation's slots to take one or two stripe locks rather than
// one each, a batch to be read 16 accesses at a time and a one-word
// access's byte mask to come from a table: instructions
// (valgrind, the whole test binary) went from 4031 to 2436–2500 million
// on bench/churn (-race: 1764) and from 1310 to 857 on bench/wordcount
// (363), and from 643 to 647 on bench/matmul (298; more calls of
// AccessBatch.Fill). Then a word with no record came to be given its
// record straight, a goroutine to keep its last site id, and a range's
// words whose own record is second, or that two other goroutines'
// records fill, to be checked before repeat's general case: the
// detector's and toolkit's instructions (valgrind, the whole test
// binary), before → after: bench/wordcount 412 → 347 million,
// bench/matmul 398 → 367, bench/pipeline 830 → 772, bench/cache 438 →
// 426, encoding/json 5444 → 4781, strconv 26159 → 25283 (of 42565 →
// 41697 in all; -race's whole binary: 18594). What is left on strconv is
// the per-access path itself: OnAccesses about 64 instructions per access
// (the loop over the batch's buffer, the batch's table, the inline
// checks), AccessBatch.Fill about 49 (with the goroutine's stack kept),
// and for ranges of two or three words quietRange with a check per word.
//
// The detector asks about the program's PCs and its goroutine's stack only
// through runtime/race's host functions (race.Frames, race.Callers), so
// that drace replay, answering for the traced program, finds the makers of
// atomics as the program did.
package atomicmix
