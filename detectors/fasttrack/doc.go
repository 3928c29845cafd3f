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
//     A CompareAndSwap that fails (race.AtomicAccess.Failed) is still an
//     atomic write, as ThreadSanitizer checks it before it compares, but
//     it only acquires: the runtime sends no release, so it orders nothing
//     of the goroutine's before later acquires of the address, and the
//     goroutine keeps its epoch (a contended Lock's spinning costs no new
//     epoch per attempt).
//
// Addresses are bytes. A plain access (Size 1, the first byte of the
// variable, as ThreadSanitizer sees Go accesses) covers one byte; a range
// access covers [Addr, Addr+Size). Two accesses conflict only if their byte
// spans overlap: writes to adjacent bytes or adjacent struct fields do not
// race.
//
// # Shadow layout
//
// Shadow memory is the toolkit's direct-mapped shadow
// (runtime/race/toolkit/shadow): every aligned 8-byte word of the program
// has a 16-byte entry, found from its address by arithmetic, with a lock
// and one cell in place, the last one recorded. The commonest words of
// two cells, two plain accesses by the same slot (data written, then read
// back or partly written again after its goroutine synchronised), are
// pairs: both cells in the entry, the newer as the cell in place, the
// older as its kind, its bytes and its clock's distance from the newer's
// (less than 2¹⁸ ticks), and the two cells' sites as one number in a
// table of pairs of sites, so that a report names both. An access by
// that slot that leaves the word a pair or one cell keeps it in place,
// as does the allocator's reset of part of it; any other access expands
// it first. A word with more cells (two that are no pair, concurrent
// readers, several goroutines' atomics, three cells) keeps the rest in
// an overflow block of 16 bytes, which holds
// one cell itself, or more in a slice outside the Go heap, its writes
// first, then its other cells, each part sorted by slot, with a count of
// its writes: a plain read of a word with a slice (read-shared mode)
// checks only the writes at its head, and finds its own slot's cells by
// binary search among the rest. A cell is one access, or several merged (one goroutine, one code location, one
// epoch), to a set of the word's bytes (a mask): its epoch, the mask, its
// kind (plain or atomic, read or write) and its site, the number of its
// code location (PC and StackID). FastTrack's W of a byte is its plain
// write cell, R its plain read cells — one, or one per concurrent reader in
// read-shared mode — and AW and AR its atomic cells. The concurrent
// readers of a word that read the same bytes at the same code location
// (a shared table read by many workers) are kept, once there are enough
// of them, as FastTrack keeps R in read-shared mode: a read clock, the
// clock of each reader's last read indexed by its slot, one cell standing
// for it among the word's cells, last. Such a read stores its clock
// there, and a write checks the entries in one pass; a reader that a
// write reports leaves the read clock for a cell of its own. A read clock
// is a block of 4 bytes per slot from the lowest reader's slot to the
// highest (64 at least), made, or grown to more slots, only when it takes
// no more memory than the cells of the readers it replaces; or, when 7
// other words of its aligned 128 bytes (its group of 16 words) are read
// by 4 goroutines or more too, a column of the group's block, which holds
// the 16 words' read clocks reader-major, for every slot: slot i's
// entries of the 16 words in its i-th cache line, so that a goroutine
// reading neighbouring words that many goroutines read (a matrix row all
// workers read) touches one line of read clocks per 16 words, not one
// per word. A word joins its group's block from its second reader (one
// with a block of its own, when it grows), and the block is freed with
// its last column. A word written once and then
// read by many goroutines keeps the write in place and the read clock
// alone in its overflow block, so that such a read touches the entry,
// the block and its own entry's cache line. An access checks the
// cells on its bytes, takes its bytes from the cells it supersedes, and
// merges them into its own cell. A range access is split into its words,
// found at one lookup per 1 GiB window, except for the aligned 4 KiB pages
// it covers whole while no word of the page has a cell (a large buffer
// filled, copied or written out): such a page has one entry for all its
// words (toolkit/shadow's Uniform), checked and updated once per range,
// until an access to part of the page (a word, an atomic, a range that
// covers it in part) copies the entry, overflow included, into each of
// its 512 words and goes on as usual. A report from such an entry names
// the page's first word.
//
// The clocks L_m of synchronisation addresses are kept apart, in pages of
// 4 KiB in 64 shards (maps by address>>12), each behind a race.SpinLock.
//
// OnMalloc resets the shadow of the allocated range, as ThreadSanitizer
// does, and drops its sync clocks; OnFree drops the sync clocks only (the
// runtime announces every reuse of memory, heap objects and goroutine
// stacks alike, with OnMalloc). Large ranges have their shadow pages given
// back to the system, after the overflow blocks of the words reset are
// freed (resetting a range reads the shadow pages it has written). It
// also ends the uniform entry of every page the range overlaps: the rest of
// a page that a small object now shares belonged to the freed object a
// range covered.
//
// A report names the earlier access's code location from its site (sites
// are never forgotten) and its goroutine as the holder of the cell's slot
// at the cell's clock: each slot remembers its last 64 holders, so an
// access made by an older holder, 64 reuses of its slot ago (with 256
// slots reused oldest first, some 16 000 goroutine lifetimes), is reported
// with both stacks but as "goroutine 0". ThreadSanitizer drops such a
// report altogether once its trace has lost the earlier access.
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
// An access, plain or atomic, whose bytes are covered by a cell in place
// of its own epoch and kind (or, for a plain read, a plain write of its
// epoch) is skipped
// without the word's lock. FastTrack skips it too, unless another
// goroutine wrote the location in between; that write cannot be ordered
// after the still-current epoch, so it raced with the first access and was
// reported.
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
// word, not the whole range. A page a range covered whole loses its
// state when any part of it is allocated again, so an access to the rest
// of the page after its object was freed (a use after free) does not race
// with the accesses before the free.
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
// Clocks, epochs and slots are the toolkit's (runtime/race/toolkit/vclock),
// and so is the lending of slots to goroutines (vclock.Goroutines, shared
// with hybrid). The "tid" of an epoch is a clock slot, lent to one goroutine at a time,
// like ThreadSanitizer's thread slots: there are at most 256, so no vector
// clock has more than 256 entries however many goroutines the program
// starts or keeps live. A goroutine takes its slot at its first event, not
// when it is started: goroutines started but not yet run (a loop of go
// statements outpacing the scheduler makes thousands) hold none. It takes
// a slot never used while fewer than 256 have been, then the slot of the
// goroutine that ended longest ago, and when all 256 are held by live
// goroutines (thousands blocked on one mutex), the slot lent longest ago,
// taken from its holder, as ThreadSanitizer does. That holder notices at
// its next event, or at its next new epoch, and takes a slot again. A
// slot's clock only grows: the goroutine that takes it over starts after
// the last epoch used in it, and no two goroutines ever start the same
// epoch (clocks are 32-bit; a slot that would pass 2³² makes the detector
// panic, and so be disabled, rather than wrap).
//
// The price, as in ThreadSanitizer, is precision: the goroutine that takes
// a slot over, and every goroutine that later synchronises with it, is
// ordered after all the accesses made in the slot before, by its former
// holders and by the holder it was taken from up to that one's next
// event, so a race between such an access and one of theirs is missed.
// Slots are reused oldest first, so the races lost are with accesses made
// many goroutine lifetimes earlier, or by goroutines that had been live the
// longest when 256 were. Nothing is reported that did not race: a slot's
// clock value stands for a prefix of what was done in the slot, so sharing
// a slot only adds order. Reports keep their stacks (see Shadow layout for
// the goroutine named).
//
// # Costs
//
// The detector sets race.Policy.SkipRepeats: a read or write that repeats
// one of the same goroutine with no other event between them is in the
// same epoch, changes nothing in the shadow and is dropped by the epoch
// fast path or the batch's repeat table whatever its code location (the
// first access's site is the one kept, and reported). When every linked
// detector sets it, the runtime's access thunks drop such repeats before
// they are recorded (runtime/drace.go, draceFilter: a 512-entry table per
// thread), so they cost no record, no Fill and no fast path: on strconv's
// TestIsPrint and TestAtoi 68% of the reads and writes are dropped there,
// and the instructions of runtime/race and the thunks fall by a fifth
// (cachegrind, 11.8 G to 9.4 G). A replayed trace holds the repeats; they
// end where they ended before the filter, so replay's reports are
// online's.
//
// Per access: an atomic load of the acquire-all generation (once per
// batch of accesses the runtime delivers, which the detector reads 32
// accesses at a time with AccessBatch.Fill), the shadow lookup (a compare
// and arithmetic while the access is in the 1 GiB window of shadow the
// last lookup was in, a shadow.Cursor), and the two loads of the cell in
// place (of each word, for an access over two), which end a repeat, in
// the same epoch, of the word's last recorded access, all in one loop
// that keeps its values in registers; then a look in a small table of the words that the
// batch took past that check (package repeat), which ends a repeat of an
// older cell's before the lock; otherwise the word's lock
// and O(cells on the word) — O(1) but for a location in read-shared mode
// or touched by several goroutines' atomics, n being the readers not yet ordered before the
// access (at most the slots in use): there a plain read costs O(1) when
// its code location's readers have a read clock (a store, and a look at
// the entries in its own's cache line, or in a group block at the
// neighbouring slot's entry, one line more; for a word written once and then
// read by many, its write in place and the read clock alone in its
// overflow block, without the general loops of read-shared mode),
// O(log n) otherwise (and an
// insertion into the sorted block), plus the writes kept on the word; a
// write or an atomic O(n), the read clock's entries O(slots it spans). A
// read that follows the first and the last reader of the block, or the
// other readers in its read clock entry's cache line (in a group block,
// the neighbouring slot's reader), clears the readers it follows in
// O(n), so that a read-shared set does not outlive its readers. Making
// or growing a read clock costs O(n), when the readers kept as cells
// reach a power of two (for a column of a group block, from 2 or 4,
// plus a lock and a map lookup; a column covers every slot, so it is
// never grown, and a write's check of it is O(slots used so far), one
// cache line per entry). A plain read that the next access
// of its batch, a plain write of its bytes (x++), follows is checked
// under the same hold of the word's lock as the write, and not recorded:
// the write would take its bytes at once, and no other access can see the
// word in between, so the pair costs one record. An
// access that records a cell needs its code location's site: from its
// goroutine's two-way cache of 16 sites (by PC and stack), or from a hash table
// (without a lock once the site is in it); a goroutine that synchronises
// often records its accesses in a new epoch each time, at the same few
// code locations. An access by a pair's slot gets its sites back
// (from the goroutine's cache of 4 pairs, or a load from the table of
// pairs, without a lock) and, if the word stays a pair of other sites,
// the number of the new pair (from the cache, or the table, without a
// lock once numbered); any other access expands it, taking an overflow
// block. A range access costs
// its words (one over two words, a string header or small struct copied
// whole, is taken as two accesses of one word each: each word's part is
// looked for in the batch's table and, if not a repeat, goes to the
// word's record directly, without the range walk), but one entry per page it covers whole whose words had no
// cell, or that was left uniform (and a lock of the page's state); the
// first access to part of a uniform page copies its entry into the page's
// 512 words. An atomic costs an access plus,
// for a load, read-modify-write or failed CompareAndSwap, the O(n) join
// of its acquire, done once; an atomic that supersedes the only cell of
// its word, one of its own kind ordered before it (the last operation on
// a mutex's state word, by the goroutine that released the mutex to this
// one), replaces it without the record's loops, and one on a word with
// more cells (a contended mutex's, whose waiters' failed
// CompareAndSwaps are atomic writes not ordered with one another) checks,
// records and packs them in one pass, the cells kept in their order. Joins take eight entries
// at a time in vector registers (toolkit/vclock).
// Acquire, Release and ReleaseMerge are O(n) vector clock operations,
// but a sync clock remembers a goroutine known to hold it (the last to
// release into it or to acquire it): that goroutine's acquire is skipped,
// and its release-merge is a copy,
// so that a Mutex's Unlock, and the acquire that follows an atomic
// operation, join nothing; and a release into the clock the goroutine
// released into last, when its own clock has changed since only in its
// own entry (no join, no new slot), stores that entry, O(1), so that of a
// Mutex's Lock and Unlock (an atomic compare-and-swap, its acquire and
// release, the Lock's acquire, the Unlock's release, an atomic add, its
// acquire and release) only the first acquire and release are O(n).
// A sync/atomic operation and its edges come as one call
// (race.AtomicSyncDetector), the goroutine's state looked up once.
// Each goroutine keeps the clocks of its last four sync addresses, so
// that these skip the page's map, with the release count of
// each when its own clock last held it: an acquire of a clock no one
// released into since is skipped without the page's lock, however many
// goroutines acquire it (an RWMutex's readers at RLock); and a
// release-merge into a clock that has only grown since the goroutine's
// last merge into it, by a goroutine whose clock has changed since only
// in its own entry, is the max of that entry, O(1) (an RWMutex's readers
// at RUnlock). An unbuffered channel's hand-off, the four edges of a
// send to a parked receiver or a receive from a parked sender, comes as
// one call (race.HandoffDetector) and takes the page's lock once.
// Goroutine start is O(n); so is acquire-all, after which
// each goroutine's next event starts a new epoch.
//
// Memory: 16 bytes of shadow per 8-byte word the program has touched (as
// ThreadSanitizer's), the pages of it written only, but 24 bytes per 4 KiB
// page that only ranges covering it whole have touched; nothing more for
// a pair (two cells of the same slot), but 16 bytes per
// distinct pair of code locations (a toolkit/site table, never
// emptied); a 16-byte overflow block per other word with two cells or
// more (so 32 bytes for a word with a write and a later read by another
// goroutine), and, with three or more, 16 bytes per cell
// beyond the first in slices of 2, 4, 8... cells (shadow.Blocks; a
// slice of 2 or 4 stays when the word's cells fall back to two, so that a word
// whose cells come and go, as a contended mutex's atomics do, does not
// allocate and free one at every other access), a slice outgrown freed
// to make, with its buddy, a larger one for another word, not given back
// to the system; a read clock instead of the cells of its readers, 4
// bytes per slot it spans, in blocks of 64, 128, 256 slots (256 bytes to
// 1 KiB) cut from the same memory as the slices of cells, no larger than
// the cells it replaces (a parallel matrix multiply whose 10 000 words
// of one matrix are each read by 100 goroutines at one code location
// holds a read clock of 512 bytes
// per word, some 5 MB, where its readers' cells took 16 MB in 22 MB of
// slices, and ThreadSanitizer's 4 cells per word forget all but 4
// readers of each: the benchmark's peak resident memory went from 52 MB,
// when outgrown slices were kept by capacity only, to 33 MB with cells,
// and to 18 MB with read clocks, -race's being 17 MB); or, for a group
// of 16 words read-shared together, a group block of 16 KiB
// (toolkit/shadow's Slabs, mapped apart and given back to the system
// when freed) of which only the pages its readers write take memory, 4
// KiB per 64 slots up to the highest reader's: 256 bytes per word and
// 64 slots when all 16 words have readers, as much as blocks of their
// own from slot 0, 512 bytes for a group of which 8 words are
// read-shared (fewer make no group block), and the block's pages stay
// resident while one word holds its column (the matrix multiply: about
// 600 group blocks of 8 KiB resident, the 4 words at its rows' ends
// keeping blocks of their own; its peak resident memory stayed at 18
// MB); 4n bytes per goroutine
// clock and per sync address (n slots, at most 256: at most 1 KiB); 24
// to 32 bytes per distinct code location (toolkit/site, outside the Go
// heap, as is the runtime's trie of call stacks); 768 bytes per slot of holder
// history; 64 bytes per slot; 256 bytes per goroutine of cached sites, 52 of cached pairs. The
// state and clock of a goroutine that ends are kept for a goroutine
// started later, up to 1024 of them (some 2 MiB), so that a program that
// starts goroutines by the hundred thousand does not allocate them anew. Report
// deduplication keeps one entry per racing pair of code locations.
package fasttrack
