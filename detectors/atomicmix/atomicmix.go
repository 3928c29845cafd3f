// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package atomicmix

import (
	"math"
	"runtime"
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"
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
plain initialisation by a goroutine before it starts the goroutines that
use atomics, are not reported.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

const (
	pageShift    = 12
	pageSize     = 1 << pageShift
	wordsPerPage = pageSize / 8
	nshards      = 64

	// When OnMalloc or OnFree covers more pages than this and more than
	// the detector has, it scans the page tables rather than looking up
	// every page of the range.
	scanThreshold = 64

	// maxAncestors is how many of its nearest ancestors a goroutine
	// remembers, to tell initialisation before it started from mixing.
	maxAncestors = 8
)

// A rec is one recorded access: who made it, where, and (for a plain
// access) the detector's fork count when it was made.
type rec struct {
	gid   int64
	pc    uintptr
	stack race.StackID
	forks uint64
	op    race.AtomicOp // 0 for a plain access
	write bool
}

// A cell records the accesses of one sort (atomic or plain) to one byte
// span [off, off+size) of a word: the first access, and the first by a
// goroutine other than the first's. Two distinct goroutines are enough to
// find, for any goroutine, an access by another one.
type cell struct {
	off, size uint8
	atomic    bool
	n         uint8
	recs      [2]rec
}

func (c *cell) add(r rec) {
	switch {
	case c.n == 0:
		c.recs[0] = r
		c.n = 1
	case c.n == 1 && c.recs[0].gid != r.gid:
		c.recs[1] = r
		c.n = 2
	}
}

// A word is the record of an aligned 8-byte word: a cell per distinct
// (sort, span) accessed in it.
type word struct {
	// reported has a bit per byte of the word whose mixing (as the span
	// of an atomic) has been reported.
	reported uint8
	cells    []cell
	inline   [1]cell
}

// A page is the record of an aligned 4 KiB page: its words.
type page struct {
	nwords int32
	words  [wordsPerPage]*word
}

type shard struct {
	mu    race.SpinLock
	pages map[uintptr]*page
	_     [48]byte // keep shards' locks on separate cache lines
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
	shards [nshards]shard
	npages atomic.Int64
	// forks counts goroutine starts: a plain access records it, so that
	// an access by an ancestor can be placed before or after the start
	// of its descendant.
	forks atomic.Uint64

	ignored pcCache

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
	cs.anc[0] = ancestor{ps.id, d.forks.Add(1)}
	cs.nanc = 1 + copy(cs.anc[1:], ps.anc[:ps.nanc])
}

// OnGoEnd implements race.GoroutineDetector.
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g != nil {
		g.State = nil
	}
}

// initialisation reports whether the plain access r was made by an
// ancestor of g before it started the goroutine on the path to g.
func (g *gstate) initialisation(r *rec) bool {
	for i := range g.anc[:g.nanc] {
		if a := &g.anc[i]; a.gid == r.gid {
			return r.forks < a.forks
		}
	}
	return false
}

// OnRead implements race.Detector.
func (d *detector) OnRead(a race.Access) { d.access(&a, 0, false) }

// OnWrite implements race.Detector.
func (d *detector) OnWrite(a race.Access) { d.access(&a, 0, true) }

// OnReadRange implements race.RangeDetector.
func (d *detector) OnReadRange(a race.Access) { d.access(&a, 0, false) }

// OnWriteRange implements race.RangeDetector.
func (d *detector) OnWriteRange(a race.Access) { d.access(&a, 0, true) }

// OnAtomic implements race.AtomicDetector. Atomics made by the runtime,
// package sync and internal packages on their own state (a sync.Mutex's
// state word, a WaitGroup's counter) are ignored: only the program's
// atomics define atomic locations.
func (d *detector) OnAtomic(a race.AtomicAccess) {
	if a.Width == 0 || d.ignored.ignore(a.PC) {
		return
	}
	a.Size = uintptr(a.Width)
	d.access(&a.Access, a.Op, a.Op != race.AtomicLoad)
}

func (d *detector) shardFor(key uintptr) *shard { return &d.shards[key%nshards] }

