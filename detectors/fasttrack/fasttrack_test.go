// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"cmp"
	"fmt"
	"reflect"
	"runtime/race"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"drace/toolkit/eventtest"
	"drace/toolkit/site"
	"drace/toolkit/vclock"
)

// Interfaces the detector must implement. The runtime, and so the
// harness, delivers accesses to it in batches (AccessDetector); the
// concurrent tests and benchmarks call OnRead and the others directly.
var (
	_ race.Detector           = (*detector)(nil)
	_ race.AccessDetector     = (*detector)(nil)
	_ race.ReadWriteDetector  = (*detector)(nil)
	_ race.RangeDetector      = (*detector)(nil)
	_ race.SyncDetector       = (*detector)(nil)
	_ race.GoroutineDetector  = (*detector)(nil)
	_ race.MemoryDetector     = (*detector)(nil)
	_ race.AtomicDetector     = (*detector)(nil)
	_ race.HandoffDetector    = (*detector)(nil)
	_ race.AtomicSyncDetector = (*detector)(nil)
)

// The steps of the tables, by short names.
var (
	R      = eventtest.Read
	W      = eventtest.Write
	RR     = eventtest.ReadRange
	WR     = eventtest.WriteRange
	Acq    = eventtest.Acquire
	Rel    = eventtest.Release
	RelM   = eventtest.ReleaseMerge
	Fork   = eventtest.Go
	End    = eventtest.End
	Malloc = eventtest.Malloc
	Free   = eventtest.Free
	AcqAll = eventtest.AcquireAll
	// Atomics of 8 bytes (.Width(4) makes them 4): OnAtomic, then the
	// acquire and/or release they imply on the same address.
	ALoad  = eventtest.Load
	AStore = eventtest.Store
	AAdd   = eventtest.Add
	ACAS   = eventtest.CAS
	AFCAS  = eventtest.FailedCAS // a CompareAndSwap that swapped nothing: an acquire alone
)

type step = eventtest.Step

func access(g *race.Goroutine, addr, size, pc uintptr, stack race.StackID) race.Access {
	return race.Access{G: g, Addr: addr, Size: size, PC: pc, Stack: stack}
}

// A harness feeds d synthetic events as the runtime delivers them.
type harness struct {
	*eventtest.Harness
	d *detector
}

func newHarness(t testing.TB) harness {
	d := newDetector()
	return harness{eventtest.New(t, d), d}
}

const (
	x    = uintptr(0xc000010000) // page-aligned
	y    = x + 0x100
	m1   = uintptr(0xc000020008)
	m2   = m1 + 8
	pg   = uintptr(pageSize)
	half = pg / 2
)

type scriptTest struct {
	name  string
	steps []step
	want  int // number of reports
}

var raceTests = []scriptTest{
	{"WriteWrite", []step{W(1, x), W(2, x)}, 1},
	{"ReadWrite", []step{R(1, x), W(2, x)}, 1},
	{"WriteRead", []step{W(1, x), R(2, x)}, 1},
	{"ForkThenParentWrites", []step{Fork(0, 1), W(0, x), W(1, x)}, 1},
	{"ForkSiblings", []step{Fork(0, 1), Fork(0, 2), W(1, x), R(2, x)}, 1},
	{"ReleaseWithoutAcquire", []step{W(1, x), Rel(1, m1), W(2, x)}, 1},
	{"AcquireBeforeRelease", []step{Acq(2, m1), W(1, x), Rel(1, m1), W(2, x)}, 1},
	{"AcquireOtherAddress", []step{W(1, x), Rel(1, m1), Acq(2, m2), W(2, x)}, 1},
	{"WriteAfterRelease", []step{Rel(1, m1), W(1, x), Acq(2, m1), R(2, x)}, 1},
	{"ReleaseReplaces", []step{
		W(1, x), Rel(1, m1),
		W(2, y), Rel(2, m1), // replaces L_m1: goroutine 1's write is lost
		Acq(3, m1), W(3, y), W(3, x)}, 1},
	{"RangeWritePlainRead", []step{WR(1, x, 100), R(2, x+50)}, 1},
	{"PlainWriteRangeRead", []step{W(2, x+50), RR(1, x, 100)}, 1},
	{"RangeRangeOverlap", []step{WR(1, x, 16), RR(2, x+12, 8)}, 1},
	{"RangeAcrossPages", []step{WR(1, x+pg-4, 8), W(2, x+pg+2)}, 1},
	{"RangeInsideWord", []step{WR(1, x+2, 4), W(2, x+5)}, 1},
	// Ranges over two words (a 12-byte struct read whole), each part
	// filtered for repeats in the batch on its own.
	{"RangeTwoWordsSecondPart", []step{RR(1, x+4, 12), W(2, x+15)}, 1},
	{"RangeTwoWordsFirstPart", []step{WR(1, x+6, 4), R(2, x+6)}, 1},
	{"RangeTwoWordsRepeatedPart", []step{R(1, x+12), RR(1, x+4, 12), WR(1, x+4, 12), R(2, x+12)}, 1},
	{"RangeTwoWordsFirstPartRepeats", []step{RR(1, x, 8), RR(1, x+4, 12), W(2, x+12)}, 1},
	{"RangeTwoWordsSecondPartRepeats", []step{WR(1, x+8, 8), WR(1, x+4, 12), R(2, x+5)}, 1},
	{"RangeTwoWordsAcrossWindow", []step{WR(1, 1<<30-4, 8), R(2, 1<<30+3)}, 1},
	// A range over two words whose first part only is a repeat of the
	// batch's epoch (OnAccesses's fast path checks both words).
	{"RangeTwoWordsFirstPartOnlyRepeats", []step{WR(2, x+8, 8), WR(1, x, 8), RR(1, x+2, 12)}, 1},
	{"RangeTwoWordsSecondPartOnlyRepeats", []step{WR(2, x, 8), WR(1, x+8, 8), RR(1, x+2, 12)}, 1},
	{"ReadExclusiveThenWrite", []step{R(1, x), Rel(1, m1), Acq(2, m1), R(2, x), W(3, x)}, 1},
	{"ReadSharedThenWrite", []step{R(1, x), R(2, x), W(3, x)}, 2},
	{"UnforkedGoroutines", []step{W(5, x), W(6, x)}, 1},
	{"MallocOutsideRange", []step{W(1, x+4), Malloc(x, 4), W(2, x+4)}, 1},
	{"FreeDropsSyncClock", []step{W(1, x), Rel(1, m1), Free(m1, 8), Acq(2, m1), W(2, x)}, 1},
	// Goroutine 2 keeps L_m1 as its last sync clock (gstate.sv).
	{"FreeDropsCachedSyncClock", []step{Rel(2, m1), W(1, x), Rel(1, m1), Free(m1, 8), Acq(2, m1), W(2, x)}, 1},
	{"FreeDropsCachedPageStays", []step{Rel(2, m1), Rel(2, m2), Acq(2, m1), W(1, x), Rel(1, m1), Free(m1, 8), Acq(2, m1), W(2, x)}, 1},
	// syncVar.owner: another goroutine's release or merge since the
	// owner's last makes the owner's next release a copy again.
	{"OwnerAfterOtherRelease", []step{Rel(1, m1), W(3, x), Rel(3, m1), Rel(1, m1), Acq(2, m1), W(2, x)}, 1},
	{"OwnerAfterOtherMerge", []step{Rel(1, m1), W(3, x), RelM(3, m1), Rel(1, m1), Acq(2, m1), W(2, x)}, 1},
	{"WriteCoversRacyRead", []step{R(1, x+3), WR(2, x, 8), W(1, x+3)}, 2},
	{"MallocInvalidatesLastAccess", []step{W(1, x), Malloc(x, 8), W(1, x), W(2, x)}, 1},
	{"FreeInvalidatesLastAccess", []step{R(1, x+pg-1), Free(x, pg), R(1, x+pg-1), W(2, x+pg-1)}, 1},
	{"ReadAfterWriteNewEpoch", []step{W(1, x), Rel(1, m1), R(1, x), W(2, x)}, 2},
	{"EndedGoroutineStillRaces", []step{W(1, x), End(1), W(2, x)}, 1},

	// Atomics race with unordered plain accesses, either way round.
	{"AtomicStorePlainRead", []step{AStore(1, x), R(2, x)}, 1},
	{"PlainReadAtomicStore", []step{R(1, x), AStore(2, x)}, 1},
	{"AtomicLoadPlainWrite", []step{ALoad(1, x), W(2, x)}, 1},
	{"PlainWriteAtomicLoad", []step{W(1, x), ALoad(2, x)}, 1},
	{"AtomicAddPlainRead", []step{AAdd(1, x), R(2, x)}, 1},
	{"AtomicAddPlainWrite", []step{AAdd(1, x), W(2, x)}, 1},
	// sync.Mutex overwritten while another goroutine locks it.
	{"PlainWriteAtomicCAS", []step{W(2, x), W(2, x+4), ACAS(1, x).Width(4)}, 1},
	{"AtomicOverlapsPlainByte", []step{AStore(1, x+4).Width(4), W(2, x+7)}, 1},
	{"AtomicRangeRead", []step{AAdd(1, x+8), RR(2, x, 16)}, 1},
	// Acquiring from one atomic store does not order the other,
	// concurrent one: the plain read races with goroutine 1's store.
	{"ConcurrentAtomicStores", []step{AStore(1, x), AStore(2, x), ALoad(3, x), R(3, x)}, 1},
	// Goroutine 3 is ordered after goroutine 1's add, not goroutine 2's
	// load.
	{"AtomicLoadNotReleased", []step{AAdd(1, x), ALoad(2, x), Rel(1, m1), Acq(3, m1), W(3, x)}, 1},
	// A plain write is checked against every concurrent atomic read.
	{"AtomicLoadsPlainWrite", []step{ALoad(1, x), ALoad(2, x), W(3, x)}, 2},
	// An atomic load acquires what was released on its address, not
	// elsewhere: the plain write before an unrelated release races.
	{"AtomicLoadOtherAddress", []step{W(1, x), AStore(1, y), ALoad(2, y+8), ALoad(2, x)}, 1},
	// Atomics do not hide plain races on the same variable.
	// A failed CompareAndSwap releases nothing (ThreadSanitizer's
	// AtomicCAS takes the failure order, an acquire): goroutine 1's write
	// is not ordered before goroutine 2's load of y. It is still an
	// atomic write access, as ThreadSanitizer has it.
	{"FailedCASDoesNotRelease", []step{ACAS(2, y), W(1, x), AFCAS(1, y), ALoad(2, y), R(2, x)}, 1},
	{"FailedCASPlainRead", []step{AFCAS(1, x).Width(4), R(2, x)}, 1},
	{"PlainRaceBesideAtomics", []step{AAdd(1, x), W(1, x+1), AAdd(2, x), W(2, x+1)}, 1},
	// An atomic replaces its word's only cell in place when that cell
	// is of its kind, ordered before it, and on no other byte: goroutine
	// 2's add (ordered after 1's, whose release it acquires) replaces
	// 1's, and 1's plain write races with it; a narrower add leaves the
	// rest of the earlier one's bytes to it; an atomic write leaves an
	// atomic read, of another kind, in place however ordered.
	{"AtomicReplacesOrderedCell", []step{AAdd(1, x), AAdd(2, x), W(1, x)}, 1},
	{"AtomicNarrowerKeepsRest", []step{AAdd(1, x), Rel(1, m1), Acq(2, m1), AAdd(2, x+4).Width(4), W(4, x)}, 1},
	{"AtomicWriteKeepsOrderedRead", []step{ALoad(1, x), Rel(1, m1), Acq(2, m1), AStore(2, x), W(3, x)}, 2},

	// OnAcquireAll orders what was done before it, not what is done
	// after, even in the same epoch of the other goroutine.
	{"AcquireAllThenWrite", []step{Fork(0, 1), Fork(0, 2), AcqAll(2), W(1, x), W(2, x)}, 1},
	{"AcquireAllThenSameEpoch", []step{W(1, x), AcqAll(2), W(2, x), W(1, y), R(2, y)}, 1},
	{"AcquireAllThenRepeat", []step{W(1, x), AcqAll(2), W(1, x), R(2, x)}, 1},
	// Goroutine 3 did not acquire all.
	{"AcquireAllOnlyAcquirer", []step{W(1, x), AcqAll(2), R(3, x)}, 1},

	// A sync clock known to be held by the goroutine that released into
	// it last (syncVar.known) orders only what that goroutine knew.
	{"KnownReleaserOnly", []step{W(3, x), Rel(1, m1), RelM(1, m1), Acq(1, m1), Acq(2, m1), W(2, x)}, 1},
	{"KnownAfterOwnAcquire", []step{W(1, x), Rel(1, m1), Acq(2, m1), Acq(2, m1), W(3, y), RelM(2, m1), Acq(2, m1), W(2, y)}, 1},

	// Ranges over whole pages (one entry per page, shadow.Uniform)
	// race as word by word: with a word access after or before, with
	// another range, and as a read-shared set.
	{"UniformWriteThenWord", []step{WR(1, x, 2*pg), W(2, x+pg+8)}, 1},
	{"UniformWriteThenAtomic", []step{WR(1, x, 2*pg), ALoad(2, x+pg+8)}, 1},
	{"WordThenUniformRange", []step{W(1, x+pg+8), RR(2, x, 3*pg)}, 1},
	{"UniformWriteThenRange", []step{WR(1, x, 2*pg), RR(2, x+8, 2*pg)}, 1},
	{"UniformReadersThenWrite", []step{
		RR(1, x, 2*pg).At(0x100), RR(2, x, 2*pg).At(0x200), RR(3, x, 2*pg).At(0x300), WR(4, x, 2*pg).At(0x400)}, 3},
	{"UniformReadersThenWord", []step{
		RR(1, x, 2*pg).At(0x100), RR(2, x, 2*pg).At(0x200), RR(3, x, 2*pg).At(0x300), W(4, x+pg+16).At(0x400)}, 3},
	// A small object allocated in a uniform page ends that page's
	// entry only.
	{"UniformPartMalloc", []step{WR(1, x, 2*pg), Malloc(x+64, 32), W(2, x+64), W(2, x+pg+8)}, 1},
}

