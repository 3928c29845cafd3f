// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"math"
	"runtime/race"
	"sync/atomic"

	"drace/detectors/internal/shadow"
	"drace/toolkit/vclock"
)

// Policy is the FastTrack detector.
var Policy = &race.Policy{
	Name: "fasttrack",
	Doc: `report data races by vector-clock happens-before (FastTrack)

FastTrack (Flanagan and Freund, PLDI 2009) reports two accesses to
overlapping bytes, at least one a write and at most one a sync/atomic
operation, that are not ordered by the happens-before relation of the
observed execution (goroutine creation, every acquire/release edge the
runtime reports, and the global acquire before finalizers and cleanups).
It has no false positives when all synchronisation is seen, and misses
races that the observed schedule happened to order.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

// info remembers who made the access that set an epoch, for reports.
type info struct {
	gid   int64
	pc    uintptr
	stack race.StackID
	// reported is set once this access has been reported as one side of
	// a race in its cell, so that a racing (cell, access) pair is
	// reported once.
	reported bool
}

// A readSet is a cell's read state in read-shared mode: a read vector clock
// and, per reader, who made the read.
type readSet struct {
	vc   vclock.Clock
	info []info
}

func (s *readSet) set(t, clock uint32, in info) {
	if int(t) >= len(s.vc) {
		n := int(t) + 1
		s.vc = append(s.vc, make(vclock.Clock, n-len(s.vc))...)
		s.info = append(s.info, make([]info, n-len(s.info))...)
	}
	s.vc[t] = clock
	s.info[t] = in
}

// A cell is the FastTrack state of one byte span [off, off+size) of an
// 8-byte word: the span of one access (clipped to the word).
type cell struct {
	off, size uint8
	w         vclock.Epoch // last write
	r         vclock.Epoch // last read, when shared is nil
	winfo     info
	rinfo     info
	shared    *readSet // read-shared mode
	// atomics records the sync/atomic operations on the span, nil if
	// there were none since the last plain write.
	atomics *atomicState
}

// An atomicState is the record of the atomic operations on a cell's span.
// Atomics conflict only with plain accesses, so they are kept apart from W
// and R: an atomic is checked against the plain write (and, for an atomic
// write, the plain reads), a plain access against the atomic writes (and,
// for a plain write, the atomic reads). Atomic writes may be concurrent
// with one another, so writes, like reads, are an epoch or, once two are
// concurrent, a vector clock.
type atomicState struct {
	w, r accessSet
}

// An accessSet is FastTrack's adaptive record of accesses of one kind:
// the epoch of the last one while each is ordered after the previous, or a
// vector clock (shared) once two are concurrent.
type accessSet struct {
	e      vclock.Epoch
	in     info
	shared *readSet
}

// has reports whether s records an access in epoch e.
func (s *accessSet) has(e vclock.Epoch) bool {
	if s.shared != nil {
		return s.shared.vc.Get(e.Slot()) == e.Clock()
	}
	return s.e == e
}

// add records an access in epoch e by a goroutine whose clock is cv.
func (s *accessSet) add(e vclock.Epoch, cv vclock.Clock, in info) {
	switch {
	case s.shared != nil:
		s.shared.set(e.Slot(), e.Clock(), in)
	case s.e.Before(cv):
		s.e, s.in = e, in
	default:
		rs := new(readSet)
		rs.set(s.e.Slot(), s.e.Clock(), s.in)
		rs.set(e.Slot(), e.Clock(), in)
		*s = accessSet{shared: rs}
	}
}

// A word is the shadow of an aligned 8-byte word: the cells of the distinct
// spans accessed in it. The spans of a word's cells are distinct, so there
// are at most 36.
type word struct {
	cells  []cell
	inline [1]cell
}

const (
	pageShift    = shadow.PageShift
	pageSize     = shadow.PageSize
	wordsPerPage = shadow.WordsPerPage
)

// A page is the shadow of an aligned 4 KiB page: its words and the
// happens-before clocks of its synchronisation addresses.
type page struct {
	mu race.SpinLock
	// dead is set, under mu, when the page is dropped from its shard, so
	// that a goroutine holding it in its cache looks it up again.
	dead bool
	// gen counts the drops (OnMalloc, OnFree) in the page, to invalidate
	// the goroutines' last-access caches.
	gen    atomic.Uint32
	nwords int32
	words  [wordsPerPage]*word
	syncs  map[uintptr]*syncVar
}

// A syncVar is the clock L_m of a synchronisation address m.
type syncVar struct {
	vc vclock.Clock
	// ver counts the releases into vc, so that an acquire can tell that
	// vc has not changed since the goroutine last joined it.
	ver uint64
}

// gstate is the detector's per-goroutine state.
type gstate struct {
	// Thread is the goroutine's clock C_t and its slot t (see the
	// package documentation).
	vclock.Thread
	// The last page the goroutine touched, to skip the shard lookup.
	pkey uintptr
	page *page
	// The goroutine's last access, when it was within one page.
	last lastAccess
	// gen is the detector's acquire-all generation the goroutine's
	// current epoch began in.
	gen uint32
	// acq records the sync clock an atomic load or read-modify-write
	// joined before its access, so that the acquire that follows for
	// the same operation need not join it again.
	acq struct {
		addr uintptr
		v    *syncVar
		ver  uint64
	}
}

// A lastAccess remembers a goroutine's last access, so that repeating it in
// the same epoch costs no lock. FastTrack would skip the repeat anyway (the
// cell still records this epoch) unless, since, another goroutine has
// written the span, which it can only do racily as no one can be ordered
// after an epoch that is still current: that race has been reported, and
// only a second report of it is lost. A drop in the page (OnMalloc, OnFree)
// changes the page's gen and so invalidates the entry. A cached write also
// stands for a read of the same span in the same epoch, as ThreadSanitizer
// does: a later conflicting write races with the write.
type lastAccess struct {
	addr, size uintptr
	e          vclock.Epoch
	write      bool
	gen        uint32
	page       *page
}

// tick starts a new epoch of g.
func (d *detector) tick(g *gstate) { d.slots.Tick(&g.Thread) }

type detector struct {
	slots vclock.Slots
	pages shadow.Table[page, *page]

	// gen counts the OnAcquireAll calls, so that every goroutine starts a
	// new epoch at its first event after one.
	gen atomic.Uint32

	repMu   race.SpinLock
	reports []race.Report
	seen    map[sitePair]bool
}

func newDetector() *detector {
	return &detector{seen: make(map[sitePair]bool)}
}

// newState returns the state of a new goroutine whose clock, before its
// first epoch, is vc (nil for a goroutine whose parent is not known): a
// slot, and C_t = inc_t(vc).
func (d *detector) newState(vc vclock.Clock) *gstate {
	g := &gstate{Thread: vclock.Thread{C: vc}}
	// Load gen before publishing the clock: an OnAcquireAll that the
	// goroutine does not see in gen may have missed its clock, but then
	// the goroutine had done nothing yet.
	g.gen = d.gen.Load()
	d.slots.Attach(&g.Thread)
	return g
}

// state returns g's state, creating it for a goroutine that started before
// the detector. After an OnAcquireAll, the goroutine's first event starts a
// new epoch, so that what it does from then on is not ordered before the
// goroutine that acquired all.
func (d *detector) state(g *race.Goroutine) *gstate {
	s, ok := g.State.(*gstate)
	if !ok {
		s = d.newState(nil)
		g.State = s
	}
	if gen := d.gen.Load(); s.gen != gen {
		s.gen = gen
		d.tick(s)
	}
	return s
}

// OnGoStart implements race.GoroutineDetector: the child gets the parent's
// clock, then the parent's own entry is incremented (fork).
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if child == nil {
		return
	}
	if parent == nil {
		child.State = d.newState(nil)
		return
	}
	ps := d.state(parent)
	child.State = d.newState(append(vclock.Clock(nil), ps.C...))
	d.tick(ps)
}

// OnGoEnd implements race.GoroutineDetector. A goroutine that has ended
// has no more events, and nothing joins it in Go but OnAcquireAll, which
// needs only its slot's clock (kept in the slot), so its clock is needed by
// no one: drop it, and give its slot back for another goroutine to take
// over (see the package documentation for what that costs in precision).
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g == nil {
		return
	}
	if s, ok := g.State.(*gstate); ok {
		d.slots.Detach(&s.Thread)
	}
	g.State = nil
}

// lockPage returns the page for key locked, or nil if there is none and
// create is false.
func (d *detector) lockPage(g *gstate, key uintptr, create bool) *page {
	for {
		p := g.page
		if p == nil || g.pkey != key {
			p = d.pages.Find(key, create)
			if p == nil {
				return nil
			}
			g.page, g.pkey = p, key
		}
		p.mu.Lock()
		if !p.dead {
			return p
		}
		p.mu.Unlock()
		g.page = nil
	}
}

// OnRead implements race.Detector.
func (d *detector) OnRead(a race.Access) { d.access(&a, false) }

// OnWrite implements race.Detector.
func (d *detector) OnWrite(a race.Access) { d.access(&a, true) }

// OnReadRange implements race.RangeDetector.
func (d *detector) OnReadRange(a race.Access) { d.access(&a, false) }

// OnWriteRange implements race.RangeDetector.
func (d *detector) OnWriteRange(a race.Access) { d.access(&a, true) }

// OnAtomic implements race.AtomicDetector: an atomic is an access of
// a.Width bytes, a read for a load and a write otherwise, that conflicts
// only with plain accesses. A load or read-modify-write is an acquire of
// the address (the runtime sends it after OnAtomic): it is joined before
// the access is checked, as a load happens after the store it observes.
func (d *detector) OnAtomic(a race.AtomicAccess) {
	if a.G == nil || a.Width == 0 {
		return
	}
	a.Size = uintptr(a.Width)
	g := d.state(a.G)
	if a.Op != race.AtomicStore {
		d.atomicAcquire(g, a.Addr)
	}
	d.accessAs(g, &a.Access, a.Op != race.AtomicLoad, true)
}

func (d *detector) access(a *race.Access, write bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	d.accessAs(d.state(a.G), a, write, false)
}

// accessAs applies a plain or atomic access by g. Atomics neither use nor
// set the last-access cache: they check and record other state than plain
// accesses.
func (d *detector) accessAs(g *gstate, a *race.Access, write, atomic bool) {
	if l := &g.last; !atomic && l.addr == a.Addr && l.size == a.Size && l.page != nil &&
		l.e == g.Epoch() && (l.write || !write) && l.page.gen.Load() == l.gen {
		return
	}
	addr, end := a.Addr, a.Addr+a.Size
	if end < addr {
		end = math.MaxUint // clip at the top of the address space
	}
	for addr < end {
		key := addr >> pageShift
		p := d.lockPage(g, key, true)
		pend := (key + 1) << pageShift
		if pend > end || pend == 0 {
			pend = end
		}
		if !atomic && a.Addr >= key<<pageShift && end == pend {
			// Within one page: remember it (the gen cannot change while
			// p is locked).
			g.last = lastAccess{a.Addr, a.Size, g.Epoch(), write, p.gen.Load(), p}
		}
		for addr < pend {
			base := addr &^ 7
			hi := pend - base
			if hi > 8 {
				hi = 8
			}
			lo := addr - base
			d.accessWord(p, int(addr>>3)%wordsPerPage, base, uint8(lo), uint8(hi-lo), write, atomic, g, a)
			addr = base + 8
			if addr == 0 {
				break // wrapped
			}
		}
		p.mu.Unlock()
		if addr == 0 {
			break
		}
	}
}

// accessWord applies the FastTrack rules for an access to [off, off+size)
// of the word at base, in p (locked). The access checks every cell that
// overlaps its span and updates its own cell (same span), creating it if
// needed. An atomic access checks only the plain accesses of the cells and
// is recorded in its cell's atomic state.
func (d *detector) accessWord(p *page, slot int, base uintptr, off, size uint8, write, atomic bool, g *gstate, a *race.Access) {
	w := p.words[slot]
	if w == nil {
		w = new(word)
		w.cells = w.inline[:0]
		p.words[slot] = w
		p.nwords++
	}
	e := g.Epoch()
	own := -1
	for i := range w.cells {
		c := &w.cells[i]
		if c.off != off || c.size != size {
			continue
		}
		// Same-epoch fast paths: the cell already records this access's
		// epoch, and any access since that raced with it was checked
		// against it then.
		switch {
		case atomic:
			if at := c.atomics; at != nil && (write && at.w.has(e) || !write && at.r.has(e)) {
				return
			}
		case write:
			if c.w == e {
				return
			}
		case c.shared == nil:
			if c.r == e {
				return
			}
		default:
			if c.shared.vc.Get(g.Slot()) == e.Clock() {
				return
			}
		}
		own = i
		break
	}

	cv := g.C
	cur := curAccess{a: a, write: write, atomic: atomic}
	var subsumed uint64 // cells covered by this write whose accesses all happen before it
	for i := range w.cells {
		c := &w.cells[i]
		if i == own || c.off >= off+size || off >= c.off+c.size {
			continue
		}
		if d.check(c, base, cv, &cur) && write && !atomic && off <= c.off && c.off+c.size <= off+size {
			subsumed |= 1 << i
		}
	}

	if own < 0 {
		w.cells = append(w.cells, cell{off: off, size: size})
		own = len(w.cells) - 1
	}
	c := &w.cells[own]
	in := info{gid: a.G.ID, pc: a.PC, stack: a.Stack}
	d.check(c, base, cv, &cur)
	switch {
	case atomic:
		if c.atomics == nil {
			c.atomics = new(atomicState)
		}
		if write {
			c.atomics.w.add(e, cv, in)
		} else {
			c.atomics.r.add(e, cv, in)
		}
	case write:
		if c.shared != nil {
			// [FT WRITE SHARED]: every read happens before this write
			// (or has been reported), so reset the read state.
			c.shared = nil
			c.r = 0
			c.rinfo = info{}
		}
		// Likewise the atomics: a later access ordered after this
		// write is ordered after them, and one that is not races with
		// this write.
		c.atomics = nil
		c.w = e
		c.winfo = in
	case c.shared != nil:
		// [FT READ SHARED]
		c.shared.set(g.Slot(), e.Clock(), in)
	case c.r.Before(cv):
		// [FT READ EXCLUSIVE]
		c.r = e
		c.rinfo = in
	default:
		// [FT READ SHARE]: two concurrent reads; switch to a read clock.
		s := new(readSet)
		s.set(c.r.Slot(), c.r.Clock(), c.rinfo)
		s.set(g.Slot(), e.Clock(), in)
		c.shared = s
		c.r = 0
		c.rinfo = info{}
	}

	if subsumed != 0 {
		n := 0
		for i := range w.cells {
			if subsumed&(1<<i) == 0 {
				w.cells[n] = w.cells[i]
				n++
			}
		}
		clear(w.cells[n:])
		w.cells = w.cells[:n]
	}
}

// A curAccess is the access being checked.
type curAccess struct {
	a             *race.Access
	write, atomic bool
}

// check checks the accesses recorded in c that conflict with cur against
// cur's clock cv, reporting a race for each not ordered before it. It
// reports whether there was none. Every access conflicts with a plain
// write, a write with a plain read; a plain access also conflicts with the
// atomic writes and, if it writes, the atomic reads.
func (d *detector) check(c *cell, base uintptr, cv vclock.Clock, cur *curAccess) bool {
	ok := d.checkWrite(c, base, cv, cur)
	if cur.write {
		ok = d.checkReads(c, base, cv, cur) && ok
	}
	if at := c.atomics; at != nil && !cur.atomic {
		ok = d.checkSet(&at.w, true, c, base, cv, cur) && ok
		if cur.write {
			ok = d.checkSet(&at.r, false, c, base, cv, cur) && ok
		}
	}
	return ok
}

// checkWrite checks that c's last plain write happens before the current
// access and reports a race if not. It reports whether there was no race.
func (d *detector) checkWrite(c *cell, base uintptr, cv vclock.Clock, cur *curAccess) bool {
	if c.w.Before(cv) {
		return true
	}
	d.race(&c.winfo, true, false, base+uintptr(c.off), uintptr(c.size), cur)
	return false
}

// checkReads checks that c's plain reads happen before the current (write)
// access and reports a race for each that does not.
func (d *detector) checkReads(c *cell, base uintptr, cv vclock.Clock, cur *curAccess) bool {
	if c.shared == nil {
		if c.r.Before(cv) {
			return true
		}
		d.race(&c.rinfo, false, false, base+uintptr(c.off), uintptr(c.size), cur)
		return false
	}
	ok := true
	for u, clk := range c.shared.vc {
		if clk > cv.Get(uint32(u)) {
			d.race(&c.shared.info[u], false, false, base+uintptr(c.off), uintptr(c.size), cur)
			ok = false
		}
	}
	return ok
}

// checkSet checks that the atomic accesses in s (writes if write) of
// cell c happen before the current (plain) access and reports a race for
// each that does not.
func (d *detector) checkSet(s *accessSet, write bool, c *cell, base uintptr, cv vclock.Clock, cur *curAccess) bool {
	if s.shared == nil {
		if s.e.Before(cv) {
			return true
		}
		d.race(&s.in, write, true, base+uintptr(c.off), uintptr(c.size), cur)
		return false
	}
	ok := true
	for u, clk := range s.shared.vc {
		if clk > cv.Get(uint32(u)) {
			d.race(&s.shared.info[u], write, true, base+uintptr(c.off), uintptr(c.size), cur)
			ok = false
		}
	}
	return ok
}

// A site is where an access happened; a sitePair is the two accesses of a
// race, in a canonical order, for suppressing reports of a race between the
// same two code locations (as ThreadSanitizer's suppress_equal_stacks).
type site struct {
	pc    uintptr
	stack race.StackID
}

type sitePair struct{ a, b site }

func (d *detector) race(prev *info, prevWrite, prevAtomic bool, prevAddr, prevSize uintptr, cur *curAccess) {
	if prev.reported {
		return
	}
	prev.reported = true
	a := cur.a
	now, old := site{a.PC, a.Stack}, site{prev.pc, prev.stack}
	key := sitePair{now, old}
	if old.pc < now.pc || old.pc == now.pc && old.stack < now.stack {
		key = sitePair{old, now}
	}
	d.repMu.Lock()
	defer d.repMu.Unlock()
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.reports = append(d.reports, race.Report{
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: cur.write, Atomic: cur.atomic, Addr: a.Addr, Size: a.Size, G: a.G.ID, Stack: a.Stack, PC: a.PC},
			{Previous: true, Write: prevWrite, Atomic: prevAtomic, Addr: prevAddr, Size: prevSize, G: prev.gid, Stack: prev.stack, PC: prev.pc},
		},
	})
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	d.repMu.Lock()
	r := d.reports
	d.reports = nil
	d.repMu.Unlock()
	return r
}

// OnAcquire implements race.SyncDetector: C_t ⊔= L_m.
func (d *detector) OnAcquire(s race.Sync) {
	if s.G == nil {
		return
	}
	g := d.state(s.G)
	p := d.lockPage(g, s.Addr>>pageShift, false)
	if p == nil {
		return
	}
	if v := p.syncs[s.Addr]; v != nil && !(g.acq.v == v && g.acq.addr == s.Addr && g.acq.ver == v.ver) {
		g.C.Join(v.vc)
	}
	p.mu.Unlock()
	g.acq.v = nil
}

// atomicAcquire joins the clock of addr into g's before an atomic load or
// read-modify-write of addr is checked, and remembers it, so that the
// OnAcquire that follows for the same operation skips the join if the
// clock has not changed since.
func (d *detector) atomicAcquire(g *gstate, addr uintptr) {
	g.acq.v = nil
	p := d.lockPage(g, addr>>pageShift, false)
	if p == nil {
		return
	}
	if v := p.syncs[addr]; v != nil {
		g.C.Join(v.vc)
		g.acq.addr, g.acq.v, g.acq.ver = addr, v, v.ver
	}
	p.mu.Unlock()
}

// OnAcquireAll implements race.SyncDetector: C_t[u] = max(C_t[u],
// own_u) for every tid u, own_u being u's own clock entry, whether u is
// live or ended. Every access made so far was made in an epoch that own_u
// covers, so t is ordered after all of them. It also bumps the detector's
// generation, so that every goroutine starts a new epoch at its next event:
// what it does from then on is not ordered before t. It costs O(n), n being
// the number of goroutines ever started.
func (d *detector) OnAcquireAll(gr *race.Goroutine) {
	if gr == nil {
		return
	}
	g := d.state(gr)
	g.gen = d.gen.Add(1)
	d.slots.AcquireAll(&g.Thread)
}

// OnRelease implements race.SyncDetector: L_m = C_t; C_t[t]++.
func (d *detector) OnRelease(s race.Sync) { d.release(s, false) }

// OnReleaseMerge implements race.SyncDetector: L_m ⊔= C_t; C_t[t]++.
func (d *detector) OnReleaseMerge(s race.Sync) { d.release(s, true) }

func (d *detector) release(s race.Sync, merge bool) {
	if s.G == nil {
		return
	}
	g := d.state(s.G)
	p := d.lockPage(g, s.Addr>>pageShift, true)
	v := p.syncs[s.Addr]
	if v == nil {
		if p.syncs == nil {
			p.syncs = make(map[uintptr]*syncVar)
		}
		v = new(syncVar)
		p.syncs[s.Addr] = v
	}
	if merge {
		v.vc.Join(g.C)
	} else {
		v.vc.Assign(g.C)
	}
	v.ver++
	p.mu.Unlock()
	d.tick(g)
}

// OnMalloc implements race.MemoryDetector: newly allocated memory starts
// with no history.
func (d *detector) OnMalloc(addr, size uintptr) { d.pages.Drop(addr, size) }

// OnFree implements race.MemoryDetector: freed memory's history is dropped.
func (d *detector) OnFree(addr, size uintptr) { d.pages.Drop(addr, size) }

// Drop implements shadow.Page: it drops all shadow and synchronisation
// state of p in [lo, hi] (inclusive), and marks p dead if it is left
// empty, for the goroutines that hold it in their cache. It runs inside
// the allocator, so it must not allocate.
func (p *page) Drop(start, lo, hi uintptr) bool {
	p.mu.Lock()
	p.gen.Add(1)
	if lo != start || hi != start+pageSize-1 {
		p.nwords -= int32(shadow.DropWords(&p.words, start, lo, hi))
		for a := range p.syncs {
			if lo <= a && a <= hi {
				delete(p.syncs, a)
			}
		}
		if p.nwords > 0 || len(p.syncs) > 0 {
			p.mu.Unlock()
			return false
		}
	}
	p.dead = true
	p.mu.Unlock()
	return true
}

// Clip implements shadow.Word: it drops the cells of w that overlap
// [lo, hi).
func (w *word) Clip(lo, hi uint8) bool {
	w.cells = shadow.Clip(w.cells, lo, hi)
	return len(w.cells) == 0
}

// Span implements shadow.Span.
func (c *cell) Span() (off, size uint8) { return c.off, c.size }
