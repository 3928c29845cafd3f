// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package atomicmix

import (
	"fmt"
	"reflect"
	"runtime"
	"runtime/race"
	"strings"
	"sync"
	"testing"

	"drace/toolkit/eventtest"
	pub "drace/toolkit/eventtest"
)

// Interfaces the detector must implement.
var (
	_ race.Detector          = (*detector)(nil)
	_ race.AccessDetector    = (*detector)(nil)
	_ race.RangeDetector     = (*detector)(nil)
	_ race.AtomicDetector    = (*detector)(nil)
	_ race.GoroutineDetector = (*detector)(nil)
	_ race.MemoryDetector    = (*detector)(nil)
)

// The steps of the scripts, by short names.
var (
	R      = eventtest.Read
	W      = eventtest.Write
	RR     = eventtest.ReadRange
	WR     = eventtest.WriteRange
	Fork   = eventtest.Go
	End    = eventtest.End
	Malloc = eventtest.Malloc
	Free   = eventtest.Free
	// Atomics of 8 bytes (.Width(4) makes them 4).
	ALoad  = eventtest.Load
	AStore = eventtest.Store
	AAdd   = eventtest.Add
	ACAS   = eventtest.CAS
)

type step = eventtest.Step

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
	x  = uintptr(0xc000010000) // page-aligned
	y  = x + 0x100
	pg = uintptr(4096)
)

type scriptTest struct {
	name  string
	steps []step
	want  int // number of reports
}