var noRaceTests = []scriptTest{
	{"SameGoroutine", []step{W(1, x), R(1, x), W(1, x), WR(1, x, 8), RR(1, x, 64)}, 0},
	{"ReleaseAcquire", []step{W(1, x), Rel(1, m1), Acq(2, m1), W(2, x)}, 0},
	{"ReleaseAcquireChain", []step{
		W(1, x), R(1, y), Rel(1, m1),
		Acq(2, m1), Rel(2, m2),
		Acq(3, m2), W(3, x), W(3, y)}, 0},
	{"Fork", []step{W(0, x), Fork(0, 1), W(1, x), R(1, x)}, 0},
	{"ForkChain", []step{W(0, x), Fork(0, 1), Fork(1, 2), Fork(2, 3), W(3, x)}, 0},
	{"ConcurrentReads", []step{W(0, x), Fork(0, 1), Fork(0, 2), Fork(0, 3), R(1, x), R(2, x), R(3, x)}, 0},
	{"AdjacentBytes", []step{W(1, x), W(2, x+1), R(3, x+2), W(4, x+7)}, 0},
	{"AdjacentFields", []step{W(1, x), W(2, x+8), W(3, x+16)}, 0},
	{"AdjacentRanges", []step{WR(1, x, 8), WR(2, x+8, 8), WR(3, x+17, 3), W(4, x+16), W(5, x+20)}, 0},
	{"AdjacentRangeAndByte", []step{WR(1, x, 3), W(2, x+3), RR(3, x+4, 4)}, 0},
	{"RangeTwoWordsRepeats", []step{WR(2, x, 16), Rel(2, m1), Acq(1, m1), WR(1, x, 16), RR(1, x+2, 12), RR(1, x+8, 8), W(1, x+9)}, 0},
	{"AdjacentTwoWordRange", []step{WR(1, x+4, 12), W(2, x+3), W(3, x+16), RR(1, x+4, 12), WR(1, x+4, 12)}, 0},
	{"AdjacentPages", []step{WR(1, x, pg), WR(2, x+pg, pg)}, 0},
	{"ReadSharedThenOrderedWrite", []step{
		R(1, x), Rel(1, m1),
		R(2, x), Rel(2, m2),
		Acq(3, m1), Acq(3, m2), W(3, x)}, 0},
	{"ReleaseMerge", []step{
		W(1, x), RelM(1, m1),
		W(2, y), RelM(2, m1),
		Acq(3, m1), W(3, x), W(3, y)}, 0},
	{"MallocClears", []step{W(1, x), Malloc(x, 8), W(2, x)}, 0},
	// The runtime announces memory used again with OnMalloc, after the
	// OnFree that freed it; the shadow is reset at OnMalloc.
	{"ReuseClears", []step{W(1, x), R(2, y), Free(x, 0x200), Malloc(x, 0x200), W(2, x), W(3, y)}, 0},
	{"ReuseWholePages", []step{WR(1, x, 3*pg), RR(2, x+4*pg, 16), Free(x, 3*pg), Malloc(x, 3*pg), WR(2, x, 3*pg)}, 0},
	{"ReusePartialPage", []step{WR(1, x+half, half), Free(x+half, half), Malloc(x+half, half), WR(2, x+half, half)}, 0},
	{"ReuseUnalignedWord", []step{W(1, x+3), Free(x+2, 4), Malloc(x+2, 4), W(2, x+3)}, 0},
	{"MallocHugeRange", []step{W(1, x), W(1, y+pg), Malloc(x-1<<30, 2<<30), W(2, x), W(2, y+pg)}, 0},
	{"MallocReusedPageCache", []step{W(1, x), W(2, x+1), Free(x, pg), Malloc(x, pg), W(1, x+1), W(2, x)}, 0},
	{"AcquireUnknown", []step{Acq(1, m1), W(1, x)}, 0},
	// The twins of the uniform races: ordered, or the memory allocated
	// again.
	{"UniformOrdered", []step{WR(1, x, 2*pg), Rel(1, m1), Acq(2, m1), W(2, x+pg+8), WR(2, x, 2*pg)}, 0},
	{"UniformReadersOrderedWrite", []step{
		RR(1, x, 2*pg), Rel(1, m1), RR(2, x, 2*pg), Rel(2, m2),
		Acq(3, m1), Acq(3, m2), W(3, x+pg+16), WR(3, x, 2*pg)}, 0},
	{"UniformMallocClears", []step{WR(1, x, 2*pg), Malloc(x, 2*pg), W(2, x+8), WR(2, x, 2*pg)}, 0},
	{"UniformConcurrentReads", []step{WR(0, x, 2*pg), Fork(0, 1), Fork(0, 2), RR(1, x, 2*pg), RR(2, x, 2*pg), R(1, x+pg)}, 0},

	// Atomics never race with atomics, whatever their order and width.
	{"AtomicsNeverRace", []step{
		AStore(1, x), AStore(2, x), AAdd(3, x), ALoad(4, x), ACAS(5, x).Width(4),
		ALoad(6, x+4).Width(4), AStore(7, x+4).Width(4), AAdd(1, x)}, 0},
	// A plain write, then an atomic load ordered by release/acquire.
	{"PlainWriteReleaseAtomicLoad", []step{W(1, x), Rel(1, m1), Acq(2, m1), ALoad(2, x)}, 0},
	// The load observes the store, which the plain write precedes.
	{"PlainWriteAtomicStoreLoad", []step{W(1, x), AStore(1, x), ALoad(2, x), R(2, x), W(2, x)}, 0},
	{"PlainWriteAtomicAdd", []step{W(1, x), AStore(1, x), AAdd(2, x), W(2, x)}, 0},
	{"AtomicStoreLoadPlainRead", []step{AStore(1, x), ALoad(2, x), R(2, x)}, 0},
	// Read-modify-writes acquire and release: goroutine 3 is ordered
	// after both adds.
	{"AtomicAddChainPlain", []step{AAdd(1, x), AAdd(2, x), Rel(2, m1), Acq(3, m1), W(3, x)}, 0},
	// Goroutine 2's add replaced 1's in place; goroutine 1 ordered after
	// it writes without a race.
	{"AtomicReplacedThenOrdered", []step{AAdd(1, x), AAdd(2, x), Rel(2, m1), Acq(1, m1), W(1, x)}, 0},
	// The twins of FailedCASDoesNotRelease: a successful CompareAndSwap
	// releases; a failed one acquires what the store it saw released.
	{"SuccessfulCASReleases", []step{ACAS(2, y), W(1, x), ACAS(1, y), ALoad(2, y), R(2, x)}, 0},
	{"FailedCASAcquires", []step{W(1, x), AStore(1, y), AFCAS(2, y), R(2, x), W(2, x)}, 0},
	{"AtomicAdjacent", []step{AStore(1, x).Width(4), W(2, x+4), R(3, x+8)}, 0},
	{"AtomicSameGoroutine", []step{W(1, x), AStore(1, x), R(1, x), AAdd(1, x), W(1, x), ALoad(1, x)}, 0},
	{"MallocClearsAtomics", []step{AStore(1, x), Malloc(x, 8), W(2, x)}, 0},
	// A plain write ordered after the atomics replaces them.
	{"PlainWriteAfterAtomics", []step{
		AStore(1, x), AStore(2, x), Rel(1, m1), Rel(2, m2),
		Acq(3, m1), Acq(3, m2), W(3, x), Rel(3, m1), Acq(4, m1), R(4, x)}, 0},

	// OnAcquireAll orders everything done so far by every goroutine,
	// live, ended or never forked.
	{"AcquireAll", []step{W(1, x), R(3, y), AcqAll(2), W(2, x), W(2, y)}, 0},
	{"AcquireAllEnded", []step{Fork(0, 1), W(1, x), WR(1, y, 16), End(1), AcqAll(2), W(2, x), W(2, y+8)}, 0},
	{"AcquireAllAtomics", []step{AStore(1, x), ALoad(3, x), AcqAll(2), W(2, x)}, 0},
	{"AcquireAllPropagates", []step{W(1, x), AcqAll(2), Rel(2, m1), Acq(3, m1), W(3, x)}, 0},
	{"AcquireAllTwice", []step{W(1, x), AcqAll(2), W(1, y), AcqAll(2), W(2, y), W(2, x)}, 0},

	// syncVar.known: a goroutine skips the join of a clock it is known to
	// hold, and a release-merge into a clock it holds is a copy; another
	// goroutine's release or release-merge makes the next acquire join.
	{"KnownMergedByOther", []step{Rel(1, m1), Acq(1, m1), W(2, x), RelM(2, m1), Acq(1, m1), W(1, x)}, 0},
	{"KnownReleasedByOther", []step{Acq(1, m1), W(2, x), Rel(2, m1), Acq(1, m1), W(1, x)}, 0},
	{"KnownMergeKeepsOthers", []step{W(2, x), Rel(2, m1), RelM(1, m1), Acq(3, m1), W(3, x)}, 0},
	{"KnownMergeByHolder", []step{W(2, x), Rel(2, m1), Acq(1, m1), RelM(1, m1), Acq(3, m1), W(3, x)}, 0},
	{"KnownAtomicThenAcquire", []step{W(2, x), AStore(2, y), ALoad(1, y), Acq(1, y), AAdd(1, y), Acq(3, y), W(3, x)}, 0},
	// syncVar.owner: a release into the clock its goroutine released
	// into last stores its own entry only while the goroutine's clock
	// has changed in nothing else: not after a join, an acquire-all,
	// and the acquirer it was known to then joins again.
	{"OwnerReleaseAfterJoin", []step{Rel(1, m1), W(3, x), Rel(3, m2), Acq(1, m2), Rel(1, m1), Acq(2, m1), W(2, x)}, 0},
	{"OwnerReleaseAfterAcquireAll", []step{Rel(1, m1), W(3, x), AcqAll(1), Rel(1, m1), Acq(2, m1), W(2, x)}, 0},
	{"OwnerReleaseKnownAgain", []step{Rel(1, m1), Acq(2, m1), W(1, x), Rel(1, m1), Acq(2, m1), W(2, x)}, 0},
	{"OwnerMergeTwice", []step{W(1, x), RelM(1, m1), W(1, y), RelM(1, m1), Acq(2, m1), W(2, x), W(2, y)}, 0},
	// syncRef.rel: a goroutine skips the acquire of a clock unchanged
	// since it held it, and only then; its release-merge leaves it not
	// holding the clock.
	{"RelUnchangedSkipped", []step{W(2, x), Rel(2, m1), Acq(1, m1), Acq(3, m1), Acq(1, m1), W(1, x)}, 0},
	{"RelAfterMerge", []step{Rel(2, m1), Acq(1, m1), W(3, x), RelM(3, m1), Acq(1, m1), W(1, x)}, 0},
	{"RelOwnMergeThenAcquire", []step{W(2, x), Rel(2, m1), RelM(1, m1), Acq(1, m1), W(1, x)}, 0},
	{"RelReaderSem", []step{W(3, x), Rel(3, m1), Acq(1, m1), Acq(2, m1), Acq(1, m1), Acq(2, m1), W(3, y), Rel(3, m1), Acq(1, m1), Acq(2, m1), R(1, y), R(2, x), R(2, y)}, 0},
	// syncRef.mver, mgen: a release-merge stores the goroutine's own
	// entry only while its clock and the sync clock have changed in
	// nothing it merged: not after a join, nor after another's release.
	{"MergeTwice", []step{W(1, x), RelM(1, m1), W(1, y), RelM(1, m1), Acq(2, m1), W(2, x), W(2, y)}, 0},
	{"MergeTwiceAfterJoin", []step{W(3, x), Rel(3, m2), RelM(1, m1), Acq(1, m2), RelM(1, m1), Acq(2, m1), W(2, x)}, 0},
	{"MergeAfterOtherRelease", []step{W(4, x), Rel(4, m2), Acq(1, m2), RelM(1, m1), Rel(3, m1), RelM(1, m1), Acq(2, m1), W(2, x)}, 0},
	{"MergeAfterOtherMerge", []step{W(1, x), RelM(1, m1), W(3, y), RelM(3, m1), W(1, y+8), RelM(1, m1), Acq(2, m1), W(2, x), W(2, y), W(2, y+8)}, 0},
	// Goroutine 2 keeps the dropped L_m1 as its last sync clock, known
	// to it: the address's new clock is acquired.
	{"FreeThenNewSyncClock", []step{Rel(2, m1), Free(m1, 8), W(1, x), Rel(1, m1), Acq(2, m1), W(2, x)}, 0},
}

func runTable(t *testing.T, tests []scriptTest) {
	t.Helper()
	var cases []eventtest.Case
	for _, tt := range tests {
		cases = append(cases, eventtest.Case{Name: tt.name, Steps: tt.steps, Want: eventtest.Races(tt.want)})
	}
	eventtest.RunCases(t, func() race.Detector { return newDetector() }, cases)
}

func TestRace(t *testing.T)   { runTable(t, raceTests) }
func TestNoRace(t *testing.T) { runTable(t, noRaceTests) }

func TestRaceReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(W(1, x+3).At(0x1111).InStack(7), R(2, x+3).At(0x2222).InStack(9))
	want := []race.Report{{
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: false, Addr: x + 3, Size: 1, G: 2, Stack: 9, PC: 0x2222},
			{Previous: true, Write: true, Addr: x + 3, Size: 1, G: 1, Stack: 7, PC: 0x1111},
		},
	}}
	if !reflect.DeepEqual(reps, want) {
		t.Errorf("got\n%s\nwant\n%s", eventtest.Format(reps), eventtest.Format(want))
	}

	// A range write racing with an earlier read: the current access is the
	// whole range, the previous one the read's span.
	reps = h.Run(RR(1, y+2, 3).At(0x3333).InStack(11), WR(2, y, 16).At(0x4444).InStack(12))
	want = []race.Report{{
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: true, Addr: y, Size: 16, G: 2, Stack: 12, PC: 0x4444},
			{Previous: true, Write: false, Addr: y + 2, Size: 3, G: 1, Stack: 11, PC: 0x3333},
		},
	}}
	if !reflect.DeepEqual(reps, want) {
		t.Errorf("got\n%s\nwant\n%s", eventtest.Format(reps), eventtest.Format(want))
	}
}

