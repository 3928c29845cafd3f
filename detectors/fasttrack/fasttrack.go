// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"math"
	"runtime/race"
	"sync/atomic"
)

// Policy is the FastTrack detector.
var Policy = &race.Policy{
	Name: "fasttrack",
	Doc: `report data races by vector-clock happens-before (FastTrack)

FastTrack (Flanagan and Freund, PLDI 2009) reports two accesses to
overlapping bytes, at least one a write, that are not ordered by the
happens-before relation of the observed execution (goroutine creation and
every acquire/release edge the runtime reports). It has no false positives
when all synchronisation is seen, and misses races that the observed
schedule happened to order.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

// An epoch is a clock value of one goroutine, c@t: the clock in the high 32
// bits, the tid in the low 32 bits. The zero epoch (clock 0) happens before
// everything, so it stands for "no access".
type epoch uint64

func mkEpoch(tid, clock uint32) epoch { return epoch(clock)<<32 | epoch(tid) }
func (e epoch) tid() uint32           { return uint32(e) }
func (e epoch) clock() uint32         { return uint32(e >> 32) }

// leq reports whether e happens before (or is) the time v: e ⪯ v.
func (e epoch) leq(v vclock) bool { return e.clock() <= v.get(e.tid()) }

// A vclock is a vector clock indexed by tid; missing entries are zero.
type vclock []uint32

func (v vclock) get(t uint32) uint32 {
	if int(t) < len(v) {
		return v[t]
	}
	return 0
}

// join sets *v to *v ⊔ w.
func (v *vclock) join(w vclock) {
	if len(*v) < len(w) {
		if cap(*v) >= len(w) {
			*v = (*v)[:len(w)]
		} else {
			nv := make(vclock, len(w), len(w)+len(w)/4)
			copy(nv, *v)
			*v = nv
		}
	}
	d := *v
	for i, c := range w {
		if c > d[i] {
			d[i] = c
		}
	}
}

// assign sets *v to a copy of w, reusing *v's storage when it can.
func (v *vclock) assign(w vclock) { *v = append((*v)[:0], w...) }

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
	vc   vclock
	info []info
}

func (s *readSet) set(t, clock uint32, in info) {
	if int(t) >= len(s.vc) {
		n := int(t) + 1
		s.vc = append(s.vc, make(vclock, n-len(s.vc))...)
		s.info = append(s.info, make([]info, n-len(s.info))...)
	}
	s.vc[t] = clock
	s.info[t] = in
}

// A cell is the FastTrack state of one byte span [off, off+size) of an
// 8-byte word: the span of one access (clipped to the word).
type cell struct {
	off, size uint8
	w         epoch // last write
	r         epoch // last read, when shared is nil
	winfo     info
	rinfo     info
	shared    *readSet // read-shared mode
}

// A word is the shadow of an aligned 8-byte word: the cells of the distinct
// spans accessed in it. The spans of a word's cells are distinct, so there
// are at most 36.
type word struct {
	cells  []cell
	inline [1]cell
}

const (
	pageShift    = 12
	pageSize     = 1 << pageShift
	wordsPerPage = pageSize / 8
	nshards      = 64

	// When OnMalloc or OnFree covers more pages than this and more than
	// the detector has, it scans the page tables rather than looking up
	// every page of the range.
	scanThreshold = 64
)

// A page is the shadow of an aligned 4 KiB page: its words and the
// happens-before clocks of its synchronisation addresses.
type page struct {
	mu spinLock
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
	vc vclock
}

type shard struct {
	mu    spinLock
	pages map[uintptr]*page
	_     [48]byte // keep shards on separate cache lines
}

// A spinLock is a race.SpinLock. ThreadSanitizer does not see the atomics
// of race.SpinLock (package runtime/race is not instrumented), so the tests,
// when built with -race, set lockHook and unlockHook to tell it about the
// lock's happens-before edges. They are nil otherwise.
type spinLock struct{ l race.SpinLock }

var lockHook, unlockHook func(*race.SpinLock)

func (l *spinLock) Lock() {
	l.l.Lock()
	if lockHook != nil {
		lockHook(&l.l)
	}
}

func (l *spinLock) Unlock() {
	if unlockHook != nil {
		unlockHook(&l.l)
	}
	l.l.Unlock()
}

// gstate is the detector's per-goroutine state.
type gstate struct {
	tid uint32
	vc  vclock // C_t; len(vc) > tid always
	// The last page the goroutine touched, to skip the shard lookup.
	pkey uintptr
	page *page
	// The goroutine's last access, when it was within one page.
	last lastAccess
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
	e          epoch
	write      bool
	gen        uint32
	page       *page
}

func (g *gstate) epoch() epoch { return mkEpoch(g.tid, g.vc[g.tid]) }

func (g *gstate) tick() {
	if g.vc[g.tid] == math.MaxUint32 {
		panic("fasttrack: clock overflow")
	}
	g.vc[g.tid]++
}

type detector struct {
	nextTid atomic.Uint32
	npages  atomic.Int64
	shards  [nshards]shard

	repMu   spinLock
	reports []race.Report
	seen    map[sitePair]bool
}

func newDetector() *detector {
	return &detector{seen: make(map[sitePair]bool)}
}

// newState returns fresh state for a goroutine whose parent is not known:
// a new tid and C_t = inc_t(⊥).
func (d *detector) newState() *gstate {
	g := &gstate{tid: d.newTid()}
	g.vc = make(vclock, g.tid+1)
	g.vc[g.tid] = 1
	return g
}

func (d *detector) newTid() uint32 {
	t := d.nextTid.Add(1) - 1
	if t == math.MaxUint32 {
		panic("fasttrack: too many goroutines")
	}
	return t
}

// state returns g's state, creating it for a goroutine that started before
// the detector.
func (d *detector) state(g *race.Goroutine) *gstate {
	if s, ok := g.State.(*gstate); ok {
		return s
	}
	s := d.newState()
	g.State = s
	return s
}

// OnGoStart implements race.GoroutineDetector: the child gets the parent's
// clock, then the parent's own entry is incremented (fork).
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if child == nil {
		return
	}
	if parent == nil {
		child.State = d.newState()
		return
	}
	ps := d.state(parent)
	cs := &gstate{tid: d.newTid()}
	n := max(len(ps.vc), int(cs.tid)+1)
	cs.vc = make(vclock, n)
	copy(cs.vc, ps.vc)
	cs.vc[cs.tid]++
	child.State = cs
	ps.tick()
}

// OnGoEnd implements race.GoroutineDetector. A goroutine that has ended
// has no more events, and nothing joins it in Go, so its clock is needed
// by no one: drop it. Its tid stays in use in other clocks and shadow
// cells and is never given out again.
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g != nil {
		g.State = nil
	}
}

func (d *detector) shardFor(key uintptr) *shard { return &d.shards[key%nshards] }

// lockPage returns the page for key locked, or nil if there is none and
// create is false.
func (d *detector) lockPage(g *gstate, key uintptr, create bool) *page {
	for {
		p := g.page
		if p == nil || g.pkey != key {
			p = d.findPage(key, create)
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

func (d *detector) findPage(key uintptr, create bool) *page {
	s := d.shardFor(key)
	s.mu.Lock()
	p := s.pages[key]
	s.mu.Unlock()
	if p != nil || !create {
		return p
	}
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
	s.mu.Unlock()
	return p
}

// OnRead implements race.Detector.
func (d *detector) OnRead(a race.Access) { d.access(&a, false) }

// OnWrite implements race.Detector.
func (d *detector) OnWrite(a race.Access) { d.access(&a, true) }

// OnReadRange implements race.RangeDetector.
func (d *detector) OnReadRange(a race.Access) { d.access(&a, false) }

// OnWriteRange implements race.RangeDetector.
func (d *detector) OnWriteRange(a race.Access) { d.access(&a, true) }

func (d *detector) access(a *race.Access, write bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	g := d.state(a.G)
	if l := &g.last; l.addr == a.Addr && l.size == a.Size && l.page != nil &&
		l.e == g.epoch() && (l.write || !write) && l.page.gen.Load() == l.gen {
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
		if a.Addr >= key<<pageShift && end == pend {
			// Within one page: remember it (the gen cannot change while
			// p is locked).
			g.last = lastAccess{a.Addr, a.Size, g.epoch(), write, p.gen.Load(), p}
		}
		for addr < pend {
			base := addr &^ 7
			hi := pend - base
			if hi > 8 {
				hi = 8
			}
			lo := addr - base
			d.accessWord(p, int(addr>>3)%wordsPerPage, base, uint8(lo), uint8(hi-lo), write, g, a)
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
// needed.
func (d *detector) accessWord(p *page, slot int, base uintptr, off, size uint8, write bool, g *gstate, a *race.Access) {
	w := p.words[slot]
	if w == nil {
		w = new(word)
		w.cells = w.inline[:0]
		p.words[slot] = w
		p.nwords++
	}
	e := g.epoch()
	own := -1
	for i := range w.cells {
		c := &w.cells[i]
		if c.off != off || c.size != size {
			continue
		}
		// Same-epoch fast paths: the cell already records this access's
		// epoch, and any access since that raced with it was checked
		// against it then.
		if write {
			if c.w == e {
				return
			}
		} else if c.shared == nil {
			if c.r == e {
				return
			}
		} else if c.shared.vc.get(g.tid) == e.clock() {
			return
		}
		own = i
		break
	}

	cv := g.vc
	var subsumed uint64 // cells covered by this write whose accesses all happen before it
	for i := range w.cells {
		c := &w.cells[i]
		if i == own || c.off >= off+size || off >= c.off+c.size {
			continue
		}
		ok := d.checkWrite(c, base, cv, write, a)
		if write {
			ok = d.checkReads(c, base, cv, a) && ok
			if ok && off <= c.off && c.off+c.size <= off+size {
				subsumed |= 1 << i
			}
		}
	}

	if own < 0 {
		w.cells = append(w.cells, cell{off: off, size: size})
		own = len(w.cells) - 1
	}
	c := &w.cells[own]
	in := info{gid: a.G.ID, pc: a.PC, stack: a.Stack}
	d.checkWrite(c, base, cv, write, a)
	if write {
		d.checkReads(c, base, cv, a)
		if c.shared != nil {
			// [FT WRITE SHARED]: every read happens before this write
			// (or has been reported), so reset the read state.
			c.shared = nil
			c.r = 0
			c.rinfo = info{}
		}
		c.w = e
		c.winfo = in
	} else if c.shared != nil {
		// [FT READ SHARED]
		c.shared.set(g.tid, e.clock(), in)
	} else if c.r.leq(cv) {
		// [FT READ EXCLUSIVE]
		c.r = e
		c.rinfo = in
	} else {
		// [FT READ SHARE]: two concurrent reads; switch to a read clock.
		s := new(readSet)
		s.set(c.r.tid(), c.r.clock(), c.rinfo)
		s.set(g.tid, e.clock(), in)
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

// checkWrite checks that c's last write happens before the current access
// and reports a race if not. It reports whether there was no race.
func (d *detector) checkWrite(c *cell, base uintptr, cv vclock, write bool, a *race.Access) bool {
	if c.w.leq(cv) {
		return true
	}
	d.race(&c.winfo, true, base+uintptr(c.off), uintptr(c.size), write, a)
	return false
}

// checkReads checks that c's reads happen before the current (write)
// access and reports a race for each that does not.
func (d *detector) checkReads(c *cell, base uintptr, cv vclock, a *race.Access) bool {
	if c.shared == nil {
		if c.r.leq(cv) {
			return true
		}
		d.race(&c.rinfo, false, base+uintptr(c.off), uintptr(c.size), true, a)
		return false
	}
	ok := true
	for u, clk := range c.shared.vc {
		if clk > cv.get(uint32(u)) {
			d.race(&c.shared.info[u], false, base+uintptr(c.off), uintptr(c.size), true, a)
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

func (d *detector) race(prev *info, prevWrite bool, prevAddr, prevSize uintptr, write bool, a *race.Access) {
	if prev.reported {
		return
	}
	prev.reported = true
	cur, old := site{a.PC, a.Stack}, site{prev.pc, prev.stack}
	key := sitePair{cur, old}
	if old.pc < cur.pc || old.pc == cur.pc && old.stack < cur.stack {
		key = sitePair{old, cur}
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
			{Write: write, Addr: a.Addr, Size: a.Size, G: a.G.ID, Stack: a.Stack, PC: a.PC},
			{Previous: true, Write: prevWrite, Addr: prevAddr, Size: prevSize, G: prev.gid, Stack: prev.stack, PC: prev.pc},
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
	if v := p.syncs[s.Addr]; v != nil {
		g.vc.join(v.vc)
	}
	p.mu.Unlock()
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
		v.vc.join(g.vc)
	} else {
		v.vc.assign(g.vc)
	}
	p.mu.Unlock()
	g.tick()
}

// OnMalloc implements race.MemoryDetector: newly allocated memory starts
// with no history.
func (d *detector) OnMalloc(addr, size uintptr) { d.drop(addr, size) }

// OnFree implements race.MemoryDetector: freed memory's history is dropped.
func (d *detector) OnFree(addr, size uintptr) { d.drop(addr, size) }

// drop forgets all shadow and synchronisation state in [addr, addr+size).
// It runs inside the allocator, so it must not allocate.
func (d *detector) drop(addr, size uintptr) {
	if size == 0 {
		return
	}
	last := addr + size - 1 // the last byte, inclusive
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

// dropInPage drops the state of page k (p) in [addr, last] (inclusive),
// with s.mu held. A page left empty is removed.
func (d *detector) dropInPage(s *shard, k uintptr, p *page, addr, last uintptr) {
	pstart := k << pageShift
	plast := pstart + pageSize - 1
	lo, hi := max(addr, pstart), min(last, plast) // inclusive
	p.mu.Lock()
	p.gen.Add(1)
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
			// Drop the cells that overlap [clo, chi).
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
			if n == 0 {
				p.words[slot] = nil
				p.nwords--
			}
		}
		for a := range p.syncs {
			if lo <= a && a <= hi {
				delete(p.syncs, a)
			}
		}
		if p.nwords > 0 || len(p.syncs) > 0 {
			p.mu.Unlock()
			return
		}
	}
	delete(s.pages, k)
	p.dead = true
	p.mu.Unlock()
	d.npages.Add(-1)
}