var raceTests = []scriptTest{
	// The point of the detector: reported whatever the order, and
	// whether or not anything orders the accesses.
	{"AtomicThenPlainRead", []step{AAdd(1, x), R(2, x)}, 1},
	{"AtomicThenPlainWrite", []step{AStore(1, x), W(2, x)}, 1},
	// Plain accesses before the atomic, once the word is shared.
	{"PlainReadThenAtomic", []step{R(1, x), R(2, x), AStore(1, x)}, 1},
	{"PlainWriteThenAtomic", []step{R(1, x), W(2, x), ALoad(1, x)}, 1},
	{"SharedPlainThenAtomic", []step{R(3, x), W(2, x), AStore(3, x)}, 1},
	// A private word's plain access is initialisation only while it is
	// private: the same goroutine's later access is not.
	{"PrivateThenShared", []step{W(2, x), R(3, x), W(2, x), AStore(3, x)}, 1},
	{"LoadThenPlainWrite", []step{ALoad(1, x), W(2, x)}, 1},
	// A counter added to by workers and read plainly after they end
	// (after wg.Wait: ordered, yet reported).
	{"WorkersThenMainReads", []step{
		Fork(1, 2), Fork(1, 3), AAdd(2, x), AAdd(3, x), End(2), End(3), R(1, x)}, 1},
	// Main initialises, starts a worker, then writes plainly while the
	// worker uses atomics: the later write is not initialisation.
	{"ParentWritesAfterStart", []step{W(1, x), Fork(1, 2), AAdd(2, x), W(1, x)}, 1},
	// An ancestor's plain access after it started the goroutine is not
	// initialisation.
	{"ParentFirstAccessAfterStart", []step{Fork(1, 2), W(1, x), AAdd(2, x)}, 1},
	// A parent's plain write after it started the goroutine, before
	// the goroutine's atomic, even after initialising the variable.
	{"ParentInitThenWrite", []step{W(1, x), Fork(1, 2), W(1, x), ALoad(2, x).Width(4)}, 1},
	{"GrandparentWrite", []step{Fork(1, 2), Fork(2, 3), W(1, x), AAdd(3, x)}, 1},
	// Starts by other goroutines leave the parent's record as it was:
	// its write after its own start is still after it.
	{"ParentWritesAfterStartOthersStart", []step{Fork(1, 2), W(1, x), Fork(3, 4), W(1, x), AAdd(2, x)}, 1},
	// A third goroutine's plain access to a word that two others' plain
	// records fill changes nothing (it is not recorded); a later atomic
	// is reported against the shared record.
	{"ThirdPlainThenAtomic", []step{W(2, x), W(3, x), R(4, x), R(4, x), AStore(5, x)}, 1},
	// Two atomic records: the first plain access is reported, a later
	// one by another goroutine finds the location reported.
	{"PlainAfterTwoAtomics", []step{AStore(1, x), AAdd(2, x), R(3, x), R(4, x), R(3, x)}, 1},
	// Memory allocated before the start, which the goroutine may have
	// captured, written by the parent after the start.
	{"ParentAllocBeforeStart", []step{Malloc(x, 16), Fork(1, 2), R(1, x), AAdd(2, x)}, 1},
	{"ParentAllocBeforeStartShared", []step{Malloc(x, 16), Fork(1, 2), W(1, x), Fork(1, 3), AAdd(2, x)}, 1},
	// Allocated between two starts, first written after the second: the
	// word keeps its birth apart from the write's fork count.
	{"ParentAllocBetweenStarts", []step{Fork(1, 2), Malloc(x, 16), Fork(1, 3), W(1, x), AAdd(3, x)}, 1},
	// A child's plain access to what its parent made atomic.
	{"ChildPlainAfterParentAtomic", []step{AStore(1, x), Fork(1, 2), R(2, x)}, 1},
	// Plain accesses hit the atomic's first byte (Size 1) or any byte
	// of it.
	{"PlainInsideAtomic", []step{AAdd(1, x), W(2, x+5)}, 1},
	{"Atomic32PlainByte", []step{AStore(1, x+4).Width(4), R(2, x+4)}, 1},
	{"RangeReadOverAtomic", []step{AAdd(1, x+8), RR(2, x, 64)}, 1},
	{"RangeWriteThenAtomic", []step{Fork(2, 1), WR(2, x, 64), ALoad(1, x+16)}, 1},
	// Two 4-byte atomics in one word are two locations.
	{"TwoAtomicsInWord", []step{AAdd(1, x).Width(4), AAdd(1, x+4).Width(4), RR(2, x, 8)}, 2},
	// A third goroutine mixes with whichever other goroutine's access.
	{"ThirdGoroutine", []step{AAdd(1, x), R(1, x), ALoad(2, x), R(2, x), W(3, x)}, 1},
	{"SameGoroutineThenOther", []step{AAdd(1, x), W(1, x), AAdd(1, x), R(2, x)}, 1},
	// Freeing other memory keeps the record.
	{"FreeElsewhere", []step{AAdd(1, x), Free(x+8, 8), Malloc(y, 16), R(2, x)}, 1},
	{"FreePartOfWord", []step{AAdd(1, x).Width(4), Free(x+4, 4), Malloc(x+4, 4), R(2, x)}, 1},
	// Freed memory keeps its records until it is allocated again (the
	// runtime announces every reuse with OnMalloc).
	{"FreeKeeps", []step{AAdd(1, x), Free(x, 8), R(2, x)}, 1},
	{"EndedGoroutine", []step{AAdd(1, x), End(1), R(2, x)}, 1},
	{"AcrossPages", []step{AAdd(1, x+pg), RR(2, x+pg-16, 32)}, 1},
	// A small object next to a shared one (see SmallObjectsShareWord)
	// stops being private when another goroutine reads it.
	{"SmallObjectsShareWordShared", []step{W(2, x), W(3, x), Malloc(x+4, 4), W(4, x+4), R(6, x+4), AStore(5, x+4).Width(4)}, 1},
	// Ranges over whole pages (one record per page, shadow.Uniform)
	// report as word by word: an atomic on a page a range covered, a
	// range over a page with an atomic, a page two goroutines read.
	{"UniformRangeThenAtomic", []step{Fork(2, 1), WR(2, x, 3*pg), ALoad(1, x+pg+16)}, 1},
	{"AtomicThenUniformRange", []step{AAdd(1, x+pg+8), RR(2, x, 3*pg)}, 1},
	{"UniformReadersThenAtomic", []step{RR(1, x, 2*pg), RR(2, x, 2*pg), AStore(1, x+pg+8)}, 1},
	{"UniformParentWriteAfterStart", []step{Fork(1, 2), WR(1, x, 2*pg), AAdd(2, x+8)}, 1},
	// A small object allocated in a uniform page ends that page's
	// record only.
	{"UniformPartMalloc", []step{Fork(1, 2), WR(1, x, 2*pg), Malloc(x+64, 32), AAdd(2, x+64), AAdd(2, x+pg+8)}, 1},
	// Each location is reported once.
	{"ReportedOnce", []step{AAdd(1, x), R(2, x), W(3, x), R(2, x)}, 1},
}