// TestRaceAtomicReportContents checks that reports mark the atomic side.
func TestRaceAtomicReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(
		AStore(1, x).At(0x1111).InStack(7),
		R(2, x).At(0x2222).InStack(9),
		ALoad(2, y).Width(4).At(0x4444).InStack(12),
		W(1, y+2).At(0x3333).InStack(11),
		W(1, y+8).At(0x5555).InStack(13),
		AAdd(2, y+8).At(0x6666).InStack(14),
	)
	want := []race.Report{{
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: false, Addr: x, Size: 1, G: 2, Stack: 9, PC: 0x2222},
			{Previous: true, Write: true, Atomic: true, Addr: x, Size: 8, G: 1, Stack: 7, PC: 0x1111},
		},
	}, {
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: true, Addr: y + 2, Size: 1, G: 1, Stack: 11, PC: 0x3333},
			{Previous: true, Write: false, Atomic: true, Addr: y, Size: 4, G: 2, Stack: 12, PC: 0x4444},
		},
	}, {
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: true, Atomic: true, Addr: y + 8, Size: 8, G: 2, Stack: 14, PC: 0x6666},
			{Previous: true, Write: true, Addr: y + 8, Size: 1, G: 1, Stack: 13, PC: 0x5555},
		},
	}}
	if !reflect.DeepEqual(reps, want) {
		t.Errorf("got\n%s\nwant\n%s", eventtest.Format(reps), eventtest.Format(want))
	}
}

// TestNoRaceAcquireAllManyGoroutines checks OnAcquireAll across several
// chunks of the own-clock table: every goroutine, ended or not, writes its
// own variable, and after OnAcquireAll one goroutine writes them all; then
// each writes again, racing with it.
// TestNoRaceAcquireAllManyGoroutines: goroutines ended, live, and whose
// slots other goroutines took over are all ordered before an acquire-all.
func TestNoRaceAcquireAllManyGoroutines(t *testing.T) {
	const n = 12*vclock.MaxSlots + 10
	var steps []step
	live := 0
	for i := 1; i <= n; i++ {
		steps = append(steps, Fork(0, i), W(i, x+uintptr(i)*8))
		if i%16 != 1 {
			steps = append(steps, End(i))
		} else {
			live++
		}
	}
	steps = append(steps, AcqAll(n+1))
	for i := 1; i <= n; i++ {
		steps = append(steps, W(n+1, x+uintptr(i)*8))
	}
	h := newHarness(t)
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("got %d reports, want 0:\n%s", len(reps), eventtest.Format(reps[:1]))
	}
	// The live goroutines write again, after the acquire-all: each races with goroutine n+1's
	// write (one report per site pair, all distinct).
	steps = steps[:0]
	for i := 1; i <= n; i += 16 {
		steps = append(steps, W(i, x+uintptr(i)*8).At(0x7000000+uintptr(i)))
	}
	if reps := h.Run(steps...); len(reps) != live {
		t.Errorf("got %d reports, want %d", len(reps), live)
	}
}

// TestSlotsBounded: under goroutine churn, slots are reused, so no clock
// grows with the number of goroutines ever started.
func TestSlotsBounded(t *testing.T) {
	h := newHarness(t)
	const n = 20 * vclock.MaxSlots
	var steps []step
	for i := 1; i <= n; i++ {
		steps = append(steps, Fork(0, i), W(i, x+uintptr(i%512)*8), Rel(i, m1), End(i), Acq(0, m1))
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("got %d reports, want 0:\n%s", len(reps), eventtest.Format(reps[:1]))
	}
	if got := h.d.gs.Slots.Used(); got > vclock.MaxSlots {
		t.Errorf("%d slots used, want at most %d", got, vclock.MaxSlots)
	}
	if g := h.d.state(h.G(0)); len(g.C) > vclock.MaxSlots {
		t.Errorf("clock of %d entries, want at most %d", len(g.C), vclock.MaxSlots)
	}
	for a, v := range h.d.pages.Find(m1>>pageShift, false).syncs {
		if len(v.vc) > vclock.MaxSlots {
			t.Errorf("sync clock of %#x has %d entries, want at most %d", a, len(v.vc), vclock.MaxSlots)
		}
	}
}

// TestSlotTakeover: a goroutine that takes over an ended goroutine's slot
// starts its epochs after the ended goroutine's last one, so the clock of a
// slot never goes back.
func TestSlotTakeover(t *testing.T) {
	h := newHarness(t)
	var steps []step
	for i := 1; i < vclock.MaxSlots; i++ {
		steps = append(steps, Fork(0, i), R(i, y)) // a goroutine takes its slot at its first event
	}
	steps = append(steps, Rel(7, m1), Rel(7, m2), End(7), Fork(0, 1000))
	h.Run(steps...)

	g := h.d.state(h.G(1000))
	if g.Slot() != 7 {
		t.Fatalf("new goroutine got slot %d, want the ended goroutine's, 7", g.Slot())
	}
	// Goroutine 7 started at 1 and released twice: its last clock was 3.
	// The new goroutine took its slot at its first event, state above.
	if c := g.C[g.Slot()]; c != 4 {
		t.Errorf("new goroutine's first clock in slot 7 = %d, want 4", c)
	}
}

// TestSlotAtFirstEvent: a goroutine takes its slot at its first event, so
// that goroutines started but not yet run (a loop of go statements that
// outpaces the scheduler) hold no slot and do not lengthen clocks; what
// each does is still ordered after its start, and unordered with its
// siblings.
func TestSlotAtFirstEvent(t *testing.T) {
	h := newHarness(t)
	z := x + 0x10000 // apart from the words the parent writes
	const n = 3 * vclock.MaxSlots
	var steps []step
	for i := 1; i <= n; i++ {
		steps = append(steps, W(0, x+uintptr(i)*8), Fork(0, i))
	}
	h.Run(steps...)
	if used := h.d.gs.Slots.Used(); used != 1 {
		t.Fatalf("%d slots used with %d goroutines started, none run: want 1", used, n)
	}
	steps = nil
	for i := 1; i <= n; i++ {
		steps = append(steps, W(i, x+uintptr(i)*8), W(i, z), End(i))
	}
	reps := h.Run(steps...)
	if used := h.d.gs.Slots.Used(); used > vclock.MaxSlots {
		t.Errorf("%d slots used by goroutines run one at a time, want at most %d", used, vclock.MaxSlots)
	}
	// Each child's write of its word is ordered after the parent's (no
	// report there); each child's write of z races with the previous
	// child's.
	if len(reps) != n-1 {
		t.Fatalf("got %d reports, want %d, on z:\n%s", len(reps), n-1, eventtest.Format(reps[:min(len(reps), 2)]))
	}
	for _, r := range reps {
		if r.Accesses[0].Addr != z {
			t.Fatalf("report not on z:\n%s", eventtest.Format([]race.Report{r}))
		}
	}
}

// TestRaceManyLive: with more live goroutines than MaxSlots, slots are
// taken from the goroutines that got theirs longest ago, so there are
// never more than MaxSlots; a goroutine whose slot was taken gets another
// at its next event, and races and synchronisation between goroutines that
// did not share a slot are seen as with few.
func TestRaceManyLive(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		h := newHarness(t)
		var steps []step
		for i := 1; i < vclock.MaxSlots+10; i++ {
			steps = append(steps, Fork(0, i), R(i, y))
		}
		h.Run(steps...)
		if used := h.d.gs.Slots.Used(); used != vclock.MaxSlots {
			t.Fatalf("%d slots for %d live goroutines, want %d", used, vclock.MaxSlots+10, vclock.MaxSlots)
		}
		steps = []step{W(1, x), Rel(1, m1)}
		if ordered {
			steps = append(steps, Acq(vclock.MaxSlots+5, m1))
		}
		steps = append(steps, R(vclock.MaxSlots+5, x))
		reps := h.Run(steps...)
		want := 1
		if ordered {
			want = 0
		}
		if len(reps) != want {
			t.Errorf("ordered=%v: got %d reports, want %d:\n%s", ordered, len(reps), want, eventtest.Format(reps))
		}
	}
}