// access records a plain (op 0) or atomic access and checks it against the
// accesses of the other sort by other goroutines to overlapping bytes.
func (d *detector) access(a *race.Access, op race.AtomicOp, write bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	g := d.state(a.G)
	r := rec{gid: a.G.ID, pc: a.PC, stack: a.Stack, op: op, write: write}
	if op == 0 {
		r.forks = d.forks.Load()
	}
	addr, end := a.Addr, a.Addr+a.Size
	if end < addr {
		end = math.MaxUint
	}
	for addr < end {
		key := addr >> pageShift
		s := d.shardFor(key)
		s.mu.Lock()
		p := s.pages[key]
		if p == nil {
			s.mu.Unlock()
			np := new(page) // allocate outside the lock
			s.mu.Lock()
			if p = s.pages[key]; p == nil {
				if s.pages == nil {
					s.pages = make(map[uintptr]*page)
				}
				p = np
				s.pages[key] = p
				d.npages.Add(1)
			}
		}
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
		s.mu.Unlock()
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
		p.words[slot] = w
		p.nwords++
	}
	atomicAccess := r.op != 0
	own := -1
	for i := range w.cells {
		c := &w.cells[i]
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
			if prev.gid == r.gid || atomicAccess && g.initialisation(prev) {
				continue
			}
			w.reported |= bits
			d.report(a, r, prev, base+uintptr(c.off), uintptr(c.size), base+uintptr(loff), uintptr(lsize))
			break
		}
	}
	if own < 0 {
		w.cells = append(w.cells, cell{off: off, size: size, atomic: atomicAccess})
		own = len(w.cells) - 1
	}
	w.cells[own].add(*r)
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
// with no history.
func (d *detector) OnMalloc(addr, size uintptr) { d.drop(addr, size) }

// OnFree implements race.MemoryDetector: freed memory's history is dropped.
func (d *detector) OnFree(addr, size uintptr) { d.drop(addr, size) }

// drop forgets the records of [addr, addr+size). It runs inside the
// allocator, so it must not allocate.
func (d *detector) drop(addr, size uintptr) {
	if size == 0 {
		return
	}
	last := addr + size - 1 // inclusive
	if last < addr {
		last = math.MaxUint
	}
	kfirst, klast := addr>>pageShift, last>>pageShift
	if n := klast - kfirst + 1; n > scanThreshold && int64(n) > d.npages.Load() {
		for i := range d.shards {
			s := &d.shards[i]
			s.mu.Lock()
			for k, p := range s.pages {
				if kfirst <= k && k <= klast {
					d.dropInPage(s, k, p, addr, last)
				}
			}
			s.mu.Unlock()
		}
		return
	}
	for k := kfirst; ; k++ {
		s := d.shardFor(k)
		s.mu.Lock()
		if p := s.pages[k]; p != nil {
			d.dropInPage(s, k, p, addr, last)
		}
		s.mu.Unlock()
		if k == klast {
			break
		}
	}
}

// dropInPage drops the records of page k (p) in [addr, last] (inclusive),
// with s.mu held. A page left empty is removed.
func (d *detector) dropInPage(s *shard, k uintptr, p *page, addr, last uintptr) {
	pstart := k << pageShift
	plast := pstart + pageSize - 1
	lo, hi := max(addr, pstart), min(last, plast)
	if lo != pstart || hi != plast {
		for slot := (lo - pstart) >> 3; slot <= (hi-pstart)>>3; slot++ {
			w := p.words[slot]
			if w == nil {
				continue
			}
			wbase := pstart + slot*8
			if lo <= wbase && wbase+7 <= hi {
				p.words[slot] = nil
				p.nwords--
				continue
			}
			clo, chi := uint8(max(lo, wbase)-wbase), uint8(min(hi, wbase+7)-wbase+1)
			n := 0
			for i := range w.cells {
				if c := &w.cells[i]; c.off >= chi || clo >= c.off+c.size {
					w.cells[n] = *c
					n++
				}
			}
			clear(w.cells[n:])
			w.cells = w.cells[:n]
			w.reported &^= uint8((1<<(chi-clo) - 1) << clo)
			if n == 0 {
				p.words[slot] = nil
				p.nwords--
			}
		}
		if p.nwords > 0 {
			return
		}
	}
	delete(s.pages, k)
	d.npages.Add(-1)
}

// A pcCache remembers, per PC, whether atomics made there are ignored.
type pcCache struct {
	shards [16]struct {
		mu race.SpinLock
		m  map[uintptr]bool
		_  [40]byte
	}
}

func (c *pcCache) ignore(pc uintptr) bool {
	s := &c.shards[(pc>>4)%uintptr(len(c.shards))]
	s.mu.Lock()
	v, ok := s.m[pc]
	s.mu.Unlock()
	if ok {
		return v
	}
	v = ignoredPC(pc)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[uintptr]bool)
	}
	s.m[pc] = v
	s.mu.Unlock()
	return v
}

// ignoredPC reports whether pc, a return address, is in the runtime,
// package sync (not sync/atomic) or an internal package.
func ignoredPC(pc uintptr) bool {
	if pc == 0 {
		return false
	}
	f := runtime.FuncForPC(pc - 1)
	if f == nil {
		return false
	}
	pkg := funcPackage(f.Name())
	return pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || pkg == "sync" ||
		strings.HasPrefix(pkg, "internal/")
}

// funcPackage returns the import path of the package of the function
// named name, as runtime.Func.Name spells it ("path/to/pkg.(*T).M").
func funcPackage(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i] // type arguments may contain paths
	}
	slash := strings.LastIndexByte(name, '/')
	if i := strings.IndexByte(name[slash+1:], '.'); i >= 0 {
		return name[:slash+1+i]
	}
	return name
}