var noRaceTests = []scriptTest{
	{"AllAtomic", []step{AStore(1, x), AAdd(2, x), ALoad(3, x), ACAS(4, x)}, 0},
	{"AllPlain", []step{W(1, x), R(2, x), W(3, x)}, 0},
	// Mixing within one goroutine: initialisation before publishing.
	{"SameGoroutine", []step{W(1, x), AStore(1, x), R(1, x), AAdd(1, x), WR(1, x, 8)}, 0},
	// A parent initialises plainly, then starts goroutines that use
	// atomics (also grandchildren).
	{"InitThenStart", []step{W(1, x), Fork(1, 2), Fork(1, 3), AAdd(2, x), AAdd(3, x)}, 0},
	// Another goroutine's starts between the parent's initialisation
	// and its start of the goroutine do not make the writes later.
	{"InitThenOthersStart", []step{W(1, x), Fork(3, 4), W(1, x), Fork(1, 2), AAdd(2, x)}, 0},
	{"InitThenStartGrandchild", []step{WR(1, x, 16), Fork(1, 2), Fork(2, 3), AAdd(3, x+8)}, 0},
	// A goroutine initialises a word no one else has touched, then
	// publishes it (by a channel, say) to one that uses atomics.
	{"ConstructorThenAtomic", []step{W(2, x), R(2, x), ALoad(1, x), AAdd(3, x)}, 0},
	{"ConstructorRangeThenAtomic", []step{WR(2, x, 64), ALoad(1, x+16), AAdd(3, x+24)}, 0},
	{"ConstructorUniformRangeThenAtomic", []step{WR(2, x, 2*pg), ALoad(1, x+pg+16), AAdd(3, x+pg+24)}, 0},
	// The twin of UniformParentWriteAfterStart: the memory is
	// allocated again before the atomic.
	{"UniformMallocClears", []step{Fork(1, 2), WR(1, x, 2*pg), Malloc(x, 2*pg), AAdd(2, x+8)}, 0},
	// Siblings: a plain write while the word is private to the writer
	// is taken for initialisation (a documented miss).
	// A parent allocates and initialises memory after starting a
	// goroutine, then hands it over (a worker pool).
	{"ParentAllocAfterStart", []step{Fork(1, 2), Malloc(x, 16), W(1, x), AAdd(2, x)}, 0},
	{"GrandparentAllocAfterStart", []step{Fork(1, 2), Fork(2, 3), Malloc(x-8, 4096), WR(1, x, 16), AAdd(3, x+8)}, 0},
	{"SiblingPrivatePlainThenAtomic", []step{Fork(1, 2), Fork(1, 3), W(2, x), AStore(3, x)}, 0},
	// A parent's plain write to another field of the word after the
	// start is not the atomic's initialisation.
	{"ParentWritesOtherFieldAfterStart", []step{W(1, x), Fork(1, 2), W(1, x+4), AAdd(2, x).Width(4)}, 0},
	// Privacy is by bytes: small objects share a word, and a freed
	// neighbour's records stay until its memory is allocated again. A
	// goroutine's write to its new 4-byte object next to a shared one is
	// initialisation, and displaces the older record.
	{"SmallObjectsShareWord", []step{W(2, x), W(3, x), Free(x, 4), Malloc(x+4, 4), W(4, x+4), AStore(5, x+4).Width(4)}, 0},
	{"AdjacentBytes", []step{AStore(1, x).Width(4), W(2, x+4), R(2, x+8), RR(2, x+4, 4)}, 0},
	{"AdjacentWords", []step{AAdd(1, x), WR(2, x+8, 8), WR(2, x-8, 8)}, 0},
	{"MallocClears", []step{AAdd(1, x), Malloc(x, 8), W(2, x)}, 0},
	{"ReallocClears", []step{W(1, x), W(2, x), Free(x, 8), Malloc(x, 8), AAdd(1, x)}, 0},
	{"ReallocWholePages", []step{AAdd(1, x), AAdd(1, x+2*pg), Free(x, 3*pg), Malloc(x, 3*pg), RR(2, x, 3*pg)}, 0},
	{"MallocHugeRange", []step{AAdd(1, x), AAdd(1, y+pg), Malloc(x-1<<30, 2<<30), W(2, x), W(2, y+pg)}, 0},
	{"ReallocPartialWordAtomic", []step{AAdd(1, x+4).Width(4), Malloc(x+4, 4), R(2, x+4)}, 0},
	{"ReallocPartialWordPlain", []step{W(1, x+4), R(3, x), Malloc(x+4, 4), AAdd(2, x+4).Width(4)}, 0},
}