// TestRaceReadSharedOneReader checks read-shared mode: three goroutines read
// x concurrently, and a writer ordered after two of them races with the
// third only.
func TestRaceReadSharedOneReader(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(
		R(1, x), Rel(1, m1),
		R(2, x), Rel(2, m2),
		R(3, x),
		Acq(4, m1), Acq(4, m2), W(4, x),
	)
	if len(reps) != 1 {
		t.Fatalf("got %d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
	}
	cur, prev := reps[0].Accesses[0], reps[0].Accesses[1]
	if cur.G != 4 || !cur.Write || cur.Previous {
		t.Errorf("current access = %+v, want a write by goroutine 4", cur)
	}
	if prev.G != 3 || prev.Write || !prev.Previous || prev.PC != eventtest.PC(4) || prev.Stack != eventtest.Stack(4) {
		t.Errorf("previous access = %+v, want goroutine 3's read at PC %#x", prev, eventtest.PC(4))
	}
	// The write reset the read state: goroutine 3 reading again (in a new
	// epoch) races with the write, not with anything older.
	reps = h.Run(Rel(3, m2+8), R(3, x).At(0x9999))
	if len(reps) != 1 || reps[0].Accesses[1].G != 4 || !reps[0].Accesses[1].Write {
		t.Errorf("after the write: got\n%s\nwant one race with goroutine 4's write", eventtest.Format(reps))
	}
}

func TestReportDrains(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(W(1, x), W(2, x)); len(reps) != 1 {
		t.Fatalf("got %d reports, want 1", len(reps))
	}
	if reps := h.Report(); reps != nil {
		t.Errorf("second Report() = %v, want nil", reps)
	}
	if reps := h.Run(W(1, y).At(0x10), W(2, y).At(0x20)); len(reps) != 1 {
		t.Errorf("after draining: got %d reports, want 1", len(reps))
	}
}

func TestRaceReportedOnce(t *testing.T) {
	runTable(t, []scriptTest{
		// Goroutine 1's write races with both reads; the (cell, write)
		// pair is reported once.
		{"SameEarlierAccess", []step{W(1, x), R(2, x), R(3, x)}, 1},
		// Same two code locations on different variables: once.
		{"SameSites", []step{W(1, x).At(0xa), W(1, y).At(0xa), W(2, x).At(0xb), W(2, y).At(0xb)}, 1},
		// Same code locations in the other order: once.
		{"SameSitesSwapped", []step{W(1, x).At(0xa), W(2, y).At(0xb), W(2, x).At(0xb), W(1, y).At(0xa)}, 1},
		// A range racing with another across many words: once.
		{"Ranges", []step{WR(1, x, 256), WR(2, x, 256)}, 1},
		// Repeated accesses in the same epoch: once.
		{"SameEpoch", []step{W(1, x), W(2, x), W(2, x), R(2, x), W(2, x)}, 1},
		// Different sites: reported separately.
		{"DifferentSites", []step{W(1, x), W(1, y), W(2, x), W(2, y)}, 2},
	})
}

// cellsIn returns the number of cells in the shadow of [addr, addr+size),
// and the overflow blocks in use.
func cellsIn(d *detector, addr, size uintptr) (cells int, ovf int64) {
	for a := addr &^ 7; a < addr+size; a += 8 {
		w := d.shadow.Lookup(a)
		if u := d.uniform.Record(a); u != nil {
			w = u // the entry of every word of a uniform page
		}
		if w == nil {
			continue
		}
		if w.get().a != 0 {
			cells++
		}
		if w.isPair() {
			cells++ // its write
		} else if n := w.ovf(); n != 0 {
			for _, c := range d.ovf.at(uint32(n - 1)).cells() {
				switch {
				case c.isVec():
					vecCells(c, func(int, cell) { cells++ })
				case c.a != 0:
					cells++
				}
			}
		}
	}
	return cells, int64(d.ovf.inUse())
}

// TestUniformPages checks that a range over whole pages keeps one entry
// per page, not per word, until a word access needs the words' own,
// read-shared cells included.
func TestUniformPages(t *testing.T) {
	h := newHarness(t)
	h.Run(RR(1, x+8, 8*pg), WR(2, x+16*pg, 4*pg))
	_, ovf0 := cellsIn(h.d, x, 0)
	h.Run(RR(3, x+8, 8*pg))
	// The first range covers 7 pages whole, the second 4.
	if n := h.d.uniform.Pages(); n != 11 {
		t.Fatalf("%d pages uniform, want 11", n)
	}
	if w := h.d.shadow.Lookup(x + 2*pg); w != nil && w.get().a != 0 {
		t.Error("a word of a uniform page has a cell")
	}
	// Two concurrent reads: two cells per word, one overflow block per
	// uniform page, and one per word of the pages covered in part (511
	// of the first, one of the last).
	n, ovf1 := cellsIn(h.d, x+pg, pg)
	if n != 2*int(pg)/8 || ovf1-ovf0 != 7+int64(pg)/8 {
		t.Errorf("a page read by two goroutines: %d cells, %d overflow blocks more, want %d and %d",
			n, ovf1-ovf0, 2*pg/8, 7+pg/8)
	}
	if reps := h.Run(W(1, x+2*pg+8)); len(reps) != 1 {
		t.Errorf("a write after two concurrent reads: %d reports, want 1", len(reps))
	}
	if n := h.d.uniform.Pages(); n != 10 {
		t.Fatalf("after a word's access, %d pages uniform, want 10", n)
	}
	// Every word of the page got both read cells, each word its own
	// overflow block in place of the page's; the written byte's word has
	// the write too.
	if n, ovf2 := cellsIn(h.d, x+2*pg, pg); n != 2*int(pg)/8+1 || ovf2-ovf1 != int64(pg)/8-1 {
		t.Errorf("the expanded page: %d cells, %d overflow blocks more, want %d and %d", n, ovf2-ovf1, 2*pg/8+1, pg/8-1)
	}
}

// TestNoRaceOnMallocMemory checks that OnMalloc drops every kind of state
// in its range: cells in place and in overflow, and sync clocks.
func TestNoRaceOnMallocMemory(t *testing.T) {
	h := newHarness(t)
	h.Run(
		WR(1, x, 3*pg), R(2, x+pg+8), R(3, x+pg+8), R(4, x+pg+8), // read-shared cells
		Rel(1, x+2*pg+16), RelM(2, x+2*pg+24), // sync clocks
	)
	if n, ovf := cellsIn(h.d, x, 3*pg); n != 3*int(pg)/8+3 || ovf != 1 {
		t.Fatalf("%d cells, %d overflow blocks before OnMalloc, want %d and 1", n, ovf, 3*pg/8+3)
	}
	if n := h.d.pages.Len(); n != 1 {
		t.Fatalf("%d sync pages before OnMalloc, want 1", n)
	}
	h.Deliver(Malloc(x, 3*pg))
	if n, ovf := cellsIn(h.d, x, 3*pg); n != 0 || ovf != 0 {
		t.Errorf("%d cells, %d overflow blocks after OnMalloc", n, ovf)
	}
	if n := h.d.pages.Len(); n != 0 {
		t.Errorf("%d sync pages after OnMalloc, want 0", n)
	}
	if reps := h.Run(WR(4, x, 3*pg)); len(reps) != 0 {
		t.Errorf("after OnMalloc: %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	// Partial frees leave the rest of the words alone.
	h.Deliver(Free(x+9, 14))
	if n, _ := cellsIn(h.d, x, 3*pg); n != 3*int(pg)/8 {
		t.Errorf("%d cells after freeing 14 bytes within 3 words, want %d", n, 3*pg/8)
	}
	if reps := h.Run(W(5, x+8).At(0x500), W(5, x+23).At(0x501)); len(reps) != 2 {
		t.Errorf("the bytes a partial free left lost their state: %d reports", len(reps))
	}
	if reps := h.Run(W(5, x+9).At(0x502), W(5, x+22).At(0x503)); len(reps) != 0 {
		t.Errorf("the bytes a partial free dropped kept state: %d reports", len(reps))
	}
}

// TestMallocDoesNotAllocate checks that OnMalloc and OnFree do not allocate,
// as they run inside the allocator, whatever state they drop.
func TestMallocDoesNotAllocate(t *testing.T) {
	h := newHarness(t)
	eventtest.NoDropAllocs(t, 10, func() {
		h.Run(
			WR(1, x, 2*pg), Rel(1, x+8), R(2, x+2*pg+3), R(3, x+2*pg+3), R(4, x+2*pg+3),
			RR(3, x+5*pg, 64), RelM(2, x+5*pg+8), W(1, x+9*pg))
	}, func() {
		h.d.OnMalloc(x+2*pg+2, 4)        // partial word, read-shared cells in overflow
		h.d.OnFree(x+8, 8)               // partial page, sync clock
		h.d.OnMalloc(x, 2*pg)            // whole pages
		h.d.OnFree(x+5*pg, pg)           // a page with a sync clock
		h.d.OnMalloc(x-1<<30, 2<<30)     // a range larger than the shadow
		h.d.OnFree(x+9*pg, 0)            // empty range
		h.d.OnFree(^uintptr(0)-pg, 2*pg) // wrapping range
	})
	if n := h.d.pages.Len(); n != 0 {
		t.Errorf("%d sync pages left", n)
	}
	if n, ovf := cellsIn(h.d, x, 10*pg); n != 0 || ovf != 0 {
		t.Errorf("%d cells, %d overflow blocks left", n, ovf)
	}
}

// TestNoRaceConcurrent runs the detector from real goroutines, each
// accessing its own bytes (interleaved in shared pages, and in pages of its
// own) and a variable guarded by a real mutex whose edges the detector is
// told about, while others free unrelated memory and drain reports. It
// must report nothing (and, under -race, have no race itself).
func TestNoRaceConcurrent(t *testing.T) {
	const (
		n     = 8
		iters = 2000
	)
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	guarded := x + 200*pg // guarded by mu
	var mu sync.Mutex
	var reports []race.Report
	var repMu sync.Mutex
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		own := x + 16*pg + uintptr(i)*8*pg
		for j := range iters {
			pc := uintptr(0x1000 + i)
			// Byte i of n-byte groups in the first 4 pages.
			shared := x + uintptr(j%(4*int(pg)/n))*n + uintptr(i)
			d.OnWrite(access(g, shared, 1, pc, 0))
			d.OnRead(access(g, shared, 1, pc, 0))
			d.OnWriteRange(access(g, own+uintptr(j%64)*8, 24, pc, 0))
			d.OnReadRange(access(g, own+uintptr(j%4)*pg-64, 256, pc, 0))
			if j%16 == 0 {
				mu.Lock()
				d.OnAcquire(race.Sync{G: g, Addr: m1})
				d.OnWrite(access(g, guarded, 1, pc, 0))
				d.OnRead(access(g, guarded+1, 1, pc, 0))
				d.OnRelease(race.Sync{G: g, Addr: m1})
				mu.Unlock()
			}
			// Memory no one else touches, allocated and freed.
			tmp := x + 100*pg + uintptr(i)*pg
			d.OnMalloc(tmp, pg)
			d.OnWrite(access(g, tmp+uintptr(j%512)*8, 1, pc, 0))
			d.OnFree(tmp, pg)
			if j%100 == 0 {
				r := d.Report()
				repMu.Lock()
				reports = append(reports, r...)
				repMu.Unlock()
			}
		}
		d.OnGoEnd(g)
	})
	reports = append(reports, d.Report()...)
	if len(reports) != 0 {
		t.Errorf("%d reports:\n%s", len(reports), eventtest.Format(reports))
	}
}

// TestNoRaceConcurrentAtomics runs atomics and OnAcquireAll from real
// goroutines, which start goroutines of their own (growing the own-clock
// table concurrently): atomics on shared words never race with each other,
// and plain accesses ordered by them or by OnAcquireAll do not race. It
// must report nothing (and, under -race, have no race itself).
func TestNoRaceConcurrentAtomics(t *testing.T) {
	const (
		n     = 6
		iters = 600
	)
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	counter, flag := x+300*pg, x+300*pg+8
	var next atomic.Int64
	next.Store(100)
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		pc := uintptr(0x1000 + i)
		own := x + 301*pg + uintptr(i)*2*pg
		for j := range iters {
			at := func(op race.AtomicOp, addr uintptr) {
				d.OnAtomic(race.AtomicAccess{Access: access(g, addr, 8, pc, 0), Op: op, Width: 8})
				if op != race.AtomicStore {
					d.OnAcquire(race.Sync{G: g, Addr: addr})
				}
				if op != race.AtomicLoad {
					d.OnRelease(race.Sync{G: g, Addr: addr})
				}
			}
			at(race.AtomicAdd, counter)
			at(race.AtomicLoad, flag)
			at(race.AtomicStore, flag)
			d.OnWrite(access(g, own+uintptr(j%64)*8, 1, pc, 0))
			// A child that writes a byte of its own (children are
			// not ordered with one another) and ends.
			c := &race.Goroutine{ID: next.Add(1)}
			d.OnGoStart(g, c, pc)
			d.OnWrite(access(c, own+pg+uintptr(j), 1, pc+0x100, 0))
			d.OnGoEnd(c)
			if i == 0 && j%50 == 0 {
				d.OnAcquireAll(g)
			}
		}
		d.OnGoEnd(g)
	})
	// After the goroutines, main acquires all and writes everything.
	d.OnAcquireAll(main)
	d.OnWriteRange(access(main, x+300*pg, (2*n+1)*pg, 0x9000, 0))
	if reps := d.Report(); len(reps) != 0 {
		t.Errorf("%d reports:\n%s", len(reps), eventtest.Format(reps))
	}
}

// TestRaceConcurrent checks that races between real goroutines are found.
func TestRaceConcurrent(t *testing.T) {
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	eventtest.Concurrently(d, main, 4, func(i int, g *race.Goroutine) {
		for j := range 100 {
			d.OnWrite(access(g, x+uintptr(j)*8, 1, uintptr(0x1000+i), 0))
		}
	})
	// 4 goroutines, 6 pairs of sites; each pair races, in some order.
	if reps := d.Report(); len(reps) == 0 || len(reps) > 6 {
		t.Errorf("got %d reports, want 1 to 6", len(reps))
	}
}

func BenchmarkWriteSameEpoch(b *testing.B) {
	d := newDetector()
	a := access(&race.Goroutine{ID: 1}, x, 1, 0x1000, 1)
	for b.Loop() {
		d.OnWrite(a)
	}
}

// BenchmarkWriteSameEpochUncached alternates two bytes of a word, so the
// last-access cache misses and the cell's same-epoch check does the work.
func BenchmarkWriteSameEpochUncached(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	a0, a1 := access(g, x, 1, 0x1000, 1), access(g, x+1, 1, 0x1000, 1)
	for b.Loop() {
		d.OnWrite(a0)
		d.OnWrite(a1)
	}
}

func BenchmarkWriteNewEpoch(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	a := access(g, x, 1, 0x1000, 1)
	for b.Loop() {
		d.OnWrite(a)
		d.tick(d.state(g))
	}
}

func BenchmarkReadShared(b *testing.B) {
	d := newDetector()
	var as [8]race.Access
	for i := range as {
		as[i] = access(&race.Goroutine{ID: int64(i)}, x, 1, 0x1000, 1)
		d.OnRead(as[i])
	}
	i := 0
	for b.Loop() {
		d.OnRead(as[i%len(as)])
		i++
	}
}

func BenchmarkReadSharedNewEpoch(b *testing.B) {
	d := newDetector()
	var as [8]race.Access
	for i := range as {
		as[i] = access(&race.Goroutine{ID: int64(i)}, x, 1, 0x1000, 1)
		d.OnRead(as[i])
	}
	i := 0
	for b.Loop() {
		a := as[i%len(as)]
		d.OnRead(a)
		d.tick(d.state(a.G))
		i++
	}
}

func BenchmarkWriteRange64(b *testing.B) {
	d := newDetector()
	g := &race.Goroutine{ID: 1}
	a := access(g, x, 64, 0x1000, 1)
	for b.Loop() {
		d.OnWriteRange(a)
		d.tick(d.state(g))
	}
}

// startGoroutines starts n goroutines, IDs 1 to n, from goroutine 0.
func startGoroutines(d *detector, n int) []*race.Goroutine {
	main := &race.Goroutine{ID: 0}
	gs := make([]*race.Goroutine, n)
	for i := range gs {
		gs[i] = &race.Goroutine{ID: int64(i + 1)}
		d.OnGoStart(main, gs[i], 0)
	}
	return gs
}

func BenchmarkReleaseAcquire(b *testing.B) {
	d := newDetector()
	gs := startGoroutines(d, 16)
	i := 0
	for b.Loop() {
		g := gs[i%len(gs)]
		d.OnAcquire(race.Sync{G: g, Addr: m1})
		d.OnRelease(race.Sync{G: g, Addr: m1})
		i++
	}
}

func BenchmarkParallelWrite(b *testing.B) {
	d := newDetector()
	var mu sync.Mutex
	n := 0
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		n++
		a := access(&race.Goroutine{ID: int64(n)}, x+uintptr(n)*pg, 1, 0x1000, 1)
		mu.Unlock()
		for pb.Next() {
			d.OnWrite(a)
		}
	})
}

// TestReadSharedOverflow: more concurrent readers of a word than its
// shadow holds in place are kept in overflow, and a write races with each.
func TestReadSharedOverflow(t *testing.T) {
	h := newHarness(t)
	var steps []step
	for g := 1; g <= 6; g++ {
		steps = append(steps, R(g, x+2).At(uintptr(0x600+g)))
	}
	h.Run(steps...)
	if n, ovf := cellsIn(h.d, x, 8); n != 6 || ovf != 1 {
		t.Fatalf("%d cells, %d overflow blocks for 6 concurrent readers, want 6 and 1", n, ovf)
	}
	reps := h.Run(W(7, x).At(0x700), WR(7, x, 8).At(0x701))
	if len(reps) != 6 {
		t.Fatalf("got %d reports, want one per reader:\n%s", len(reps), eventtest.Format(reps))
	}
	seen := map[int64]bool{}
	for _, r := range reps {
		p := r.Accesses[1]
		if p.Write || p.PC != uintptr(0x600+p.G) || p.Addr != x+2 || p.Size != 1 {
			t.Errorf("previous access %+v, want goroutine G's read of x+2 at 0x600+G", p)
		}
		seen[p.G] = true
	}
	if len(seen) != 6 {
		t.Errorf("reports name %d readers, want 6", len(seen))
	}
	// The write took the word over: one cell left, the block given back.
	if n, ovf := cellsIn(h.d, x, 8); n != 1 || ovf != 0 {
		t.Errorf("%d cells, %d overflow blocks after the write, want 1 and 0", n, ovf)
	}
}

// TestEntryBits: the entry's lock and overflow number share the cell's
// words with the cell, and neither disturbs the other.
func TestEntryBits(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n != 16 {
		t.Errorf("an entry is %d bytes, want 16", n)
	}
	if n := unsafe.Sizeof(ovfBlock{}); n != 16 {
		t.Errorf("an overflow block is %d bytes, want 16", n)
	}
	var w entry
	c0 := cell{epochBits(vclock.MakeEpoch(5, 77)) | 0x0f, 123<<32 | fWrite | fReported}
	c1 := cell{epochBits(vclock.MakeEpoch(maxSlot, 1<<32-1)) | 0xf0, (1<<32-1)<<32 | fAtomic | fWrite | fReported}
	w.lock()
	w.set(c0)
	w.setOvf(maxOvf)
	if w.get() != c0 || w.ovf() != maxOvf {
		t.Errorf("cell %+v, ovf %#x; want %+v %#x", w.get(), w.ovf(), c0, maxOvf)
	}
	w.set(c1)
	w.unlock()
	if w.get() != c1 || w.ovf() != maxOvf {
		t.Errorf("after setting another cell and unlocking: %+v, ovf %#x", w.get(), w.ovf())
	}
	w.lock()
	w.setOvf(0x1234567)
	w.set(cell{})
	w.unlock()
	if w.get() != (cell{}) || w.ovf() != 0x1234567 {
		t.Errorf("after emptying the cell and unlocking: %+v, ovf %#x", w.get(), w.ovf())
	}
	if e := c1.epoch(); e.Slot() != maxSlot || e.Clock() != 1<<32-1 || c1.mask() != 0xf0 || c1.site() != 1<<32-1 {
		t.Errorf("cell fields: slot %d clock %d mask %#x site %d", e.Slot(), e.Clock(), c1.mask(), c1.site())
	}
}

