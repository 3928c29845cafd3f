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
// Unlock and RUnlock remove it. They are kept with the toolkit's held-lock
// sets (runtime/race/toolkit/locks): a goroutine's set is an interned id,
// and unlocking the lock taken last goes back to the set before it.
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
// Clocks, epochs and slots are the toolkit's (runtime/race/toolkit/vclock),
// and so is the lending of slots to goroutines (vclock.Goroutines, shared
// with fasttrack): a clock has an entry per slot, lent to a goroutine and reused when it
// ends, at most 256 (a goroutine takes its slot at its first event: one
// started but not yet run holds none; when 256 live goroutines hold them
// all, the one lent longest ago is taken from its holder, which takes
// another at its next event). As in
// ThreadSanitizer, the goroutine that takes a slot over is ordered after
// what was done in the slot before: a race with an access made in the slot
// many goroutine lifetimes earlier can be missed.
//
// # Shadow and pruning
//
// Accesses are recorded in the toolkit's direct-mapped shadow memory
// (runtime/race/toolkit/shadow): 32 bytes per aligned 8-byte word, two
// 16-byte cells, with no Go pointers and no per-word heap objects, found
// from the address by arithmetic and locked by a bit of the first cell
// (shadow.LockBit). A cell is an access: its bytes (a mask), read or
// write, its epoch (slot and clock), its code location (a number from
// runtime/race/toolkit/site) and the set of locks it held (an id of
// runtime/race/toolkit/locks); its goroutine, for reports, is the one
// that held the slot at that clock (the last 64 holders of each slot are
// remembered; an older one is reported as goroutine 0). The cells' spare
// bits hold the word's lock, its reported bytes and its lock-object marks.
// A cell names at most 1<<23 slots (goroutines live at once) and 1<<24
// lock sets; past either, the detector panics and the runtime disables
// it.
//
// An access is checked against every cell of its word whose bytes it
// overlaps, then recorded (a range access is clipped to each word). It
// drops the cells it subsumes: those ordered before it (or the same
// goroutine's), within its bytes, of a kind it conflicts with as much (a
// write subsumes reads and writes, a read reads), and guarded by at least
// the locks that guard it (Table.Within). Any later access racing with a
// dropped cell then races with this one and has no more locks in common
// with it, so nothing is lost. Accesses come in batches, one goroutine's
// between two of its other events, so in one epoch with one set of locks
// held: an access that repeats one of its batch (runtime/race/toolkit/
// repeat) is dropped before the shadow, and an access that a cell of its
// epoch and locks covers (the cell's bytes include its own, and it is a
// write if the access is) is found without the word's lock; either way
// the earlier cell stands for it, with its code location, which reports
// then name. (Recording such an access would add nothing a later access
// could race with and the cell not, and could push an older cell out; a
// cell identical to it but for the code location is taken only if it is
// the newest, so that which cell goes next does not change.) Past two
// cells in a word, the oldest is dropped, and a race with
// it is missed (see What it misses).
//
// A range access that covers an aligned 4 KiB page whole while no word of
// the page has a cell (a large buffer filled, copied or written out) is
// checked and recorded once for the page, in one entry that stands for
// all its words (toolkit/shadow's Uniform), until an access to part of the
// page (a word, a range that covers it in part, a lock placed there)
// copies the entry into each of its 512 words and goes on as usual. A
// report from such an entry names the page's first word, once for the
// page where word by word each of its words would be reported.
//
// Lock objects are marked in the shadow of their words, one bit per 4
// bytes: a lock's words are only accessed atomically, so they have no
// cells, and an acquire or release checks the mark without a lock.
// The clocks of the other synchronisation addresses are kept by 4 KiB
// page in 64 shards, maps behind a race.SpinLock. Each goroutine keeps
// the last four synchronisation addresses it used, with their clocks (for
// a lock, the shadow of its word, whose mark it checks), and finds them
// again without the maps and, for a clock, without the mark check: a
// clock that is dropped (OnMalloc, OnFree, the address marked as a lock)
// is marked dead for them.
//
// OnMalloc resets the shadow of new memory (cells, reported bits and
// lock marks), ends the uniform entries of the pages it overlaps (the rest
// of a page a small object now shares belonged to the freed object the
// range covered) and drops the clocks kept in it, without allocating, as
// ThreadSanitizer does; OnFree drops the clocks.
//
// # Reports
//
// Kind "DATA RACE", a Message starting with "hybrid: no common lock
// protects the variable at 0x…", the current access and the previous one
// (Previous), each with its stack and a Note "Locks held: Mutex 0x…
// (write)" (or "Locks held: none"). Each variable (word and first byte of
// the current access) is reported once until its memory is allocated again.
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
//     a record of the first still kept: two per word, the oldest dropped
//     first, so a third goroutine's unordered access can push out the
//     one a later access races with (ThreadSanitizer keeps four).
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
//   - An object handed on through a lock: filled under the lock, then
//     taken out of the structure the lock guards and used without it, by
//     the goroutine that took it out or one it then starts. go.etcd.io/
//     bbolt's DB.Batch is one: callers append to a batch under batchMu,
//     and the goroutine that fills the batch starts one that runs it,
//     reading the batch's fields before taking batchMu (b.db, to find
//     the lock) and after releasing it (b.calls), holding only the lock
//     of the sync.Once it runs in. Each write is ordered before the read
//     by batchMu's edge and then the go statement, and the edge is left
//     out (the corpus's lockset/batchowner case). net/http's
//     Transport.CloseIdleConnections is another: it takes the idle
//     connections' map out under idleMu and ranges over it after
//     unlocking, which a connection's read loop that deleted from it
//     under idleMu before then races with in this view (now and then in
//     encoding/json's TestHTTPDecoding, as the standard library is
//     checked).
//   - A lock taken by one goroutine and released by another, which
//     accessed the variable in between (a read transaction handed to a
//     worker, as go.etcd.io/bbolt's tests do with its mmap RWMutex): the
//     worker holds no lock in the detector's view, and the lock's edges,
//     which do order its accesses, are left out.
//   - Synchronisation the detector does not see (custom assembly, cgo),
//     and lock addresses reused as other sync objects without an OnMalloc.
//     A lock marks the 4 bytes of each address it synchronises on: an
//     edge on another address in those 4 bytes is left out too.
//   - Memory reused without OnMalloc.
//   - Accesses after a free to the rest of a page that a range covered
//     whole, once part of the page is allocated again: its entry is gone.
//
// # Costs
//
// The detector sets race.Policy.SkipRepeats: a read or write that repeats
// one of the same goroutine with no other event between them is in the
// same epoch with the same locks, and is dropped by the batch's repeat
// table whatever its code location (the first access's cell stands for
// it). When every linked detector sets it, the runtime's access thunks
// drop such repeats before they are recorded (runtime/drace.go,
// draceFilter), so they cost no record, no Fill and no repeat check; a
// replayed trace holds them, and the repeat table drops them there.
//
// The standard library's accesses are checked like the program's (two
// goroutines writing one bytes.Buffer race in package bytes), so the
// detector does not declare race.Policy.IgnoresStd: with -drace=hybrid the
// standard library stays instrumented, and its accesses are part of the
// cost below.
//
// Per access: a repeat check in a 512-byte per-goroutine table (for an
// access within one word), then per word (found through a cursor on the
// batch's last window of shadow for an access of one or two words, such
// as a string header read whole) a lock-free check for a cell of the same epoch and
// locks that covers it (its bytes, and a write for a write: such a cell
// stands for the access, whatever its code location, but for the first
// of two cells identical to the access, which stands for it with the
// access's code location only, looked up then), otherwise a
// code-location lookup (in a per-goroutine cache of 16 locations, two per
// set, before the shared table), the word's lock bit and, per cell (at most two), an epoch comparison and, for an unordered conflict,
// Table.Common, and for subsumption Table.Within: O(l) for l locks held,
// no allocation. A range access costs one word per 8 bytes, but one entry
// per 4 KiB page it covers whole while the page is uniform or has no cell. Lock and
// unlock: the lock-object mark, checked in the shadow without a lock (set
// with the word's lock bit the first time), and the held set: a lock-free
// lookup once known. Acquire, release: on one of the four addresses the
// goroutine used last, a lock's mark check (a load) or the shard lock and
// O(n) for n slots in use (vector clocks; at most 256); otherwise a mark
// check in the shadow, then the shard lock, the page's and the address's
// map lookups and O(n); goroutine start O(n), acquire-all O(n).
//
// Memory: 32 bytes of shadow per word the program touches (4 times the
// memory touched; only the pages written take memory; -race's shadow is
// 16 bytes per word, so a program whose memory is mostly its heap, such
// as go.etcd.io/bbolt's tests, peaks near twice -race's), but 40 bytes per
// 4 KiB page only ranges covering it whole have touched, 4n bytes per
// goroutine clock and per synchronisation address, the states of up to
// 1024 ended goroutines kept for goroutines started later (a clock, a
// 512-byte repeat table, four 24-byte sync references, a 256-byte cache
// of code locations and the held locks' memo each: a program that
// starts goroutines by the hundred thousand does not allocate a state
// for each), and the interned lock
// sets and code locations, which grow with the program's distinct lock
// combinations and call paths, not with its accesses. Deep recursion makes
// many call paths: encoding/json's tests number about 1.7 million code
// locations, 170 MB of the detector's memory there.
//
// Measured with drace bench (-rounds=5, -configs=race,hybrid; time, CPU
// time and peak memory relative to the patched -race of the same run; the
// machine was shared by many jobs, at a load average near 19 on 2 CPUs, so
// ratios only, and ±30% between runs on the small bench/* workloads):
//
//	workload         ×race  cpu×race  peak MiB  mem×race
//	compress/flate    2.37      2.14        68      0.88
//	strconv           2.15      2.13        11      0.67
//	encoding/json     1.54      1.86       216      0.93
//	sync              2.54      2.24        34      0.66
//	bench/wordcount   1.92      1.94        26      1.16
//	bench/matmul      3.46      2.63        12      0.71
//	bench/pipeline    2.36      1.94        25      1.04
//	bench/cache       2.56      2.65        11      0.81
//	bench/churn       1.38      1.72        89      0.88
//	bench/mutex       1.31      1.58        11      0.56
//	bench/pingpong    2.31      2.23        11      1.00
//	bench/rwreaders   3.50      2.46        11      0.97
//
// Instructions of the detector and the toolkit (cachegrind, one run of
// the test binary) on the synchronisation workloads, before and after the
// goroutines' sync references, the 8-access Fill buffer and the two-way
// cache of code locations: bench/pingpong 473 M -> 315 M, bench/mutex
// 1003 M -> 828 M, bench/rwreaders 295 M -> 231 M, bench/cache 1558 M ->
// 1323 M, bench/pipeline 1616 M -> 1574 M.
//
// The page-table design this replaced (heap-allocated records per word,
// a shard lock per access) measured, in one run at its last commit:
// compress/flate 19.4 times the time and 14.4 times the memory of -race,
// encoding/json 5.9 and 2.5, strconv 8.6, bench/cache 4.1, bench/mutex
// 5.3, bench/rwreaders 3.0 times the time. What is left is the work per
// word of the range accesses (compress/flate copies buffers: each word's
// cells checked and rewritten under the word's lock in each new epoch)
// and, on every access, unpacking the batch; an access's code location
// is numbered only when a cell records it.
package hybrid
