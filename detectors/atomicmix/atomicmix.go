// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package atomicmix

import (
	"math"
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"

	"drace/detectors/internal/pkgpath"
	"drace/detectors/internal/shadow"
)

// Policy is the mixed atomic/plain access detector.
var Policy = &race.Policy{
	Name: "atomicmix",
	Doc: `report memory accessed both with sync/atomic and with plain loads and stores

atomicmix reports a location that one goroutine accesses through sync/atomic
and another through plain reads or writes, whether or not the observed
execution ordered the two: a variable that needs atomics somewhere needs
them everywhere, and a schedule that happened to order the accesses hides
the race from happens-before detectors. Mixing within one goroutine, and
plain initialisation (accesses to memory still private to a goroutine, or
made by a goroutine before it started the one that uses atomics) before
the first atomic are not reported.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

const (
	pageShift    = shadow.PageShift
	pageSize     = shadow.PageSize
	wordsPerPage = shadow.WordsPerPage

	// maxAncestors is how many of its nearest ancestors a goroutine
	// remembers, to tell initialisation before it started from mixing.
	maxAncestors = 8
)

// A rec is one recorded access: who made it, where, and, for a plain
// access, the detector's fork count when it was made and whether the word
// was then private to the goroutine.
type rec struct {
	gid   int64
	pc    uintptr
	stack race.StackID
	forks uint64
	op    race.AtomicOp // 0 for a plain access
	write bool
	// init is set for a plain access made while no other goroutine had
	// accessed the word and no atomic had: taken for initialisation
	// before publication.
	init bool
	// lazy is set for the current atomic access while pc is in
	// sync/atomic: resolve finds its caller when it is recorded or
	// reported. Recorded accesses are never lazy.
	lazy bool
}

// resolve sets r.pc to the caller of the atomic, for a lazy r.
func (r *rec) resolve() {
	if r.lazy {
		r.pc = findSite(r.pc).pc
		r.lazy = false
	}
}

// A cell records the accesses of one sort (atomic or plain) to one byte
// span [off, off+size) of a word, by at most two goroutines: two are
// enough to find, for any goroutine, an access by another one. For each,
// the first atomic access; or the first plain access since the last
// goroutine start in the program (the fork count changed) and since the
// word stopped being private.
type cell struct {
	off, size uint8
	atomic    bool
	n         uint8
	recs      [2]rec
}

func (c *cell) add(r rec) {
	for i := range c.recs[:c.n] {
		if o := &c.recs[i]; o.gid == r.gid {
			if o.forks != r.forks || o.init && !r.init {
				*o = r
			}
			return
		}
	}
	if c.n < 2 {
		c.recs[c.n] = r
		c.n++
	}
}

// A word is the record of an aligned 8-byte word: a cell per distinct
// (sort, span) accessed in it.
type word struct {
	// reported has a bit per byte of the word whose mixing (as the span
	// of an atomic) has been reported.
	reported uint8
	// born is the fork count when the word's memory was allocated, if
	// known (see births), else 0: the word is older than any goroutine
	// started since.
	born   uint64
	cells  []cell
	inline [1]cell
}

// A page is the record of an aligned 4 KiB page: its words.
type page struct {
	nwords int32
	words  [wordsPerPage]*word
}

// A gstate is a goroutine's state: its id and its nearest ancestors, each
// with the fork count at which it started the next goroutine on the path
// to this one.
type gstate struct {
	id   int64
	nanc int
	anc  [maxAncestors]ancestor
}

type ancestor struct {
	gid   int64
	forks uint64
}

type detector struct {
	pages shadow.Table[page, *page]
	// forks counts goroutine starts: a plain access records it, so that
	// an access by an ancestor can be placed before or after the start
	// of its descendant.
	forks  atomic.Uint64
	births births

	ignored siteCache

	repMu   race.SpinLock
	reports []race.Report
}

func newDetector() *detector { return new(detector) }

// state returns g's state, creating it for a goroutine that started before
// the detector.
func (d *detector) state(g *race.Goroutine) *gstate {
	s, ok := g.State.(*gstate)
	if !ok {
		s = &gstate{id: g.ID}
		g.State = s
	}
	return s
}

// OnGoStart implements race.GoroutineDetector: the child's ancestors are
// the parent, at the current fork count, and the parent's ancestors.
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if child == nil {
		return
	}
	cs := &gstate{id: child.ID}
	child.State = cs
	if parent == nil {
		return
	}
	ps := d.state(parent)
	n := d.forks.Add(1)
	d.births.setForks(n)
	cs.anc[0] = ancestor{ps.id, n}
	cs.nanc = 1 + copy(cs.anc[1:], ps.anc[:ps.nanc])
}

// OnGoEnd implements race.GoroutineDetector.
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g != nil {
		g.State = nil
	}
}

// initialisation reports whether the plain access r, by another
// goroutine, to a word born at fork count born, is initialisation before
// g's atomic: made while the word was private to its goroutine (before
// publication) or, by an ancestor of g, before it started the goroutine on
// the path to g. An ancestor's access to memory allocated before that
// start (which the goroutine may have captured) is initialisation only
// before the start, private or not.
func (g *gstate) initialisation(r *rec, born uint64) bool {
	for i := range g.anc[:g.nanc] {
		if a := &g.anc[i]; a.gid == r.gid {
			return r.forks < a.forks || r.init && born >= a.forks
		}
	}
	return r.init
}

// OnRead implements race.Detector.
func (d *detector) OnRead(a race.Access) { d.access(&a, 0, false, false) }

// OnWrite implements race.Detector.
func (d *detector) OnWrite(a race.Access) { d.access(&a, 0, true, false) }

// OnReadRange implements race.RangeDetector.
func (d *detector) OnReadRange(a race.Access) { d.access(&a, 0, false, false) }

// OnWriteRange implements race.RangeDetector.
func (d *detector) OnWriteRange(a race.Access) { d.access(&a, 0, true, false) }

// OnAtomic implements race.AtomicDetector. Atomics made by the runtime,
// package sync and internal packages on their own state (a sync.Mutex's
// state word, a WaitGroup's counter) are ignored: only the program's
// atomics define atomic locations. The access is recorded with the PC of
// the function that made it (see siteCache.site).
func (d *detector) OnAtomic(a race.AtomicAccess) {
	if a.Width == 0 {
		return
	}
	site := d.ignored.site(a.PC, a.Stack)
	if site.v == ignore {
		return
	}
	a.PC = site.pc
	a.Size = uintptr(a.Width)
	d.access(&a.Access, a.Op, a.Op != race.AtomicLoad, site.lazy)
}

// access records a plain (op 0) or atomic access and checks it against the
// accesses of the other sort by other goroutines to overlapping bytes.
func (d *detector) access(a *race.Access, op race.AtomicOp, write, lazy bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	g := d.state(a.G)
	r := rec{gid: a.G.ID, pc: a.PC, stack: a.Stack, op: op, write: write, lazy: lazy}
	if op == 0 {
		r.forks = d.forks.Load()
	}
	addr, end := a.Addr, a.Addr+a.Size
	if end < addr {
		end = math.MaxUint
	}
	for addr < end {
		key := addr >> pageShift
		s, p := d.pages.Lock(key, true)
		pend := (key + 1) << pageShift
		if pend > end || pend == 0 {
			pend = end
		}
		for addr < pend {
			base := addr &^ 7
			hi := min(pend-base, 8)
			lo := addr - base
			d.accessWord(p, int(addr>>3)%wordsPerPage, base, uint8(lo), uint8(hi-lo), g, a, &r)
			addr = base + 8
			if addr == 0 {
				break // wrapped
			}
		}
		s.Unlock()
		if addr == 0 {
			break
		}
	}
}

// accessWord checks and records the access r by g to [off, off+size) of
// the word at base, in p, with p's shard locked.
func (d *detector) accessWord(p *page, slot int, base uintptr, off, size uint8, g *gstate, a *race.Access, r *rec) {
	w := p.words[slot]
	if w == nil {
		w = new(word)
		w.cells = w.inline[:0]
		w.born = d.births.lookup(base)
		p.words[slot] = w
		p.nwords++
	}
	atomicAccess := r.op != 0
	own := -1
	private := !atomicAccess
	for i := range w.cells {
		c := &w.cells[i]
		if private && (c.atomic || c.n == 2 || c.recs[0].gid != r.gid) {
			private = false
		}
		if c.atomic == atomicAccess {
			if c.off == off && c.size == size {
				own = i
			}
			continue
		}
		if c.off >= off+size || off >= c.off+c.size {
			continue
		}
		// The location is the atomic's span.
		loff, lsize := c.off, c.size
		if atomicAccess {
			loff, lsize = off, size
		}
		bits := uint8((1<<lsize - 1) << loff)
		if w.reported&bits == bits {
			continue
		}
		for j := range c.recs[:c.n] {
			prev := &c.recs[j]
			if prev.gid == r.gid || atomicAccess && g.initialisation(prev, w.born) {
				continue
			}
			w.reported |= bits
			r.resolve()
			d.report(a, r, prev, base+uintptr(c.off), uintptr(c.size), base+uintptr(loff), uintptr(lsize))
			break
		}
	}
	if own < 0 {
		w.cells = append(w.cells, cell{off: off, size: size, atomic: atomicAccess})
		own = len(w.cells) - 1
	}
	c := &w.cells[own]
	if r.lazy && c.n < 2 && (c.n == 0 || c.recs[0].gid != r.gid) {
		r.resolve() // recorded
	}
	nr := *r
	nr.init = private
	c.add(nr)
}

func (d *detector) report(a *race.Access, cur, prev *rec, prevAddr, prevSize, loc, locSize uintptr) {
	msg := "mixed atomic and plain access to 0x" + strconv.FormatUint(uint64(loc), 16) +
		" (" + strconv.FormatUint(uint64(locSize), 10) + " bytes)"
	rep := race.Report{
		Kind:    "MIXED ATOMIC ACCESS",
		Message: msg,
		Accesses: []race.ReportAccess{
			{Write: cur.write, Atomic: cur.op != 0, Addr: a.Addr, Size: a.Size, G: cur.gid, Stack: cur.stack, PC: cur.pc},
			{Previous: true, Write: prev.write, Atomic: prev.op != 0, Addr: prevAddr, Size: prevSize, G: prev.gid, Stack: prev.stack, PC: prev.pc},
		},
	}
	d.repMu.Lock()
	d.reports = append(d.reports, rep)
	d.repMu.Unlock()
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	d.repMu.Lock()
	r := d.reports
	d.reports = nil
	d.repMu.Unlock()
	return r
}

// OnMalloc implements race.MemoryDetector: newly allocated memory starts
// with no history, born now.
func (d *detector) OnMalloc(addr, size uintptr) {
	d.pages.Drop(addr, size)
	d.births.record(addr, size)
}

// OnFree implements race.MemoryDetector: freed memory's history is dropped.
func (d *detector) OnFree(addr, size uintptr) { d.pages.Drop(addr, size) }

// Drop implements shadow.Page: it drops the records of p in [lo, hi]
// (inclusive). It runs inside the allocator, so it must not allocate.
func (p *page) Drop(start, lo, hi uintptr) bool {
	if lo != start || hi != start+pageSize-1 {
		p.nwords -= int32(shadow.DropWords(&p.words, start, lo, hi))
		if p.nwords > 0 {
			return false
		}
	}
	return true
}

// Clip implements shadow.Word: it drops the cells of w that overlap
// [lo, hi), and their reported bits.
func (w *word) Clip(lo, hi uint8) bool {
	w.cells = shadow.Clip(w.cells, lo, hi)
	w.reported &^= uint8((1<<(hi-lo) - 1) << lo)
	return len(w.cells) == 0
}

// Span implements shadow.Span.
func (c *cell) Span() (off, size uint8) { return c.off, c.size }

// A verdict is whether the atomics made at a PC are ignored.
type verdict uint8

const (
	unknown verdict = iota // only sync/atomic frames: look further out
	keep
	ignore
)

// An atomicSite is what the detector knows of an atomic: whether it is
// ignored and the return address into the function that made it, unless
// lazy (pc is then the caller PC the runtime gave, in sync/atomic).
type atomicSite struct {
	v    verdict
	pc   uintptr
	lazy bool
}

type siteKey struct {
	pc    uintptr
	stack race.StackID
}

// A siteCache remembers the verdicts of atomics' caller PCs and, for PCs in
// sync/atomic itself, of each (PC, stack).
type siteCache struct {
	shards [16]struct {
		mu    race.SpinLock
		pcs   map[uintptr]verdict
		sites map[siteKey]verdict
		_     [40]byte
	}
}

// site returns whether the atomic at caller pc with stack is made by the
// runtime, package sync or an internal std package, and the return address
// into the function that made it.
//
// The runtime reports as the caller of an atomic the return address into
// the function that called the sync/atomic assembly: for a call through an
// ABI wrapper (sync/atomic.AddInt64 <autogenerated>) or an atomic type's
// method, a PC in sync/atomic, and the stack then lacks the function
// that made the call. For such a PC, the first atomic at each (pc, stack)
// finds that function on the goroutine's own stack (race.Callers), and
// its verdict is cached; later ones reuse the verdict (the function that
// made them is found again only if they are recorded or reported, as a
// stack can be shared by different callers: the roots of goroutines have
// the same).
func (c *siteCache) site(pc uintptr, stack race.StackID) atomicSite {
	if pc == 0 {
		return atomicSite{v: keep}
	}
	s := &c.shards[(pc>>4^uintptr(stack))%uintptr(len(c.shards))]
	s.mu.Lock()
	v, ok := s.pcs[pc]
	s.mu.Unlock()
	if !ok {
		v = pcVerdict(pc)
		s.mu.Lock()
		if s.pcs == nil {
			s.pcs = make(map[uintptr]verdict)
		}
		s.pcs[pc] = v
		s.mu.Unlock()
	}
	if v != unknown {
		return atomicSite{v: v, pc: pc}
	}
	key := siteKey{pc, stack}
	s.mu.Lock()
	v, ok = s.sites[key]
	s.mu.Unlock()
	if ok {
		return atomicSite{v: v, pc: pc, lazy: true}
	}
	site := findSite(pc)
	s.mu.Lock()
	if s.sites == nil {
		s.sites = make(map[siteKey]verdict)
	}
	s.sites[key] = site.v
	s.mu.Unlock()
	return site
}

// findSite looks for the atomic's caller on the current goroutine's stack:
// the first frame out of the sync/atomic frames (race.Callers, as
// runtime.Callers, elides the ABI wrappers) below the detector's and the
// runtime's. If there is none, the atomic is kept with its PC.
func findSite(pc uintptr) atomicSite {
	var buf [64]uintptr
	inAtomic := false
	for _, f := range race.Frames(buf[:race.Callers(1, buf[:])]) {
		switch pkg := pkgpath.Of(f.Function); {
		case pkg == "sync/atomic":
			inAtomic = true
		case inAtomic && f.Function != "":
			v := keep
			if ignoredPackage(pkg) {
				v = ignore
			}
			return atomicSite{v: v, pc: f.PC + 1} // a return address, as PCs in reports are
		}
	}
	return atomicSite{v: keep, pc: pc}
}

// pcVerdict returns the verdict of the innermost frame outside
// sync/atomic at the return address pc, inlined calls expanded.
func pcVerdict(pc uintptr) verdict {
	for _, f := range race.Frames([]uintptr{pc}) {
		if pkg := pkgpath.Of(f.Function); f.Function != "" && pkg != "sync/atomic" {
			if ignoredPackage(pkg) {
				return ignore
			}
			return keep
		}
	}
	return unknown
}

func ignoredPackage(pkg string) bool {
	return pkgpath.IsRuntime(pkg) || pkg == "sync" || strings.HasPrefix(pkg, "internal/")
}

// births remembers when recent allocations were made (the fork count), so
// that a word can tell, when first accessed, whether its memory is older
// than a goroutine. It is a direct-mapped table by 512-byte chunk of
// address: an allocation is recorded in each chunk of its first 4 KiB,
// replacing the previous allocation there. A word whose chunk records
// another allocation is taken to be old (born 0). It is filled by
// OnMalloc, so it never allocates and uses no sync/atomic: each stripe of
// slots has its own copy of the fork count, set by OnGoStart under the
// stripe's lock.
type births struct {
	stripes [64]struct {
		mu    race.SpinLock
		forks uint64
		_     [48]byte
	}
	slots [birthSlots]birth
}

// setForks sets the fork count of every stripe to n, if larger.
func (b *births) setForks(n uint64) {
	for i := range b.stripes {
		s := &b.stripes[i]
		s.mu.Lock()
		s.forks = max(s.forks, n)
		s.mu.Unlock()
	}
}

type birth struct {
	addr, end uintptr
	forks     uint64
}

const (
	birthShift     = 9
	birthSlots     = 1 << 14
	birthMaxChunks = 8
)

func (b *births) record(addr, size uintptr) {
	if size == 0 || addr+size < addr {
		return
	}
	k, klast := addr>>birthShift, (addr+size-1)>>birthShift
	for n := 0; k <= klast && n < birthMaxChunks; k, n = k+1, n+1 {
		i := k % birthSlots
		s := &b.stripes[i%uintptr(len(b.stripes))]
		s.mu.Lock()
		b.slots[i] = birth{addr, addr + size, s.forks}
		s.mu.Unlock()
	}
}

// lookup returns the fork count at the allocation of the memory at a, or
// 0 if it is not known.
func (b *births) lookup(a uintptr) uint64 {
	i := (a >> birthShift) % birthSlots
	s := &b.stripes[i%uintptr(len(b.stripes))]
	s.mu.Lock()
	r := b.slots[i]
	s.mu.Unlock()
	if r.addr <= a && a < r.end {
		return r.forks
	}
	return 0
}