// TestOverflowBlock: a block holds one cell itself, moves to a slice for
// more, and back once one is left in a slice of more than 4.
func TestOverflowBlock(t *testing.T) {
	var o overflow
	var w entry
	w.lock()
	b := o.alloc(&w)
	if b.len() != 0 || len(b.cells()) != 0 || cap(b.cells()) != 1 {
		t.Fatalf("new block: len %d, cells %d cap %d", b.len(), len(b.cells()), cap(b.cells()))
	}
	mk := func(i int) cell {
		return cell{epochBits(vclock.MakeEpoch(uint32(i), 1)) | 1, uint64(i+1) << 32}
	}
	var want []cell
	for i := range 6 {
		want = append(want, mk(i))
		b.setCells(append(o.room(b, b.cells()), mk(i)))
		if got := b.cells(); !slices.Equal(got, want) || b.len() != len(want) {
			t.Fatalf("after %d cells: %v, want %v", i+1, got, want)
		}
		if inl := b.inline(); inl != (i == 0) {
			t.Errorf("%d cells: inline %v", i+1, inl)
		}
	}
	if b.writes() != 0 {
		t.Errorf("%d writes among reads", b.writes())
	}
	b.setWrites(3)
	if b.writes() != 3 {
		t.Errorf("writes set to 3, got %d", b.writes())
	}
	s := o.shrink(b, b.cells()[:1])
	b.setCells(s)
	if got := b.cells(); len(got) != 1 || got[0] != mk(0) || !b.inline() || b.writes() != 0 {
		t.Errorf("shrunk to one read: %v, inline %v, writes %d", got, b.inline(), b.writes())
	}
	b.cells()[0].b |= fWrite
	if b.writes() != 1 {
		t.Errorf("one write inline, writes %d", b.writes())
	}
	o.release(&w, b)
	// A slice of 4 cells left with one stays a slice: a word whose cells
	// come and go (the atomics of a contended mutex) does not allocate
	// and free one each time.
	b = o.alloc(&w)
	for i := range 3 {
		b.setCells(append(o.room(b, b.cells()), mk(i)))
	}
	if s := o.shrink(b, b.cells()[:1]); cap(s) != 4 {
		t.Errorf("a slice of 4 shrunk to one cell: capacity %d, want 4", cap(s))
	}
	o.release(&w, b)
	w.unlock()
	if w.ovf() != 0 || o.inUse() != 0 {
		t.Errorf("released: entry names block %d, %d in use", w.ovf(), o.inUse())
	}
}

// TestReadSharedRereads: in read-shared mode a reader's read in a later
// epoch replaces its own cell, wherever the cell is, so a word's cells stay
// one per reader; and a write kept in overflow among the reads is still
// checked by a later read.
func TestReadSharedRereads(t *testing.T) {
	h := newHarness(t)
	var steps []step
	for round := range 3 {
		for g := 1; g <= 6; g++ {
			// Each release starts a new epoch of g.
			steps = append(steps, R(g, x+2).At(uintptr(0x600+g)), Rel(g, m1+uintptr(8*round)))
		}
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("concurrent reads reported:\n%s", eventtest.Format(reps))
	}
	if n, ovf := cellsIn(h.d, x, 8); n != 6 || ovf != 1 {
		t.Fatalf("%d cells, %d overflow blocks for 6 readers reading 3 times, want 6 and 1", n, ovf)
	}
	// A write of another byte of the word joins the reads' cells; a read of
	// that byte by a goroutine it is not ordered with races with it.
	reps := h.Run(W(7, x+4).At(0x700), R(8, x+4).At(0x800), R(8, x+2).At(0x801))
	if len(reps) != 1 || !reps[0].Accesses[1].Write || reps[0].Accesses[1].G != 7 {
		t.Fatalf("got\n%s\nwant one race: goroutine 8's read with goroutine 7's write", eventtest.Format(reps))
	}
	// Six readers', the write's, and goroutine 8's two reads at two code
	// locations.
	if n, _ := cellsIn(h.d, x, 8); n != 9 {
		t.Errorf("%d cells after the write and goroutine 8's reads, want 9", n)
	}
}

// TestNoRaceEpochFastPath: a repeat, in its epoch, of a word's last
// recorded access is skipped without the word's lock, also when the word
// keeps an older cell (here a write before the read) in overflow.
func TestNoRaceEpochFastPath(t *testing.T) {
	h := newHarness(t)
	h.Run(W(1, x).At(0x100), Rel(1, m1), R(1, x).At(0x101))
	if n, ovf := cellsIn(h.d, x, 8); n != 2 || ovf != 0 || !h.d.shadow.Lookup(x).isPair() {
		t.Fatalf("%d cells, %d overflow blocks for a write and a later read, want 2 and 0 (a pair)", n, ovf)
	}
	runWordLocked(t, h, x, "a repeat of the read in its epoch", R(1, x).At(0x101), R(1, x).At(0x102))
	// The repeat of the older write, in another epoch now, is not one:
	// it takes the lock and supersedes both cells.
	if reps := h.Run(W(1, x).At(0x100)); len(reps) != 0 {
		t.Errorf("the write reported:\n%s", eventtest.Format(reps))
	}
	if n, _ := cellsIn(h.d, x, 8); n != 1 {
		t.Errorf("%d cells after the write, want 1", n)
	}
}

// readSharedWithWrite: six readers of x+2, and two writes of other bytes
// of the word by goroutines 4 and 8, whose slots fall among the readers':
// goroutine 4's write ends up in overflow with the reads, kept first.
var readSharedWithWrite = []step{
	R(1, x+2), R(2, x+2), R(3, x+2),
	W(4, x+4).At(0x400),
	R(5, x+2), R(6, x+2), R(1, x+2),
	W(8, x+6).At(0x800),
}

// TestRaceReadSharedWriteInOverflow: a read in read-shared mode checks
// the writes kept in overflow, which the overflow holds first whatever
// their slots, and only those.
func TestRaceReadSharedWriteInOverflow(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(readSharedWithWrite...); len(reps) != 0 {
		t.Fatalf("reads and writes of distinct bytes reported:\n%s", eventtest.Format(reps))
	}
	w := h.d.shadow.Lookup(x)
	ovf := h.d.ovfOf(w)
	if ovf == nil || ovf.inline() {
		t.Fatalf("no overflow slice for six readers and two writers")
	}
	cells := ovf.cells()
	if ovf.writes() != 1 || cells[0].b&fWrite == 0 || !slices.IsSortedFunc(cells, cellOrder) {
		t.Fatalf("overflow %v, %d writes: want goroutine 4's write first, then the reads by slot", cells, ovf.writes())
	}
	reps := h.Run(R(7, x+4).At(0x700))
	if len(reps) != 1 || !reps[0].Accesses[1].Write || reps[0].Accesses[1].G != 4 || reps[0].Accesses[1].PC != 0x400 {
		t.Fatalf("got\n%s\nwant one race: goroutine 7's read with goroutine 4's write", eventtest.Format(reps))
	}
	if n, _ := cellsIn(h.d, x, 8); n != 8 {
		t.Errorf("%d cells, want 8: six readers, two writers, and goroutine 7's read", n)
	}
}

// TestNoRaceReadSharedWriteInOverflow: the twin, with the read ordered
// after goroutine 4's write.
func TestNoRaceReadSharedWriteInOverflow(t *testing.T) {
	h := newHarness(t)
	steps := append(slices.Clone(readSharedWithWrite), Rel(4, m1), Acq(7, m1), R(7, x+4), R(7, x+2))
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("ordered read reported:\n%s", eventtest.Format(reps))
	}
}

// TestRaceAtomicLoadThenStore: an atomic store in the epoch of an atomic
// load of the same goroutine is not a repeat of it: it is recorded, and a
// plain read races with it.
func TestRaceAtomicLoadThenStore(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(ALoad(1, x).At(0x100), AStore(1, x).At(0x101), R(2, x).At(0x200)); len(reps) != 1 || reps[0].Accesses[1].PC != 0x101 {
		t.Fatalf("got\n%s\nwant one race: goroutine 2's read with goroutine 1's store", eventtest.Format(reps))
	}
}

// runWordLocked runs steps, repeats that the epoch fast path must skip,
// while the test holds the lock of addr's word: it fails if they wait for
// the lock (what names them) or report anything.
func runWordLocked(t *testing.T, h harness, addr uintptr, what string, steps ...step) {
	t.Helper()
	w := h.d.shadow.Lookup(addr)
	w.lock()
	done := make(chan []race.Report)
	go func() { done <- h.Run(steps...) }()
	select {
	case reps := <-done:
		if len(reps) != 0 {
			t.Errorf("repeats reported:\n%s", eventtest.Format(reps))
		}
	case <-time.After(10 * time.Second):
		w.unlock()
		<-done
		t.Fatal(what + " waited for the word's lock")
	}
	w.unlock()
}

// TestNoRaceAtomicEpochFastPath: a repeat, in its epoch, of a word's last
// recorded atomic access is skipped without the word's lock.
func TestNoRaceAtomicEpochFastPath(t *testing.T) {
	h := newHarness(t)
	h.Run(ALoad(1, x).At(0x100))
	runWordLocked(t, h, x, "a repeat of the atomic load in its epoch", ALoad(1, x).At(0x100), ALoad(1, x).At(0x102))
	// A plain write races with the load, recorded once.
	if reps := h.Run(W(2, x)); len(reps) != 1 {
		t.Errorf("got\n%s\nwant one race with the atomic load", eventtest.Format(reps))
	}
}

// TestFirstOfSlot: the search for a reader's own cells finds, in the
// part of the cells it is given, the first whose slot is at least the
// reader's, as a generic binary search does.
func TestFirstOfSlot(t *testing.T) {
	var cells []cell
	for _, s := range []uint32{9, 2, 2, 3, 5, 5, 5, 8, 11} { // a write of slot 9, then reads
		cells = append(cells, cell{a: epochBits(vclock.MakeEpoch(s, 1)) | 1})
	}
	for from := 1; from <= len(cells); from++ {
		for slot := uint32(0); slot < 13; slot++ {
			want, _ := slices.BinarySearchFunc(cells[from:], slot, func(c cell, s uint32) int { return int(c.slot()) - int(s) })
			if got := firstOfSlot(cells, from, slot); got != from+want {
				t.Errorf("firstOfSlot(cells, %d, %d) = %d, want %d", from, slot, got, from+want)
			}
		}
	}
}

// vecOf returns the read clock of addr's word, or a zero cell.
func vecOf(d *detector, addr uintptr) cell {
	w := d.shadow.Lookup(addr)
	if u := d.uniform.Record(addr); u != nil {
		w = u
	}
	if w == nil || w.ovf() == 0 {
		return cell{}
	}
	for _, c := range d.ovfOf(w).cells() {
		if c.isVec() {
			return c
		}
	}
	return cell{}
}

// readClockSteps: n goroutines, 1 to n, read x+2 at one code location,
// each after merging its clock into m1 but for the last, unordered ones
// (the write of a later step acquires m1).
func readClockSteps(n, unordered int) []step {
	var steps []step
	for g := 1; g <= n; g++ {
		steps = append(steps, R(g, x+2).At(0x600).InStack(7))
		if g <= n-unordered {
			steps = append(steps, RelM(g, m1))
		}
	}
	return steps
}

// TestRaceReadClock: many readers of a word at one code location share a
// read clock, and a write races with the one reader it does not follow,
// named with its stack.
func TestRaceReadClock(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(readClockSteps(40, 1)...); len(reps) != 0 {
		t.Fatalf("concurrent reads reported:\n%s", eventtest.Format(reps))
	}
	vc := vecOf(h.d, x)
	if vc.a == 0 {
		t.Fatal("no read clock for 40 readers at one code location")
	}
	if n, _ := cellsIn(h.d, x, 8); n != 40 || vecCount(vc.vec()) < 32 {
		t.Fatalf("%d cells, %d in the read clock, for 40 readers", n, vecCount(vc.vec()))
	}
	reps := h.Run(Acq(41, m1), WR(41, x, 8).At(0x700))
	if len(reps) != 1 {
		t.Fatalf("got %d reports, want 1 (goroutine 40's read):\n%s", len(reps), eventtest.Format(reps))
	}
	p := reps[0].Accesses[1]
	if p.G != 40 || p.Write || p.PC != 0x600 || p.Stack != 7 || p.Addr != x+2 || p.Size != 1 {
		t.Errorf("previous access %+v, want goroutine 40's read of x+2 at 0x600 in stack 7", p)
	}
	// The write took the word over: its cell only, the blocks given back.
	if n, ovf := cellsIn(h.d, x, 8); n != 1 || ovf != 0 {
		t.Errorf("%d cells, %d overflow blocks after the write, want 1 and 0", n, ovf)
	}
}

// TestNoRaceReadClock: the twin, with the write ordered after every
// reader.
func TestNoRaceReadClock(t *testing.T) {
	h := newHarness(t)
	steps := append(readClockSteps(40, 0), Acq(41, m1), WR(41, x, 8).At(0x700))
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("ordered write reported:\n%s", eventtest.Format(reps))
	}
}

