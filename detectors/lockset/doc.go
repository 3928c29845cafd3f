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
// sync events (race.NativeSyncDetector) with the toolkit's held-lock sets
// (runtime/race/toolkit/locks): sync.Mutex Lock and a successful TryLock
// add the mutex, Unlock removes it; sync.RWMutex Lock and TryLock add it
// in write mode, RLock and TryRLock in read mode (read locks nest, with a
// count), Unlock and RUnlock remove it. Lock waits and failed TryLocks
// change nothing. Go lets a goroutine unlock a Mutex that another locked:
// the unlock is recorded on the mutex, and the goroutine that held it
// drops it at its next event (a foreign RUnlock cannot tell which reader
// it ends and is ignored).
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
// holds in write mode (a sync.Mutex is always in write mode). A variable is
// reported at the access that empties C(v), paired with the last access
// by another goroutine then applied, and once more at that other
// goroutine's next access to it: accesses reach the detector in batches,
// when each goroutine synchronises, so the other goroutine's racing access
// may be applied after the report, and this names it at its own code.
//
// A variable is a byte span within an aligned 8-byte word: an access of
// Size 1 at the variable's first byte (as instrumented code reports
// accesses), or the part of a range access within one word. An access
// applies to every variable of its word whose span it overlaps, and starts
// a virgin variable for its own span if there is none. Adjacent fields are
// separate variables, so fields guarded by different locks are fine; a
// range access (a copy, a struct assignment) touching a field is an
// access to that field. A word keeps two variables (see Shadow layout).
//
// Accesses made by code of the standard library are not checked (the
// toolkit's code.Classifier decides, by the function of the access's PC:
// its file in the GOROOT the program
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
// Since it drops them all, the detector declares that it ignores the
// standard library (race.Policy.IgnoresStd and the //go:drace ignorestd
// directive): with -drace=lockset, or a list of detectors that all
// declare it, and without -race, the go command compiles the packages in
// GOROOT/src (but main packages) without memory-access and function
// entry/exit instrumentation, and the runtime no longer collects and
// hands over accesses the detector would drop. The verdicts are the same
// either way: the accesses the build leaves out are those the classifier
// calls Std (code whose file is in GOROOT/src); the runtime's accesses
// for such code (copy, append, map operations) still come, with the
// calling function's PC pushed on the stack, and are still attributed to
// it; the synchronisation of the standard library (sync, channels,
// internal/race annotations) is still delivered. What differs is the
// stacks in reports: they lack the standard library's frames, and a
// function of the program called back from the standard library (a
// sort.Slice comparison, a test function run by package testing) shows
// the call site in the standard library as its caller and not the frames
// above it (the program's function that called sort.Slice is not shown).
// Beside a detector that does not declare it (-drace=all, or lockset with
// fasttrack, lockorder or leak), or with -race, the standard library is
// instrumented and the stacks are whole.
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
//   - Accesses after a free to the rest of a page that a range covered
//     whole, once part of the page is allocated again: its entry is gone.
//   - A third variable in a word whose two variables are not both the
//     exclusive state of the accessing goroutine: it is not checked (see
//     Shadow layout).
//   - Goroutines are told apart by the low 32 bits of their IDs: two
//     goroutines 1<<32 IDs apart are one owner in the exclusive state.
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
//   - a lock taken by one goroutine and released by another, which
//     accessed the variable in between (a read transaction handed to a
//     worker, as go.etcd.io/bbolt's tests do with its mmap RWMutex): the
//     worker holds no lock in the detector's view;
//   - memory reused without OnMalloc (a free list, sync.Pool objects
//     reused by user code): the old and new uses merge;
//   - a goroutine's own bytes merged into one variable (see Shadow
//     layout): if they are later guarded by different locks, they are
//     reported as one variable.
//
// A read-mostly variable initialised by one goroutine and then only read
// is not reported (the shared state).
//
// # Shadow layout and costs
//
// The detector does not set race.Policy.SkipRepeats: a variable keeps its
// goroutine's last access (its code location, its kind), which a report
// pairs with the access that empties the lock set, so a repeat of the same
// goroutine with no event between them changes what a report prints; and
// it skips the standard library's accesses by their site, so a repeat
// the runtime dropped after one of those would be the program's access it
// never saw. Its reads and writes all reach it.
//
// Variables live in the toolkit's direct-mapped shadow memory
// (runtime/race/toolkit/shadow): two 16-byte cells per aligned 8-byte
// word, the first in the shadow, the second in its far plane
// (shadow.Map.SetFar), whose pages take memory only where some word has
// held two variables (written through shadow.Map.WriteFar, which marks
// them for the reset of the memory, and read only while a bit of the
// first cell says the second is in use: a word of one variable never
// reads its far half), with no Go pointers and no per-word heap objects,
// found from the address by arithmetic and locked by a bit of the first
// cell (shadow.LockBit). A cell holds its variable's span, state and reported
// bit, and:
//
//   - exclusive: the owner (the low 32 bits of its goroutine ID) and its
//     last access: whether it wrote, its code location (a number from
//     runtime/race/toolkit/site) and the lock set it held (an id of
//     runtime/race/toolkit/locks);
//   - shared and shared-modified: C(v) as a lock set id, and the number
//     of the variable's history: for reports, the last read and the last
//     write by the two most recent distinct goroutines (goroutine ID,
//     code location, locks held, and the access's sequence number, which
//     orders them), 128 bytes in a table with a free list. A read is not
//     recorded when both read records are two goroutines' at its code
//     location with its locks, later than every write recorded, and the
//     variable owes no report (C(v) is not empty, or it is not
//     shared-modified): whichever access is reported next is paired with
//     one of them, an access by another goroutine at the same code
//     location and locks, and a read still, where the read not recorded
//     may have been the later one.
//
// A range access that covers an aligned 4 KiB page whole while no word of
// the page has a cell (a large buffer filled, copied or written out) is
// applied once for the page, to one entry that stands for each of its
// words as a variable of 8 bytes (toolkit/shadow's Uniform), until an
// access to part of the page copies the entry into each of its 512 words
// (a shared variable's history copied for each) and goes on as usual. A
// report from such an entry names the page's first word, once for the
// page where word by word each of its words would be reported.
//
// So memory is bounded by the memory the program touches (2 times it
// where its words hold one variable each, up to 4 times, only the pages
// of shadow written take memory, but 24 bytes per 4 KiB
// page only ranges covering it whole have touched) plus a history per
// shared variable, and sets and code locations, which grow with the
// program's distinct lock combinations and call paths, not with its
// accesses. OnMalloc resets the shadow of the new memory and puts its
// variables' histories back (without allocating), and ends the uniform
// entries of the pages it overlaps (the rest of a page a small object now
// shares belonged to the freed object the range covered); OnFree drops the
// foreign-unlock records of freed locks.
//
// What the bound costs: a word has room for two variables. A third span
// accessed by the goroutine that owns an exclusive variable of the word
// joins the nearest such one (a buffer written byte by byte by one
// goroutine), so two of its bytes may become one variable; any other
// third span is not checked. When a variable becomes shared, the
// history starts with the owner's last access only: a report may pair an
// access with that one where an earlier write by the owner would have
// fitted better.
//
// Accesses come in batches (race.AccessDetector), one goroutine's between
// two of its other events: the goroutine's state and locks are looked up
// once per batch. Per access: the goroutine's table of its last code
// locations (8 slots, by PC and stack; 64 once it has missed 256 times,
// 1.5 KiB more for such a goroutine) gives whether the code is checked
// and its code-location number; on a miss, a PC classification by the
// toolkit's code.Classifier, the rule every built-in detector shares (a
// lock-free cache lookup, or race.Frames on a miss; for a runtime PC, a
// second lookup by StackID, walking the whole stack on a miss: deep
// recursion makes every stack new, and that walk is most of the
// detector's time on encoding/json), and a code-location lookup. Then per
// word (an access within one word finds its entry by arithmetic alone, in
// the 1 GiB window of shadow its batch used last), without the word's
// lock when the word has a variable of the access's own span and each
// variable the access overlaps is either
//
//   - in the exclusive state, owned by the accessing goroutine (a loop over
//     the goroutine's own data): a compare-and-swap of the cell's second
//     field, the owner's last access, or nothing if it is the same
//     (checked by OnAccesses itself for a variable alone in its word, or
//     beside one the access does not overlap); or
//   - shared, and left in its state and with its C(v) (a cached Intersect
//     of lock set ids), owing no first report: the history's SpinLock,
//     the cell checked again under it, and the access recorded; or, for a
//     read that is not recorded (above), a load of the history's key of
//     its read records and of the cell again, no lock and no write (a
//     variable that many goroutines read, as bench/matmul's second
//     matrix or bench/rwreaders' map under RLock, no longer passes its
//     history's lock from processor to processor at every read);
//
// otherwise the word's lock bit and, for each cell the access overlaps,
// the Intersect and, for shared variables, the history's SpinLock, a
// cell's fields stored only if they change. A range access costs one word
// per 8 bytes, but one entry per 4 KiB page it covers whole while the
// page is uniform or has no cell. Lock and unlock: O(|held|); the set a
// lock leads to is remembered by the goroutine (its last four), else
// looked up without a lock once it is known.
//
// Measured with drace bench -rounds=3 -configs=race,lockset,hybrid,atomicmix
// (median time relative to the patched -race in the same run; the machine
// was shared and loaded, so ratios only), in two runs side by side: before
// the standard library was left uninstrumented for -drace=lockset, and
// after (with its peak memory relative to -race):
//
//	workload         before  after  mem×race
//	compress/flate     2.12   0.11      0.43
//	strconv            1.53   0.06      0.68
//	encoding/json      3.53   0.33      0.55
//	sync               1.11   0.54      0.30
//	bench/wordcount    1.86   1.86      1.16
//	bench/matmul       5.24  10.88      0.92
//	bench/pipeline     0.92   0.74      0.68
//	bench/cache        3.31   2.50      0.95
//	bench/churn        1.55   1.28      0.97
//	bench/mutex        2.41   2.07      0.61
//	bench/pingpong     1.52   1.30      1.00
//	bench/rwreaders    3.31   2.79      1.00
//
// The standard library's tests run the standard library's code only,
// whose accesses the detector never checked: it used to be handed all of
// them, unpacked from their batches, classified by PC (for the runtime's,
// by stack) and dropped, which was most of its time there, with the
// shadow stacks' function entries and exits. Now they are not collected
// at all (see the standard library above). On the bench/ workloads, the
// program's own code, what is left is the detector's work per access of
// the program: accessAs and accessWord (as they were then) are about 60%
// of the CPU profile of bench/matmul, unpacking the batch
// (AccessBatch.next) 20%.
// bench/matmul's ratio moves with -race's own time (0.20 s in the first
// run, 0.09 s in the second; lockset 1.06 s and 0.96 s).
//
// The per-access path was then cut down (the goroutine's table of code
// locations, one access record per batch, an access within one word
// applied by OnAccesses itself, the lock-free paths above). drace bench
// -rounds=3 -configs=race,lockset on the five workloads below, with the
// build before and after, twice in turn on the loaded machine (before,
// after, before, after); time and CPU time relative to -race in the same
// run, then peak memory:
//
//	workload         time before  time after  cpu before  cpu after  mem after
//	bench/matmul      11.11 9.39   4.35 4.02   6.84 5.88   3.18 2.93  0.92 0.94
//	bench/wordcount    2.09 2.37   2.25 1.62   2.14 2.18   1.68 1.76  1.36 1.33
//	bench/rwreaders    7.39 3.64   2.91 5.57   2.65 2.97   2.25 2.16  0.84 0.74
//	bench/churn        1.60 1.47   1.53 1.73   1.63 1.59   1.74 1.60  1.09 0.81
//	bench/mutex        2.02 1.61   1.28 1.75   1.77 1.75   1.57 1.52  0.51 0.50
//
// (Peak memory before: 0.94 0.92, 1.35 1.36, 0.81 0.84, 0.90 0.95, 0.51
// 0.51: unchanged within the runs' spread.) -race's own time on
// these runs is 0.04 to 0.3 s (churn 1.2 to 2.9 s) and moves by half from
// run to run under load, which moves the time ratios as much; the CPU
// ratios are steadier. The mean user CPU time of the test binaries
// (-test.count=3), -race's, before and after run in turn four times,
// before → after (-race): matmul 0.72 → 0.36 s (0.08), wordcount 0.33 →
// 0.30 (0.16), rwreaders 0.23 → 0.20 (0.06), mutex 0.44 → 0.38 (0.21),
// cache 1.07 → 0.95 (0.40), pingpong 0.34 → 0.31 (0.25). What is left on
// bench/matmul: the lock-free paths (fast 20% of the CPU profile, most
// of it the owner's compare-and-swap and the loads of the shadow; the
// shared reads of the second matrix, each of whose words every goroutine
// reads once, a history record per read: fastShared 10%, the history's
// SpinLock 4%), unpacking the batch (AccessBatch.next) 16%, OnAccesses 9%
// and the table of code locations 4%. On churn, resetting the shadow of
// each goroutine's closure as it is allocated (OnMalloc) is 15% of the
// profile, the reads of shadow not in the cache; on rwreaders and mutex,
// the runtime's delivery of the sync events and batches is most of it,
// the detector a fifth. The shadow's 4 bytes per byte of memory the
// program touches is bench/wordcount's memory above -race's.
//
// Then OnAccesses found a batch's entries through its window of shadow
// and applied the owner's exclusive accesses and the quiet ones to shared
// variables itself, the goroutines that miss their table of code
// locations often got a larger one, and Intersect answered a read
// holding C(v) itself without its cache. The instructions run (valgrind's
// count for the whole test binary, deterministic where times are not),
// before → after: bench/matmul 1408 → 1051 million (-25%), bench/mutex
// 1547 → 1353 (-13%), bench/wordcount 793 → 737 (-7%), bench/pipeline
// 725 → 672 (-7%), bench/cache 2242 → 2125 (-5%); bench/churn is
// unchanged (a third of it is OnMalloc's reset of the shadow). In drace
// bench -rounds=3, run before and after in turn, CPU time relative to
// -race went from 3.03 to 2.37 on bench/matmul, 1.61 to 1.46 on
// bench/mutex and 1.75 to 1.65 on bench/wordcount. Since then the batch
// is read 32 accesses per AccessBatch.Fill call rather than one per Next
// (Next was 15% of the instructions on bench/matmul), and a SpinLock
// taken in a callback no longer makes the calls of its ThreadSanitizer
// annotations (about 60 instructions a lock and unlock). What is left on
// bench/matmul: unpacking the batch, the shared reads of the second
// matrix (each a history record under the history's SpinLock), and the
// per-access lookups that remain (the code location, the window, the
// cells).
//
// Then the second cell moved behind a bit of the first (read only while
// the bit says it is in use, written only through shadow.Map.WriteFar,
// which marks its block of the far plane for the reset of the memory),
// toolkit/shadow's marks came to stand for 256-byte blocks of records
// rather than pages (a goroutine's stack used again costs the reset of
// the blocks its words were written in, not of its 16 KiB of shadow, and
// the far plane of a block never written is not read: the reset of the
// far plane was 22% of bench/churn), the states of ended goroutines are
// kept (up to 256) for the next goroutines to start, OnAccesses checks
// the goroutine's own exclusive variable alone in its word first, and a
// batch is read 16 accesses at a time (a smaller buffer zeroed per call).
// Instructions (valgrind's count for the whole test binary), before →
// after: bench/churn 6550 → 2884–2888 million (-race: 1764), bench/matmul
// 1019 → 956 (298), bench/wordcount 753 → 712 (363).
//
// Then a read that the history does not record (above) stopped taking
// the history's lock. Instructions (valgrind, the whole test binary: the
// detector's and toolkit's functions, then runtime/race's, where the
// SpinLock is), before → after: bench/matmul 638 → 609 million and 171
// → 138; bench/rwreaders 191 → 191 and 160 → 152; bench/cache 840 → 846
// and 492 → 473; bench/mutex, where every read follows a write and none
// is skipped, 585 → 610 (the key kept at each record and checked at each
// read); bench/wordcount 279–309 either way (it moves from run to run
// with the schedule); bench/pingpong unchanged. CPU time of the test
// binaries (perf stat -r 10, task-clock, mean; the machine shared), before
// → after: bench/matmul 104 and 111 → 95 and 80 ms in two passes (-race
// 57), bench/rwreaders 73 → 60 (28), bench/mutex 152 → 152 (79),
// bench/cache 261 and 280 → 259 and 261 (147). With the key in the
// history's second cache line rather than its lock's, bench/cache took
// 327 and 309 ms: a read that checks the key and then records touched
// one line more.
//
// Skipping, before the shadow, the accesses that repeat one of their
// batch (a batch holds one goroutine and one lock set, so a repeat changes
// no Eraser state) was tried and is not done: it either changes reports
// or saves nothing. runtime/race/toolkit/repeat's filter, as hybrid uses
// it, takes a read for a repeat of an earlier write: the variable's
// history then keeps the write as the goroutine's last access, and a
// report names it instead of the later read (TestRaceReportLatestConflict
// fails); it saved 8 to 15% of bench/wordcount's CPU time and nothing on
// bench/matmul. A filter that drops only a repeat of the batch's last
// access to the word, of the same span, kind, PC and stack, keeps the
// reports as they are (unless another goroutine's batch is applied
// between the two; without the PC and stack, a report names the first of
// two writes at different lines); it saved nothing measurable on
// bench/{matmul,cache,rwreaders,wordcount} (nor did it without the PC and
// stack, on matmul, cache and wordcount) and cost bench/matmul 10 to 20%:
// its loops have no repeat within a small table's reach (a row of the
// result and a row of b, 100 words each, per step), and a miss costs the
// lookup on top.
//
// The detector asks about the program's PCs, stacks and GOROOT only
// through runtime/race's host functions (race.Frames, StackID.Frames,
// race.GOROOT), so that drace replay, answering for the traced program,
// classifies them as the program did.
package lockset