func runTable(t *testing.T, tests []scriptTest) {
	t.Helper()
	var cases []eventtest.Case
	for _, tt := range tests {
		cases = append(cases, eventtest.Case{Name: tt.name, Steps: tt.steps, Want: eventtest.Repeat(tt.want, "MIXED ATOMIC ACCESS")})
	}
	eventtest.RunCases(t, func() race.Detector { return newDetector() }, cases)
}

func TestRace(t *testing.T)   { runTable(t, raceTests) }
func TestNoRace(t *testing.T) { runTable(t, noRaceTests) }

func TestRaceReportContents(t *testing.T) {
	h := newHarness(t)
	reps := h.Run(
		W(1, x).At(0x500).InStack(0x500), // initialisation: ignored
		Fork(1, 3), Fork(1, 2),
		AAdd(1, x).At(0x1000).InStack(0x1000),
		ALoad(3, x).At(0x1100).InStack(0x1100),
		RR(2, x, 8).At(0x2000).InStack(0x2000),
	)
	if len(reps) != 1 {
		t.Fatalf("got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	r := reps[0]
	if r.Kind != "MIXED ATOMIC ACCESS" {
		t.Errorf("Kind = %q", r.Kind)
	}
	if want := fmt.Sprintf("mixed atomic and plain access to %#x (8 bytes)", x); r.Message != want {
		t.Errorf("Message = %q, want %q", r.Message, want)
	}
	want := []race.ReportAccess{
		{Addr: x, Size: 8, G: 2, PC: 0x2000, Stack: 0x2000},
		{Previous: true, Write: true, Atomic: true, Addr: x, Size: 8, G: 1, PC: 0x1000, Stack: 0x1000},
	}
	if !reflect.DeepEqual(r.Accesses, want) {
		t.Errorf("Accesses:\n%s\nwant:\n%+v\n%+v", eventtest.Format(reps), want[0], want[1])
	}

	// The other way round: the atomic is current, a load is a read.
	reps = newHarness(t).Run(Fork(2, 1), W(2, x+3).At(0x3000).InStack(0x3000), ALoad(1, x).Width(4).At(0x4000).InStack(0x4000))
	if len(reps) != 1 {
		t.Fatalf("got %d reports:\n%s", len(reps), eventtest.Format(reps))
	}
	want = []race.ReportAccess{
		{Atomic: true, Addr: x, Size: 4, G: 1, PC: 0x4000, Stack: 0x4000},
		{Previous: true, Write: true, Addr: x + 3, Size: 1, G: 2, PC: 0x3000, Stack: 0x3000},
	}
	if r := reps[0]; !reflect.DeepEqual(r.Accesses, want) ||
		!strings.HasSuffix(r.Message, "(4 bytes)") {
		t.Errorf("report:\n%s\nwant:\n%+v\n%+v", eventtest.Format(reps), want[0], want[1])
	}
}

// TestRaceSkipsInitialisation checks that the previous access of a
// report is never an exempt initialisation when another is available.
func TestRaceSkipsInitialisation(t *testing.T) {
	reps := newHarness(t).Run(
		W(1, x).At(0x100).InStack(0x100), // main initialises
		Fork(1, 2), Fork(1, 3),           //
		W(3, x).At(0x300).InStack(0x300),    // a sibling writes plainly
		AAdd(2, x).At(0x200).InStack(0x200), // mixed with goroutine 3's write, not main's
	)
	if len(reps) != 1 || reps[0].Accesses[1].G != 3 {
		t.Errorf("want one report against goroutine 3:\n%s", eventtest.Format(reps))
	}
}

// TestBoundedRecords shows what the two records of a word cost in
// precision (see doc.go, "What it misses"): a third goroutine's plain
// access is not recorded, and a goroutine's accesses at two fork counts
// share a record when there is no free slot.
func TestBoundedRecords(t *testing.T) {
	for _, tt := range []scriptTest{
		// Goroutine 3 initialises the word and starts 2, which writes it
		// too: their records fill the word, and goroutine 4's write to
		// the upper half is not recorded. 2's atomic there is not
		// reported: 3's write was initialisation, the other is 2's own.
		{"ThirdPlainDropped", []step{WR(3, x, 8), Fork(3, 2), WR(2, x, 8), W(4, x+4), AStore(2, x+4).Width(4)}, 0},
		// Goroutine 4's write is reported when the atomic comes first.
		{"ThirdPlainAfterAtomic", []step{W(2, x), AStore(3, x+4).Width(4), W(4, x+4)}, 1},
		// Main initialises byte 0 before starting goroutine 2 and writes
		// byte 4 after; goroutine 3's write to byte 6 takes the second
		// record, so main's two writes share one, at the later fork
		// count, and 2's atomic on bytes 0-3 is reported against it.
		{"OneRecordPerGoroutine", []step{W(1, x), W(3, x+6), Fork(1, 2), W(1, x+4), AAdd(2, x).Width(4)}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reps := newHarness(t).Run(tt.steps...)
			if len(reps) != tt.want {
				t.Errorf("got %d reports, want %d:\n%s", len(reps), tt.want, eventtest.Format(reps))
			}
			if tt.name == "OneRecordPerGoroutine" && len(reps) == 1 && reps[0].Accesses[1].G != 1 {
				t.Errorf("reported against goroutine %d, want 1", reps[0].Accesses[1].G)
			}
		})
	}
}

// TestBatches drives the detector through the runtime's dispatcher, which
// delivers plain accesses in batches (OnAccesses): the repeats of a batch
// are skipped, and what they would have found is found by the first.
func TestBatches(t *testing.T) {
	h := pub.New(t, newDetector())
	reps := h.Run(
		pub.Add(1, x),
		// One report for the counter, at the first read.
		pub.Read(2, x), pub.Read(2, x), pub.Write(2, x+4), pub.ReadRange(2, x, 8),
		// Goroutine 3 initialises a word, in one batch, before 1's
		// atomic: not reported; its write after it is.
		pub.Write(3, x+8), pub.Write(3, x+8), pub.Read(3, x+12),
		pub.Load(1, x+8),
		pub.Write(3, x+8), pub.Write(3, x+8),
	)
	h.Check(reps,
		"MIXED ATOMIC ACCESS: read g2, previous atomic write g1",
		"MIXED ATOMIC ACCESS: write g3, previous atomic read g1")
}

// TestUniformPages checks that a range over whole pages keeps one record
// per page, not per word, until a word access needs the words' own.
func TestUniformPages(t *testing.T) {
	h := newHarness(t)
	h.Run(RR(1, x+8, 8*pg), WR(2, x+16*pg, 4*pg))
	// The first range covers 7 pages whole, the second 4.
	if n := h.d.uniform.Pages(); n != 11 {
		t.Fatalf("%d pages uniform, want 11", n)
	}
	if w := h.d.shadow.Lookup(x + 2*pg); w != nil && w.meta.Load() != 0 {
		t.Error("a word of a uniform page has a record")
	}
	h.Run(W(3, x+2*pg+8))
	if n := h.d.uniform.Pages(); n != 10 {
		t.Fatalf("after a word's access, %d pages uniform, want 10", n)
	}
	var s state
	if h.d.shadow.Lookup(x + 2*pg + 64).load(&s); s.r[0].gid != 1 || s.r[0].mask != 0xff {
		t.Errorf("a word of the expanded page has %+v, want goroutine 1's read", s)
	}
}

func TestReportDrains(t *testing.T) {
	h := newHarness(t)
	if reps := h.Run(AAdd(1, x), R(2, x)); len(reps) != 1 {
		t.Fatalf("got %d reports", len(reps))
	}
	if reps := h.d.Report(); len(reps) != 0 {
		t.Errorf("second Report returned %d reports", len(reps))
	}
}

func TestIgnoredPC(t *testing.T) {
	var pcs [8]uintptr
	n := runtime.Callers(1, pcs[:]) // this function, testing.tRunner, runtime.goexit
	if n != 3 {
		t.Fatalf("%d callers", n)
	}
	c := siteCache{code: atomicCode()}
	if v := c.verdict(pcs[0]); v != keep {
		t.Errorf("test function's verdict %d", v)
	}
	if v := c.verdict(pcs[1]); v != keep {
		t.Errorf("testing.tRunner's verdict %d", v)
	}
	if v := c.verdict(pcs[2]); v != ignore {
		t.Errorf("runtime.goexit's verdict %d", v)
	}
	if v := c.verdict(0x10); v != unknown {
		t.Errorf("verdict of a PC in no function: %d", v)
	}
	g := &race.Goroutine{ID: 1}
	if c.site(pcs[0], 0, g) != (atomicSite{v: keep, pc: pcs[0]}) || c.site(pcs[2], 0, g).v != ignore ||
		c.site(0x10, 0, g) != (atomicSite{v: keep, pc: 0x10}) || c.site(0x10, 0, g) != (atomicSite{v: keep, pc: 0x10, lazy: true}) {
		t.Errorf("site")
	}
}

// TestMallocDoesNotAllocate checks that OnMalloc and OnFree do not allocate.
func TestMallocDoesNotAllocate(t *testing.T) {
	h := newHarness(t)
	eventtest.NoDropAllocs(t, 10, func() {
		h.Run(WR(1, x, 2*pg), AAdd(2, x+8), R(3, x+2*pg+3), AAdd(1, x+2*pg).Width(4),
			RR(3, x+5*pg, 64), W(1, x+9*pg))
	}, func() {
		h.d.OnFree(x+2*pg+2, 4)
		h.d.OnFree(x+8, 8)
		h.d.OnMalloc(x, 2*pg)
		h.d.OnFree(x+5*pg, pg)
		h.d.OnMalloc(x-1<<30, 2<<30)
		h.d.OnFree(x+9*pg, 0)
		h.d.OnFree(^uintptr(0)-pg, 2*pg)
	})
	for _, a := range []uintptr{x, x + 8, x + pg, x + 2*pg, x + 5*pg, x + 9*pg} {
		if w := h.d.shadow.Lookup(a); w.meta.Load() != 0 || w.who.Load() != 0 || w.farMeta() != 0 || w.farWho() != 0 {
			t.Errorf("shadow of %#x not reset: %#x", a, w.meta.Load())
		}
	}
}

// TestRaceConcurrent drives the detector from real goroutines: each adds
// atomically to a shared counter and writes its own bytes; one reads the
// counter plainly, once every goroutine has added to it (so that the read
// is the access reported). Exactly the counter is reported.
func TestRaceConcurrent(t *testing.T) {
	const n, iters = 6, 500
	d := newDetector()
	main := &race.Goroutine{ID: 1}
	counter := x + 300*pg
	var added sync.WaitGroup
	added.Add(n)
	eventtest.Concurrently(d, main, n, func(i int, g *race.Goroutine) {
		own := x + uintptr(i)*4*pg
		for j := range iters {
			a := race.Access{G: g, Addr: counter, Size: 8, PC: 0x1000}
			d.OnAtomic(race.AtomicAccess{Access: a, Op: race.AtomicAdd, Width: 8})
			if j == 0 {
				added.Done()
			}
			d.OnWrite(race.Access{G: g, Addr: own + uintptr(j%512)*8, Size: 1, PC: 0x2000})
			d.OnWriteRange(race.Access{G: g, Addr: own + pg, Size: 256, PC: 0x2100})
			tmp := x + 100*pg + uintptr(i)*pg
			d.OnMalloc(tmp, pg)
			d.OnWrite(race.Access{G: g, Addr: tmp + uintptr(j%512)*8, Size: 1, PC: 0x2200})
			d.OnFree(tmp, pg)
			if i == 0 && j == iters/2 {
				added.Wait()
				d.OnRead(race.Access{G: g, Addr: counter, Size: 1, PC: 0x3000})
			}
		}
		d.OnGoEnd(g)
	})
	reps := d.Report()
	if len(reps) != 1 || reps[0].Accesses[0].PC != 0x3000 {
		t.Errorf("want one report of the plain read:\n%s", eventtest.Format(reps))
	}
}

func BenchmarkPlainWrite(b *testing.B) {
	d := newDetector()
	a := race.Access{G: &race.Goroutine{ID: 1}, Addr: x, Size: 1, PC: 0x1000}
	for b.Loop() {
		d.OnWrite(a)
	}
}

func BenchmarkAtomicAdd(b *testing.B) {
	d := newDetector()
	a := race.AtomicAccess{Access: race.Access{G: &race.Goroutine{ID: 1}, Addr: x, Size: 8, PC: 0x1000}, Op: race.AtomicAdd, Width: 8}
	for b.Loop() {
		d.OnAtomic(a)
	}
}

func BenchmarkWriteRange64(b *testing.B) {
	d := newDetector()
	a := race.Access{G: &race.Goroutine{ID: 1}, Addr: x, Size: 64, PC: 0x1000}
	for b.Loop() {
		d.OnWriteRange(a)
	}
}