// TestReadClockAtomicStore: an atomic store, which does not take the
// reads' bytes, races with each reader it does not follow: those leave the
// read clock for cells marked reported, the others stay.
func TestReadClockAtomicStore(t *testing.T) {
	h := newHarness(t)
	h.Run(readClockSteps(40, 20)...)
	reps := h.Run(Acq(41, m1), AStore(41, x).At(0x700))
	if len(reps) != 1 || !reps[0].Accesses[0].Atomic || reps[0].Accesses[1].G <= 20 {
		t.Fatalf("got\n%s\nwant one race of the store with a read by goroutine 21 to 40", eventtest.Format(reps))
	}
	vc := vecOf(h.d, x)
	if vc.a == 0 || vecCount(vc.vec()) < 16 {
		t.Fatalf("read clock %+v after the store, want most of the 20 ordered readers", vc)
	}
	reported := map[uint32]bool{}
	for _, c := range h.d.ovfOf(h.d.shadow.Lookup(x)).cells() {
		if !c.isVec() && c.kind() == 0 && c.b&fReported != 0 {
			reported[c.slot()] = true
		}
	}
	vecCells(vc, func(_ int, r cell) {
		if reported[r.slot()] {
			t.Errorf("slot %d both in the read clock and reported", r.slot())
		}
	})
	if len(reported) != 20 {
		t.Errorf("%d readers marked reported, want 20", len(reported))
	}
	// A second store, by another goroutine that follows the same readers,
	// reports none of the others again.
	if reps := h.Run(Acq(42, m1), AStore(42, x).At(0x701)); len(reps) != 0 {
		t.Errorf("reported readers reported again:\n%s", eventtest.Format(reps))
	}
}

// TestReadClockRereadsAndJoin: readers reading again in new epochs keep
// their one entry; a reader that joins them all clears the read clock
// down to itself.
func TestReadClockRereadsAndJoin(t *testing.T) {
	h := newHarness(t)
	var steps []step
	for round := range 3 {
		for g := 1; g <= 40; g++ {
			steps = append(steps, R(g, x+2).At(0x600).InStack(7), RelM(g, m1+uintptr(8*round)))
		}
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("concurrent reads reported:\n%s", eventtest.Format(reps))
	}
	if n, _ := cellsIn(h.d, x, 8); n != 40 {
		t.Fatalf("%d cells for 40 readers reading 3 times, want 40", n)
	}
	h.Run(Acq(41, m1+16), R(41, x+2).At(0x600).InStack(7))
	if n, _ := cellsIn(h.d, x, 8); n > 2 {
		t.Errorf("%d cells after a read that follows every reader, want at most 2", n)
	}
	// What is left still races with an unordered write.
	if reps := h.Run(W(42, x+2)); len(reps) != 1 {
		t.Errorf("got\n%s\nwant one race with goroutine 41's read", eventtest.Format(reps))
	}
}

// TestReadClockOtherSites: readers at other code locations or of other
// bytes keep cells of their own beside the read clock, and a write races
// with them too.
func TestReadClockOtherSites(t *testing.T) {
	h := newHarness(t)
	steps := readClockSteps(40, 0)
	steps = append(steps, R(50, x+2).At(0x800), R(51, x+2).At(0x900), RR(52, x+2, 2).At(0xa00).InStack(7))
	h.Run(steps...)
	if n, _ := cellsIn(h.d, x, 8); n != 43 {
		t.Fatalf("%d cells, want 43", n)
	}
	reps := h.Run(Acq(53, m1), W(53, x+2).At(0x700))
	got := map[int64]bool{}
	for _, r := range reps {
		got[r.Accesses[1].G] = true
	}
	if len(reps) != 3 || !got[50] || !got[51] || !got[52] {
		t.Errorf("got\n%s\nwant races with goroutines 50, 51 and 52", eventtest.Format(reps))
	}
}

// TestReadClockMallocAndUniform: a read clock is freed with its word's
// shadow, and copied into each word of a uniform page that is expanded.
func TestReadClockMallocAndUniform(t *testing.T) {
	h := newHarness(t)
	h.Run(readClockSteps(40, 0)...)
	h.Run(Malloc(x, 8))
	if n, ovf := cellsIn(h.d, x, 8); n != 0 || ovf != 0 {
		t.Fatalf("%d cells, %d overflow blocks after malloc, want none", n, ovf)
	}
	// Range reads of a whole page: its uniform entry gets the read clock.
	var steps []step
	for g := 1; g <= 40; g++ {
		steps = append(steps, RR(g, x+4*pg, pg).At(0x600).InStack(7))
		if g < 40 {
			steps = append(steps, RelM(g, m1))
		}
	}
	h.Run(steps...)
	page := x + 4*pg
	if h.d.uniform.Record(page) == nil || vecOf(h.d, page).a == 0 {
		t.Fatal("no uniform entry with a read clock after range reads of a page")
	}
	// A word read expands the page; a write to another word races with
	// goroutine 40's range read, kept in that word's copy.
	h.Run(R(41, page+8))
	if h.d.uniform.Record(page) != nil {
		t.Fatal("page still uniform after a word read")
	}
	for _, a := range []uintptr{page, page + 8, page + pg - 8} {
		if vc := vecOf(h.d, a); vc.a == 0 || vecCount(vc.vec()) < 32 {
			t.Fatalf("word %#x: read clock %+v after the expansion", a, vc)
		}
	}
	reps := h.Run(Acq(42, m1), W(42, page+pg-8).At(0x700))
	if len(reps) != 1 || reps[0].Accesses[1].G != 40 {
		t.Errorf("got\n%s\nwant one race with goroutine 40's range read", eventtest.Format(reps))
	}
}

// writeThenReadClock: goroutine 100 writes x, then 40 goroutines that
// follow the write read x+2 at one code location.
func writeThenReadClock() []step {
	steps := []step{WR(100, x, 8).At(0x100), Rel(100, m2)}
	for g := 1; g <= 40; g++ {
		steps = append(steps, Acq(g, m2), R(g, x+2).At(0x600).InStack(7))
	}
	return steps
}

// TestRaceReadClockAfterWrite: a word written once and then read by many
// goroutines keeps the write in place and the read clock alone in its
// overflow block; a read that does not follow the write races with it.
func TestRaceReadClockAfterWrite(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(writeThenReadClock()...); len(reps) != 0 {
		t.Fatalf("reads after the write reported:\n%s", eventtest.Format(reps))
	}
	w := h.d.shadow.Lookup(x)
	ovf := h.d.ovfOf(w)
	if c := w.get(); c.b&fWrite == 0 || ovf == nil || !ovf.inline() || !ovf.cells()[0].isVec() {
		t.Fatalf("cell in place %+v, overflow %+v: want the write, and the read clock in the block", c, ovf)
	}
	if n, _ := cellsIn(h.d, x, 8); n != 41 {
		t.Fatalf("%d cells, want the write and 40 reads", n)
	}
	reps := h.Run(R(60, x+2).At(0x600).InStack(7))
	if len(reps) != 1 || !reps[0].Accesses[1].Write || reps[0].Accesses[1].G != 100 {
		t.Fatalf("got\n%s\nwant one race with goroutine 100's write", eventtest.Format(reps))
	}
}

// TestNoRaceReadClockAfterWrite: the twin, the last read following the
// write; and a read of other bytes, which takes a cell beside the read
// clock, following it too.
func TestNoRaceReadClockAfterWrite(t *testing.T) {
	h := newHarness(t)
	steps := append(writeThenReadClock(), Acq(60, m2), R(60, x+2).At(0x600).InStack(7), Acq(61, m2), R(61, x+5).At(0x700))
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("ordered reads reported:\n%s", eventtest.Format(reps))
	}
}

// TestRaceReadClockAllSlots: readers in every slot share one read clock
// of 256 entries, and a write races with the one it does not follow.
func TestRaceReadClockAllSlots(t *testing.T) {
	h := newHarness(t)
	steps := readClockSteps(vclock.MaxSlots, 1)
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("concurrent reads reported:\n%s", eventtest.Format(reps))
	}
	vc := vecOf(h.d, x)
	if vc.a == 0 || vc.vec().len() != vclock.MaxSlots {
		t.Fatalf("read clock %+v for readers in every slot, want one of %d entries", vc, vclock.MaxSlots)
	}
	if n, _ := cellsIn(h.d, x, 8); n != vclock.MaxSlots {
		t.Fatalf("%d cells, want %d", n, vclock.MaxSlots)
	}
	reps := h.Run(Acq(vclock.MaxSlots+1, m1), WR(vclock.MaxSlots+1, x, 8).At(0x700))
	if len(reps) != 1 || reps[0].Accesses[1].G != vclock.MaxSlots {
		t.Fatalf("got\n%s\nwant one race with goroutine %d's read", eventtest.Format(reps), vclock.MaxSlots)
	}
}

// TestNoRaceConcurrentReadClock: goroutines running at once read the
// words of a table that main wrote before starting them, at one code
// location, in epoch after epoch, so that read clocks are made, grown and
// cleared while others read; main then writes the table after joining
// them all. Nothing races, and the write leaves each word its one cell.
func TestNoRaceConcurrentReadClock(t *testing.T) {
	const (
		n     = 40
		words = 64
		iters = 50
	)
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	table := x + 300*pg
	d.OnWriteRange(access(main, table, words*8, 0x100, 0))
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		for j := range iters {
			for k := range words {
				d.OnRead(access(g, table+uintptr((k+i)%words)*8, 8, 0x600, 7))
			}
			d.OnReleaseMerge(race.Sync{G: g, Addr: m1 + uintptr(j%2)*8})
		}
	})
	vecs, grouped := 0, 0
	for k := range words {
		if vc := vecOf(d, table+uintptr(k)*8); vc.a != 0 {
			vecs++
			if vc.b&vecGrouped != 0 {
				grouped++
			}
		}
	}
	if vecs == 0 || grouped == 0 {
		t.Errorf("%d read clocks, %d in group blocks, for %d readers of each of %d words", vecs, grouped, n, words)
	}
	d.OnAcquire(race.Sync{G: main, Addr: m1})
	d.OnAcquire(race.Sync{G: main, Addr: m1 + 8})
	d.OnWriteRange(access(main, table, words*8, 0x101, 0))
	if reps := d.Report(); len(reps) != 0 {
		t.Errorf("%d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	if c, ovf := cellsIn(d, table, words*8); c != words || ovf != 0 {
		t.Errorf("%d cells, %d overflow blocks after the write, want %d and 0", c, ovf, words)
	}
	if b := d.ovf.groups.blocks.InUse(); b != 0 || len(d.ovf.groups.m) != 0 {
		t.Errorf("%d group blocks (%d counted) after the write, want 0", b, len(d.ovf.groups.m))
	}
}

// TestRaceReadThenWrite: a read and then a write of its bytes in one batch
// (x++) are applied under one hold of the word's lock, the read checked
// and not recorded: a race of the read is still reported as the read's,
// and the write's with a reader it does not follow as the write's.
func TestRaceReadThenWrite(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(W(1, x).At(0x100), R(2, x).At(0x200), W(2, x).At(0x201))
	if len(reps) != 1 {
		t.Fatalf("got %d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
	}
	if cur, prev := reps[0].Accesses[0], reps[0].Accesses[1]; cur.Write || cur.PC != 0x200 || prev.G != 1 || !prev.Write {
		t.Errorf("got\n%s\nwant goroutine 2's read racing with goroutine 1's write", eventtest.Format(reps))
	}
	if h.d.sites.Lookup(site.Key{PC: 0x200}) != 0 {
		t.Error("the read was recorded: its site was looked up")
	}
	reps = h.Run(R(3, y).At(0x300), Rel(3, m1), W(4, y).At(0x400), Rel(4, m1), Acq(5, m1), R(5, y).At(0x500), W(5, y).At(0x501))
	if len(reps) != 1 || reps[0].Accesses[0].PC != 0x400 {
		t.Fatalf("got\n%s\nwant one race, goroutine 4's write with goroutine 3's read", eventtest.Format(reps))
	}
}

// TestNoRaceReadThenWrite: the twin, each read and write ordered after
// the last: one cell left, and no overflow block.
func TestNoRaceReadThenWrite(t *testing.T) {
	h := newHarness(t)
	var steps []step
	for g := 1; g <= 4; g++ {
		steps = append(steps, Acq(g, m1), R(g, x+2).At(0x200), W(g, x+2).At(0x201), Rel(g, m1))
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("ordered updates reported:\n%s", eventtest.Format(reps))
	}
	if n, ovf := cellsIn(h.d, x, 8); n != 1 || ovf != 0 {
		t.Errorf("%d cells, %d overflow blocks, want 1 and 0", n, ovf)
	}
}

// BenchmarkMutexRounds feeds the events of sync.Mutex Lock/Unlock pairs
// as the runtime delivers them (an atomic compare-and-swap, the Acquire of
// the mutex, a write in the critical section, the Release, an atomic add),
// by 64 goroutines taking turns: the clock of the mutex changes hands at
// every Lock.
func BenchmarkMutexRounds(b *testing.B) {
	d := newDetector()
	gs := startGoroutines(d, 64)
	atomicOp := func(g *race.Goroutine, op race.AtomicOp) {
		d.OnAtomic(race.AtomicAccess{Access: access(g, m1, 4, 0x2000, 2), Op: op, Width: 4})
		d.OnAcquire(race.Sync{G: g, Addr: m1})
		d.OnRelease(race.Sync{G: g, Addr: m1})
	}
	i := 0
	for b.Loop() {
		g := gs[i%len(gs)]
		atomicOp(g, race.AtomicCompareAndSwap)
		d.OnAcquire(race.Sync{G: g, Addr: m1})
		d.OnWrite(access(g, x, 8, 0x1000, 1))
		d.OnRelease(race.Sync{G: g, Addr: m1})
		atomicOp(g, race.AtomicAdd)
		i++
	}
}

// TestRaceSitesThroughCache: a goroutine records each access in a new
// epoch, at more code locations than its cache of sites holds, and again
// at the first of them (on other words), so that its cache misses, evicts
// and hits, with PCs reached by two stacks each; every report names the
// earlier access's own PC and stack.
func TestRaceSitesThroughCache(t *testing.T) {
	h := newHarness(t)
	const sites, words = 3 * siteCache, 6 * siteCache
	type where struct {
		pc    uintptr
		stack race.StackID
	}
	want := make(map[uintptr]where)
	var steps []step
	for i := range words {
		addr := x + uintptr(i)*8
		// Two sites for each PC, with two stacks 8 apart (in the same
		// place of the cache, whose index takes the stack's low bits).
		j := i % sites
		w := where{uintptr(0x1000 + (j/2)*0x24), race.StackID(1 + j%2*8)}
		want[addr] = w
		steps = append(steps, W(1, addr).At(w.pc).InStack(w.stack), Rel(1, m1))
	}
	for i := range words {
		steps = append(steps, W(2, x+uintptr(i)*8).At(uintptr(0x9000+i)))
	}
	reps := h.Run(steps...)
	if len(reps) != words {
		t.Fatalf("%d reports, want %d:\n%s", len(reps), words, eventtest.Format(reps))
	}
	for _, r := range reps {
		prev := r.Accesses[1]
		if w := want[prev.Addr]; prev.PC != w.pc || prev.Stack != w.stack {
			t.Errorf("report at %#x names the earlier access at PC %#x, stack %d; want %#x, %d", prev.Addr, prev.PC, prev.Stack, w.pc, w.stack)
		}
	}
}

// TestNoRaceSitesCachedForBatches: the accesses of a batch, which have no
// G, record their sites through their goroutine's cache: a site recorded
// in one epoch is in the cache, and found there, in the next.
func TestNoRaceSitesCachedForBatches(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(W(1, x).At(0x1000).InStack(3), Rel(1, m1), W(1, y).At(0x1000).InStack(3)); len(reps) != 0 {
		t.Fatalf("one goroutine's writes reported:\n%s", eventtest.Format(reps))
	}
	g := h.d.state(h.G(1))
	id := h.d.sites.Lookup(site.Key{PC: 0x1000, Stack: 3})
	if id == 0 {
		t.Fatal("the writes' site is not in the table")
	}
	found := false
	for _, m := range g.sites {
		found = found || m == siteMemo{0x1000, 3, id}
	}
	if !found {
		t.Errorf("goroutine 1's cache of sites %v lacks the site of its batched writes (%d)", g.sites, id)
	}
	if c, _ := cellsIn(h.d, y, 8); c != 1 {
		t.Errorf("%d cells on y, want 1", c)
	}
}

// TestPairs: a plain write and a later plain read of it by the same
// goroutine are a pair, two cells in the entry's 16 bytes, that keeps
// both sites: a race with either names its code location, and a read at
// another code location, in a later epoch, keeps the write's.
func TestPairs(t *testing.T) {
	h := newHarness(t)
	h.Run(W(1, x).At(0x100), Rel(1, m1), R(1, x).At(0x101), Rel(1, m2), R(1, x).At(0x102))
	if n, ovf := cellsIn(h.d, x, 8); n != 2 || ovf != 0 || !h.d.shadow.Lookup(x).isPair() {
		t.Fatalf("%d cells, %d overflow blocks after a write and two later reads, want 2 and 0 (a pair)", n, ovf)
	}
	// Goroutine 2 is ordered after neither: its write races with both.
	reps := h.Run(W(2, x).At(0x200))
	var prev []uintptr
	for _, r := range reps {
		prev = append(prev, r.Accesses[1].PC)
		if r.Accesses[1].G != 1 {
			t.Errorf("previous access by goroutine %d, want 1", r.Accesses[1].G)
		}
	}
	slices.Sort(prev)
	if !slices.Equal(prev, []uintptr{0x100, 0x102}) {
		t.Errorf("previous accesses at %#x, want the write's 0x100 and the last read's 0x102:\n%s", prev, eventtest.Format(reps))
	}
	// A read by another goroutine races with the pair's write only, and
	// leaves the word with more cells than a pair.
	h2 := newHarness(t)
	h2.Run(W(1, x).At(0x100), Rel(1, m1), R(1, x).At(0x101))
	reps = h2.Run(R(3, x).At(0x300))
	if len(reps) != 1 || reps[0].Accesses[1].PC != 0x100 || !reps[0].Accesses[1].Write {
		t.Errorf("got\n%s\nwant one race, with the write at 0x100", eventtest.Format(reps))
	}
	if w := h2.d.shadow.Lookup(x); w.isPair() {
		t.Error("a word read by two goroutines is still a pair")
	}
	if n, _ := cellsIn(h2.d, x, 8); n != 3 {
		t.Errorf("%d cells, want 3", n)
	}
	// The pair's own goroutine writing all of it: one cell, no block.
	h3 := newHarness(t)
	h3.Run(W(1, x).At(0x100), Rel(1, m1), R(1, x).At(0x101), Rel(1, m2), W(1, x).At(0x103))
	if n, ovf := cellsIn(h3.d, x, 8); n != 1 || ovf != 0 || h3.d.shadow.Lookup(x).isPair() {
		t.Errorf("%d cells, %d overflow blocks after the pair's goroutine wrote the word, want 1 and 0", n, ovf)
	}
}

// TestPairWrites: two writes of one word's bytes by the same goroutine,
// in two epochs, are a pair too; a third cell expands it, and each cell
// keeps its site.
func TestPairWrites(t *testing.T) {
	h := newHarness(t)
	h.Run(W(1, x).At(0x100), Rel(1, m1), W(1, x+1).At(0x104))
	if n, ovf := cellsIn(h.d, x, 8); n != 2 || ovf != 0 || !h.d.shadow.Lookup(x).isPair() {
		t.Fatalf("%d cells, %d overflow blocks after two writes of two bytes, want 2 and 0 (a pair)", n, ovf)
	}
	// A read of both bytes in a third epoch: three cells.
	h.Run(Rel(1, m1), RR(1, x, 2).At(0x105))
	if n, ovf := cellsIn(h.d, x, 8); n != 3 || ovf != 1 || h.d.shadow.Lookup(x).isPair() {
		t.Fatalf("%d cells, %d overflow blocks after a read of both, want 3 and 1", n, ovf)
	}
	for _, c := range []struct {
		addr, prev uintptr
	}{{x, 0x100}, {x + 1, 0x104}} {
		reps := h.Run(W(2, c.addr).At(0x200 + c.addr - x))
		found := false
		for _, r := range reps {
			found = found || r.Accesses[1].PC == c.prev && r.Accesses[1].Write
		}
		if !found {
			t.Errorf("goroutine 2's write of %#x: got\n%s\nwant a race with the write at %#x", c.addr-x, eventtest.Format(reps), c.prev)
		}
	}
}

// TestPairFarRead: a read too many epochs after the write for a pair
// keeps the write in an overflow block.
func TestPairFarRead(t *testing.T) {
	h := newHarness(t)
	steps := []step{W(1, x).At(0x100)}
	for range maxPairDelta + 1 {
		steps = append(steps, Rel(1, m1))
	}
	h.Run(append(steps, R(1, x).At(0x101))...)
	if n, ovf := cellsIn(h.d, x, 8); n != 2 || ovf != 1 || h.d.shadow.Lookup(x).isPair() {
		t.Errorf("%d cells, %d overflow blocks, want 2 and 1 (no pair)", n, ovf)
	}
	if reps := h.Run(W(2, x).At(0x200)); len(reps) != 2 {
		t.Errorf("got\n%s\nwant the write to race with both cells", eventtest.Format(reps))
	}
}

// Atomics on a word whose cells are in an overflow slice (atomicCells):
// the failed CompareAndSwaps of goroutines waiting for a mutex are
// atomic writes not ordered with one another, each kept as a cell, and a
// plain access races with each it is not ordered after.
var atomicCellsTests = []scriptTest{
	{"SpinnersPlainWrite", []step{AStore(1, x), AFCAS(2, x), AFCAS(3, x), AFCAS(4, x), W(5, x)}, 3},
	{"SpinnersPlainWriteAfterTwo", []step{
		AStore(1, x), AFCAS(2, x), AFCAS(3, x), AFCAS(4, x),
		Rel(2, m1), Rel(3, m2), Acq(5, m1), Acq(5, m2), W(5, x)}, 1},
	// A plain read among the atomic cells: the next atomic write races
	// with it, an atomic load does not.
	// (The read races with goroutines 2's and 3's writes, the add with
	// the read.)
	{"SpinnersPlainReadThenAtomicWrite", []step{
		AStore(1, x), AFCAS(2, x), AFCAS(3, x), R(1, x+2), ALoad(4, x), AAdd(4, x)}, 3},
	// A plain write among them races with those it is not ordered after,
	// and the atomics after it race with it, once (its cell is then
	// marked reported).
	{"SpinnersPlainWriteThenAtomics", []step{
		AFCAS(2, x), AFCAS(3, x), AFCAS(4, x), W(1, x+4), AFCAS(2, x+4).Width(4), ALoad(3, x)}, 4},
	// Narrower atomics take the bytes they cover from the cells of their
	// own slot and kind, and leave them the rest: the write of x's first
	// byte races with goroutines 2's and 3's CompareAndSwaps on it, and
	// with goroutine 4's.
	{"SpinnersNarrower", []step{
		AFCAS(2, x), AFCAS(3, x), AFCAS(4, x), AAdd(2, x+4).Width(4), AAdd(3, x+4).Width(4), W(5, x)}, 3},
}

// The twin: a plain access ordered after every atomic cell.
var atomicCellsNoRaceTests = []scriptTest{
	{"SpinnersPlainWriteAfterAll", []step{
		AStore(1, x), AFCAS(2, x), AFCAS(3, x), AFCAS(4, x), AAdd(4, x),
		Rel(2, m1), Rel(3, m2), Acq(5, m1), Acq(5, m2), Acq(5, x), R(5, x), W(5, x)}, 0},
}

func TestRaceAtomicCells(t *testing.T) { runTable(t, atomicCellsTests) }

func TestNoRaceAtomicCells(t *testing.T) { runTable(t, atomicCellsNoRaceTests) }

// The states of ended goroutines, reused for goroutines started later
// (detector.ended).
var endedStateTests = []scriptTest{
	// An ended goroutine's state reused for a goroutine whose parent is
	// not known: its clock starts empty, without goroutine 1's entries
	// (goroutine 1's clock, of 5 slots, has room for goroutine 5's 6th
	// slot: the storage is reused, its entries are not), and so does a
	// forked one's, without its predecessor's.
	{"EndedStateReusedUnforked", []step{
		W(3, x), Rel(3, m1), R(4, y), R(6, y), R(7, y), Acq(1, m1), End(1), W(5, x)}, 1},
	{"EndedStateReusedForked", []step{R(0, y), W(3, x), Rel(3, m1), Acq(1, m1), End(1), Fork(0, 2), W(2, x)}, 1},
}

var endedStateNoRaceTests = []scriptTest{
	// An ended goroutine's state is reused for the next goroutine
	// started (detector.ended): not its sync addresses, whose acquire
	// the new goroutine must make (goroutine 1's ref of m1 says it holds
	// m1's clock, as goroutine 2 does not).
	{"EndedStateReusedRefs", []step{
		R(0, y), W(3, x), Rel(3, m1), Acq(1, m1), End(1), Fork(0, 2), Acq(2, m1), W(2, x)}, 0},
}

func TestRaceEndedState(t *testing.T) { runTable(t, endedStateTests) }

func TestNoRaceEndedState(t *testing.T) { runTable(t, endedStateNoRaceTests) }

// TestAtomicCellsAsGeneral: atomicCells, the one-pass atomic path for a
// word with an overflow slice, reports what accessLocked reports and
// leaves the same cells, on random scripts of plain and atomic accesses
// and synchronisation by a few goroutines on two words. The reports may
// come in another order: the paths may order the cells of one slot and
// kind differently.
func TestAtomicCellsAsGeneral(t *testing.T) {
	rng := uint64(1)
	rnd := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	fixed := [][]step{
		// An atomic merged into its epoch's cell in overflow, the cell
		// in place emptied: the first overflow cell takes the place.
		{AFCAS(1, x), AFCAS(2, x), AFCAS(3, x), ALoad(4, x).Width(4).At(0x900), ALoad(5, x+4).Width(4),
			Rel(5, m1), Acq(4, m1), ALoad(4, x+4).Width(4).At(0x900), W(6, x)},
		// Every cell ordered before an atomic of its kind: the block
		// is freed.
		{AStore(1, x), AStore(2, x), AStore(3, x), Rel(1, m1), Rel(2, m2), Rel(3, y),
			Acq(4, m1), Acq(4, m2), Acq(4, y), AStore(4, x), W(5, x)},
	}
	for i := 0; i < len(fixed)+200; i++ {
		var steps []step
		if i < len(fixed) {
			steps = fixed[i]
		}
		for i >= len(fixed) && len(steps) < 40 {
			g := 1 + rnd(6)
			addr := x + uintptr(rnd(2)*8)
			var s step
			switch rnd(15) {
			case 0:
				s = R(g, addr+uintptr(rnd(8)))
			case 1:
				s = W(g, addr+uintptr(rnd(8)))
			case 2:
				s = ALoad(g, addr)
			case 3:
				s = AStore(g, addr)
			case 4:
				s = AAdd(g, addr+4).Width(4)
			case 5, 6, 7:
				s = AFCAS(g, addr)
			case 8:
				s = ACAS(g, addr).Width(4)
			case 9:
				s = Rel(g, m1)
			case 10:
				s = Acq(g, m1)
			case 11:
				s = Acq(g, addr)
			case 12:
				s = AStore(g, addr+uintptr(rnd(2)*4)).Width(4).At(0x901)
			default:
				// One site: merges in an epoch.
				s = ALoad(g, addr+uintptr(rnd(2)*4)).Width(4).At(0x900)
			}
			steps = append(steps, s)
		}
		var reports [2]string
		var cells [2][]cell
		for j, general := range []bool{false, true} {
			h := newHarness(t)
			h.d.generalAtomics = general
			// The same reports, in any order: the two paths may keep
			// the cells of one slot and kind in different orders.
			var rs []string
			for _, r := range h.Run(steps...) {
				rs = append(rs, eventtest.Format([]race.Report{r}))
			}
			slices.Sort(rs)
			reports[j] = strings.Join(rs, "")
			for _, a := range []uintptr{x, x + 8} {
				cells[j] = append(cells[j], wordCells(h.d, a)...)
			}
		}
		if reports[0] != reports[1] || !reflect.DeepEqual(cells[0], cells[1]) {
			h := newHarness(t)
			h.Deliver(steps...)
			t.Fatalf("script %d:\n%s\natomicCells reported:\n%s\ncells %x\naccessLocked reported:\n%s\ncells %x",
				i, h.Script(), reports[0], cells[0], reports[1], cells[1])
		}
	}
}

// wordCells returns the cells of the word at addr, in place and in
// overflow, sorted by cellOrder then by a and b.
func wordCells(d *detector, addr uintptr) []cell {
	w := d.shadow.Lookup(addr)
	if w == nil {
		return nil
	}
	var cs []cell
	if w.isPair() {
		// Its two cells are all it has.
		o, n := w.unpair(nil)
		cs = append(cs, o, n)
	} else {
		if c := w.get(); c.a != 0 {
			cs = append(cs, c)
		}
		if ovf := d.ovfOf(w); ovf != nil {
			for _, c := range ovf.cells() {
				if c.a != 0 {
					cs = append(cs, c)
				}
			}
		}
	}
	slices.SortFunc(cs, func(p, q cell) int {
		if c := cellOrder(p, q); c != 0 {
			return c
		}
		if p.a != q.a {
			return cmp.Compare(p.a, q.a)
		}
		return cmp.Compare(p.b, q.b)
	})
	return cs
}

// groupSteps: n goroutines, 1 to n, each read the 16 words of x's group
// (x is 128-byte aligned) at one code location, each after merging its
// clock into m1 but for the last, unordered ones.
func groupSteps(n, unordered int) []step {
	var steps []step
	for g := 1; g <= n; g++ {
		for k := range uintptr(vecGroupWords) {
			steps = append(steps, R(g, x+8*k+2).At(0x600).InStack(7))
		}
		if g <= n-unordered {
			steps = append(steps, RelM(g, m1))
		}
	}
	return steps
}

// groupBlocks returns the group blocks the read clocks of x's group are
// in, and the number of its words whose read clock is a column of one.
func groupBlocks(t *testing.T, d *detector) (blocks map[uintptr]bool, grouped int) {
	blocks = map[uintptr]bool{}
	for k := range uintptr(vecGroupWords) {
		vc := vecOf(d, x+8*k)
		if vc.a == 0 {
			t.Fatalf("word %d of the group has no read clock", k)
		}
		if vc.b&vecGrouped != 0 {
			if col := int(vc.b & vecColMask >> vecColShift); col != int(k) {
				t.Fatalf("word %d's read clock is column %d", k, col)
			}
			blocks[vc.block()] = true
			grouped++
		}
	}
	return blocks, grouped
}

// TestRaceGroupReadClock: neighbouring words read by many goroutines at
// one code location keep their read clocks as the columns of one group
// block, joined by the words that had blocks of their own when they grow
// past their first 64 slots; a write to any of
// them races with the one reader it does not follow, and freeing the
// words frees the blocks.
func TestRaceGroupReadClock(t *testing.T) {
	for _, n := range []int{40, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h := newHarness(t)
			if reps := h.Run(groupSteps(n, 1)...); len(reps) != 0 {
				t.Fatalf("concurrent reads reported:\n%s", eventtest.Format(reps))
			}
			blocks, grouped := groupBlocks(t, h.d)
			// Words that made blocks of their own before the group had
			// one keep them until they grow past their first 64 slots.
			want := vecGroupWords - groupMinNeighbours
			if n > vecMinCap {
				want = vecGroupWords
			}
			if grouped < want || len(blocks) != 1 {
				t.Fatalf("%d of %d words' read clocks in %d group blocks, want %d at least in one", grouped, vecGroupWords, len(blocks), want)
			}
			if c, _ := cellsIn(h.d, x, 8*vecGroupWords); c != n*vecGroupWords {
				t.Fatalf("%d cells, want %d", c, n*vecGroupWords)
			}
			for _, k := range []uintptr{0, 5, vecGroupWords - 1} {
				reps := h.Run(Acq(n+1, m1), W(n+1, x+8*k+2).At(0x700+k)) // a race per pair of code locations
				if len(reps) != 1 || reps[0].Accesses[1].G != int64(n) || reps[0].Accesses[1].Addr != x+8*k+2 {
					t.Fatalf("word %d: got\n%s\nwant one race with goroutine %d's read", k, eventtest.Format(reps), n)
				}
			}
			// The other words' read clocks are untouched by those writes.
			if c, _ := cellsIn(h.d, x+8, 8); c != n {
				t.Fatalf("word 1: %d cells, want %d", c, n)
			}
			h.Run(Malloc(x, 8*vecGroupWords))
			if c, ovf := cellsIn(h.d, x, 8*vecGroupWords); c != 0 || ovf != 0 {
				t.Fatalf("%d cells, %d overflow blocks after malloc, want none", c, ovf)
			}
			if len(h.d.ovf.groups.m) != 0 || len(h.d.ovf.groups.cur) != 0 || h.d.ovf.groups.blocks.InUse() != 0 {
				t.Fatalf("%d group blocks (%d allocated), %d groups, after malloc, want none", len(h.d.ovf.groups.m), h.d.ovf.groups.blocks.InUse(), len(h.d.ovf.groups.cur))
			}
			// The words read again start from clean columns.
			if reps := h.Run(groupSteps(n, 0)...); len(reps) != 0 {
				t.Fatalf("reads after malloc reported:\n%s", eventtest.Format(reps))
			}
			if reps := h.Run(Acq(n+2, m1), W(n+2, x+8*3+2)); len(reps) != 0 {
				t.Fatalf("ordered write after malloc reported:\n%s", eventtest.Format(reps))
			}
		})
	}
}

// TestNoRaceGroupReadClock: the twin, every reader ordered before the
// writes.
func TestNoRaceGroupReadClock(t *testing.T) {
	h := newHarness(t)
	steps := groupSteps(100, 0)
	for k := range uintptr(vecGroupWords) {
		steps = append(steps, Acq(101, m1), W(101, x+8*k+2).At(0x700))
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("ordered writes reported:\n%s", eventtest.Format(reps))
	}
}

// TestReadClockAfterWriteGrows: a read clock alone in its overflow block
// stays there when a reader past its slots grows it, so that the reads
// after that take readClockOnly's path.
func TestReadClockAfterWriteGrows(t *testing.T) {
	h := newHarness(t)
	steps := []step{WR(200, x, 8).At(0x100), Rel(200, m2)}
	for g := 1; g <= 100; g++ {
		steps = append(steps, Acq(g, m2), R(g, x+2).At(0x600).InStack(7))
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("reads after the write reported:\n%s", eventtest.Format(reps))
	}
	w := h.d.shadow.Lookup(x)
	ovf := h.d.ovfOf(w)
	if c := w.get(); c.b&fWrite == 0 || ovf == nil || !ovf.inline() || !ovf.cells()[0].isVec() {
		t.Fatalf("cell in place %+v, overflow %+v: want the write, and the read clock in the block", c, ovf)
	}
	if vc := vecOf(h.d, x); vc.vec().len() < 100 || vecCount(vc.vec()) != 100 {
		t.Fatalf("read clock of %d entries, %d readers, want 100 readers", vc.vec().len(), vecCount(vc.vec()))
	}
}

// TestGroupReadClockFewWords: read-shared words with too few read-shared
// neighbours (the end of an array in its allocation's last 128 bytes)
// keep read clocks of their own, not a group block mostly empty.
func TestGroupReadClockFewWords(t *testing.T) {
	h := newHarness(t)
	var steps []step
	for g := 1; g <= 40; g++ {
		for k := range uintptr(groupMinNeighbours) {
			steps = append(steps, R(g, x+8*k+2).At(0x600).InStack(7))
		}
		steps = append(steps, RelM(g, m1))
	}
	if reps := h.Run(steps...); len(reps) != 0 {
		t.Fatalf("concurrent reads reported:\n%s", eventtest.Format(reps))
	}
	for k := range uintptr(groupMinNeighbours) {
		if vc := vecOf(h.d, x+8*k); vc.a == 0 || vc.b&vecGrouped != 0 {
			t.Fatalf("word %d: read clock %+v, want one of its own", k, vc)
		}
	}
	if n := h.d.ovf.groups.blocks.InUse(); n != 0 {
		t.Fatalf("%d group blocks for %d read-shared words", n, groupMinNeighbours)
	}
}

// handoffClocks delivers the steps, then a hand-off on m1 between
// goroutine 1, completing it, and goroutine 2, parked, as one OnHandoff
// if fused or as the four edges it stands for, and returns the two
// goroutines' clocks and m1's after it, then the reports of after.
func handoffClocks(t *testing.T, fused bool, after ...eventtest.Step) (c1, c2, l []uint32, reps []race.Report) {
	h := newHarness(t)
	h.Deliver(W(1, x), W(2, y), W(3, m2))
	h.Report() // delivers goroutine 3's write
	s, p := race.Sync{G: h.G(1), Addr: m1}, race.Sync{G: h.G(2), Addr: m1}
	if fused {
		h.d.OnHandoff(s, p.G)
	} else {
		h.d.OnRelease(s)
		h.d.OnAcquire(p)
		h.d.OnRelease(p)
		h.d.OnAcquire(s)
	}
	g1, g2 := h.d.state(h.G(1)), h.d.state(h.G(2))
	p0 := h.d.lockPage(g1, m1>>pageShift, false)
	v := p0.syncs[m1]
	l = slices.Clone(v.vc)
	p0.mu.Unlock()
	c1, c2 = slices.Clone(g1.C), slices.Clone(g2.C)
	return c1, c2, l, h.Run(after...)
}

// TestNoRaceHandoff: an unbuffered channel's hand-off delivered as one
// OnHandoff orders both goroutines' accesses before the other's later
// ones, and leaves the goroutines' clocks and the channel's as the four
// edges it stands for do.
func TestNoRaceHandoff(t *testing.T) {
	c1, c2, l, reps := handoffClocks(t, true, R(2, x), W(1, y))
	if len(reps) != 0 {
		t.Fatalf("accesses ordered by a hand-off reported:\n%s", eventtest.Format(reps))
	}
	d1, d2, dl, _ := handoffClocks(t, false)
	if !slices.Equal(c1, d1) || !slices.Equal(c2, d2) || !slices.Equal(l, dl) {
		t.Errorf("after OnHandoff: clocks %v, %v, channel %v; after its four edges: %v, %v, %v", c1, c2, l, d1, d2, dl)
	}
}

// TestRaceHandoff: a hand-off orders only its two goroutines: a third's
// write, made before it, races with a later read of theirs, and an access
// of one made after it with the other's after it.
func TestRaceHandoff(t *testing.T) {
	for _, after := range [][]eventtest.Step{{R(1, m2)}, {W(2, x+8), R(1, x+8)}} {
		if _, _, _, reps := handoffClocks(t, true, after...); len(reps) != 1 {
			t.Errorf("%d reports, want 1:\n%s", len(reps), eventtest.Format(reps))
		}
	}
}

// TestAtomicSyncAsItsParts: OnAtomicSync, the call in which the runtime
// delivers an atomic and its edges, leaves every goroutine's clock as
// OnAtomic and then OnAcquire and OnRelease do, operation by operation,
// and the reports of later plain accesses the same.
func TestAtomicSyncAsItsParts(t *testing.T) {
	type op struct {
		g      int
		op     race.AtomicOp
		failed bool
		addr   uintptr
	}
	ops := []op{
		{1, race.AtomicStore, false, m1}, {2, race.AtomicLoad, false, m1},
		{3, race.AtomicCompareAndSwap, true, m1}, {2, race.AtomicAdd, false, m1},
		{3, race.AtomicCompareAndSwap, false, m1}, {1, race.AtomicSwap, false, m2},
		{2, race.AtomicLoad, false, m2}, {1, race.AtomicAdd, false, m1},
		{3, race.AtomicOr, false, m1 + 4}, {1, race.AtomicLoad, false, m1},
	}
	run := func(fused bool) (clocks [][]uint32, reps []race.Report) {
		h := newHarness(t)
		h.Deliver(W(1, x), W(2, y), W(3, x+8))
		h.Report() // delivers goroutine 3's write
		for _, o := range ops {
			a := race.AtomicAccess{Access: race.Access{G: h.G(o.g), Addr: o.addr, Size: 4, PC: 0x5000 + uintptr(o.op)}, Op: o.op, Width: 4, Failed: o.failed}
			s := race.Sync{G: a.G, Addr: a.Addr, PC: a.PC}
			if fused {
				h.d.OnAtomicSync(a)
			} else {
				h.d.OnAtomic(a)
				switch {
				case o.op == race.AtomicLoad || o.failed:
					h.d.OnAcquire(s)
				case o.op == race.AtomicStore:
					h.d.OnRelease(s)
				default:
					h.d.OnAcquire(s)
					h.d.OnRelease(s)
				}
			}
			for g := 1; g <= 3; g++ {
				clocks = append(clocks, slices.Clone(h.d.state(h.G(g)).C))
			}
		}
		return clocks, h.Run(R(1, y), R(2, x), W(3, y), W(1, m1))
	}
	fc, fr := run(true)
	pc, pr := run(false)
	for i := range fc {
		if !slices.Equal(fc[i], pc[i]) {
			t.Fatalf("after operation %d, goroutine %d's clock is %v with OnAtomicSync, %v with its parts", i/3, i%3+1, fc[i], pc[i])
		}
	}
	if len(fr) != len(pr) || len(fr) == 0 {
		t.Errorf("%d reports with OnAtomicSync, %d with its parts (want the same, not 0):\n%s\n%s", len(fr), len(pr), eventtest.Format(fr), eventtest.Format(pr))
	}
}
