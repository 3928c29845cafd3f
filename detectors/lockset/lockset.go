// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockset

import (
	"math"
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"

	"drace/detectors/internal/shadow"
)

// Policy is the Eraser lockset detector.
var Policy = &race.Policy{
	Name: "lockset",
	Doc: `report variables not consistently protected by a lock (Eraser)

Eraser (Savage et al., SOSP 1997) keeps, for each variable, the set of
sync.Mutex and sync.RWMutex locks held at every access to it since a second
goroutine touched it, and reports a variable written by more than one
goroutine once that set is empty. It finds inconsistent locking whatever the
schedule, but reports variables protected by other means (channels,
WaitGroup, atomics) once more than one goroutine writes them.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

// A lock is a lock as a goroutine holds it.
type lock struct {
	addr uintptr
	rw   bool // a sync.RWMutex; otherwise a sync.Mutex
	read bool // held in read mode (RLock)
}

// A heldLock is a lock in a lockSet: held n times (read locks may nest).
type heldLock struct {
	lock
	n int32
}

// A lockSet is a set of held locks, sorted by address. Its locks never
// change once it is published: cells keep it as the locks held at an
// access, and as their candidate set. The rest is its goroutine's own.
type lockSet struct {
	locks []heldLock

	// parent is the set this one was made from by acquiring top, nil if
	// it was made otherwise: releasing top goes back to it.
	parent *lockSet
	top    lock
	// kids remembers sets made from this one by acquiring a lock, so
	// that a goroutine locking and unlocking the same locks allocates
	// nothing after the first time. At most maxKids, replaced in turn.
	kids    []*lockSet
	nextKid int
}

const maxKids = 4

// find returns the index of the entry for l (addr and mode) in locks, or -1.
func find(locks []heldLock, l lock) int {
	for i := range locks {
		if locks[i].addr == l.addr && locks[i].read == l.read {
			return i
		}
	}
	return -1
}

// protects reports whether locks holds a lock at addr in a mode that
// protects an access: write mode for a write, any mode for a read.
func protects(locks []heldLock, addr uintptr, write bool) bool {
	for i := range locks {
		if locks[i].addr == addr && (!write || !locks[i].read) {
			return true
		}
	}
	return false
}

// intersect returns the locks of c that held protects for an access
// (write or not): Eraser's C(v) ∩ locks_held(t), with the RW refinement
// that a write keeps only the locks held in write mode. It returns c
// itself when nothing is removed, and nil when nothing is left.
func intersect(c, held []heldLock, write bool) []heldLock {
	n := 0
	for i := range c {
		if protects(held, c[i].addr, write) {
			n++
		}
	}
	switch n {
	case len(c):
		return c
	case 0:
		return nil
	}
	out := make([]heldLock, 0, n)
	for i := range c {
		if protects(held, c[i].addr, write) {
			out = append(out, c[i])
		}
	}
	return out
}

// with returns s with l acquired once more.
func (s *lockSet) with(l lock) *lockSet {
	for _, k := range s.kids {
		if k.top == l {
			return k
		}
	}
	locks := make([]heldLock, 0, len(s.locks)+1)
	if i := find(s.locks, l); i >= 0 {
		locks = append(locks, s.locks...)
		locks[i].n++
	} else {
		i := 0
		for i < len(s.locks) && s.locks[i].addr <= l.addr {
			i++
		}
		locks = append(append(append(locks, s.locks[:i]...), heldLock{l, 1}), s.locks[i:]...)
	}
	k := &lockSet{locks: locks, parent: s, top: l}
	if len(s.kids) < maxKids {
		s.kids = append(s.kids, k)
	} else {
		s.kids[s.nextKid] = k
		s.nextKid = (s.nextKid + 1) % maxKids
	}
	return k
}

// without returns s with l released once, and whether s held l.
func (s *lockSet) without(l lock) (*lockSet, bool) {
	if s.parent != nil && s.top == l {
		return s.parent, true
	}
	i := find(s.locks, l)
	if i < 0 {
		return s, false
	}
	locks := append([]heldLock(nil), s.locks...)
	if locks[i].n > 1 {
		locks[i].n--
	} else {
		locks = append(locks[:i], locks[i+1:]...)
	}
	return &lockSet{locks: locks}, true
}

// gstate is a goroutine's state: the locks it holds.
type gstate struct {
	held *lockSet
	// owned lists the locks held in write mode with the foreign-unlock
	// generation when they were taken (see detector.unlockGen).
	owned   []ownedLock
	seenGen uint64

	// The page of the goroutine's last access, and its key.
	page *page
	pkey uintptr
}

type ownedLock struct {
	lock
	gen uint64
}

func (g *gstate) acquire(l lock, gen uint64) {
	g.held = g.held.with(l)
	if !l.read {
		g.owned = append(g.owned, ownedLock{l, gen})
	}
}

func (g *gstate) release(l lock) bool {
	var ok bool
	g.held, ok = g.held.without(l)
	if ok && !l.read {
		for i := range g.owned {
			if g.owned[i].lock == l {
				g.owned[i] = g.owned[len(g.owned)-1]
				g.owned = g.owned[:len(g.owned)-1]
				break
			}
		}
	}
	return ok
}

// Eraser's states of a variable. A variable that has never been accessed
// (virgin) has no cell.
const (
	exclusive      uint8 = iota + 1 // accessed by one goroutine only (owner)
	shared                          // read by a second goroutine, not written since
	sharedModified                  // written by a second goroutine, or written once shared
)

// An access record: who accessed a cell, where, holding which locks, and
// when (seq: the cell's count of accesses before it, which orders a cell's
// reads and writes).
type record struct {
	gid   int64
	pc    uintptr
	stack race.StackID
	seq   uint32
	held  *lockSet
}

// recent holds the last access of one kind (read or write) by the two most
// recent distinct goroutines: [0] the last, [1] the last by another
// goroutine than [0]'s. So whoever accesses next, the last such access by
// another goroutine is at hand.
type recent [2]record

func (r *recent) add(rec record) {
	if r[0].held != nil && r[0].gid != rec.gid {
		r[1] = r[0]
	}
	r[0] = rec
}

// other returns the last access by a goroutine other than gid, or nil.
func (r *recent) other(gid int64) *record {
	for i := range r {
		if r[i].held != nil && r[i].gid != gid {
			return &r[i]
		}
	}
	return nil
}

// A cell is the lockset state of one variable: the byte span [off,
// off+size) of an 8-byte word that some access covered.
type cell struct {
	off, size uint8
	state     uint8
	reported  bool
	n         uint32     // accesses recorded, the seq of the next
	owner     int64      // the goroutine, in the exclusive state
	cset      []heldLock // candidate set C(v), from shared on (modes ignored)
	w, r      recent
}

// A word is the shadow of an aligned 8-byte word: one cell per distinct
// span accessed in it.
type word struct {
	cells []cell
	one   [1]cell
}

const (
	pageShift = shadow.PageShift
	pageBytes = shadow.PageSize
	pageWords = shadow.WordsPerPage
)

// A page is the shadow of an aligned 4 KiB page.
type page struct {
	mu race.SpinLock
	// gone is set, under mu, when the page leaves its shard: a goroutine
	// that cached it must look it up again.
	gone  bool
	nword int
	words [pageWords]*word
	// unlocks records, per lock in the page, the foreign-unlock
	// generation of its last unlock by a goroutine that did not hold it.
	unlocks map[uintptr]uint64
}

func (p *page) empty() bool { return p.nword == 0 && len(p.unlocks) == 0 }

type detector struct {
	pages shadow.Table[page, *page]

	// unlockGen counts unlocks by goroutines that did not hold the lock
	// (Go allows a Mutex to be unlocked by another goroutine). Each one is
	// recorded in the lock's page; a goroutine that sees the count change
	// drops the locks it holds that were unlocked since it took them.
	unlockGen atomic.Uint64

	std *stdFilter

	repMu    race.SpinLock
	findings []finding
}

func newDetector() *detector { return &detector{std: newStdFilter()} }

func newGState() *gstate { return &gstate{held: new(lockSet)} }

// state returns g's state, creating it for a goroutine that started before
// the detector, and drops the locks that other goroutines unlocked.
func (d *detector) state(gr *race.Goroutine) *gstate {
	g, ok := gr.State.(*gstate)
	if !ok {
		g = newGState()
		gr.State = g
	}
	if gen := d.unlockGen.Load(); gen != g.seenGen {
		g.seenGen = gen
		d.revalidate(g)
	}
	return g
}

// revalidate drops from g's locks those unlocked by another goroutine
// after g took them.
func (d *detector) revalidate(g *gstate) {
	for i := 0; i < len(g.owned); {
		o := g.owned[i]
		var gen uint64
		if p := d.lockPage(g, o.addr>>pageShift, false); p != nil {
			gen = p.unlocks[o.addr]
			p.mu.Unlock()
		}
		if gen > o.gen {
			g.release(o.lock) // removes owned[i]
			continue
		}
		i++
	}
}

// OnGoStart implements race.GoroutineDetector: a goroutine starts holding
// no locks.
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if child != nil {
		child.State = newGState()
	}
}

// OnGoEnd implements race.GoroutineDetector.
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g != nil {
		g.State = nil
	}
}

// OnSync implements race.NativeSyncDetector: it tracks the locks each
// goroutine holds.
func (d *detector) OnSync(op race.SyncOp) {
	if op.G == nil {
		return
	}
	var l lock
	acquire := true
	switch op.Kind {
	case race.MutexLock:
		l = lock{addr: op.Obj}
	case race.MutexTryLock:
		if op.Arg != 1 {
			return
		}
		l = lock{addr: op.Obj}
	case race.MutexUnlock:
		l, acquire = lock{addr: op.Obj}, false
	case race.RWMutexLock:
		l = lock{addr: op.Obj, rw: true}
	case race.RWMutexTryLock:
		if op.Arg != 1 {
			return
		}
		l = lock{addr: op.Obj, rw: true}
	case race.RWMutexUnlock:
		l, acquire = lock{addr: op.Obj, rw: true}, false
	case race.RWMutexRLock:
		l = lock{addr: op.Obj, rw: true, read: true}
	case race.RWMutexTryRLock:
		if op.Arg != 1 {
			return
		}
		l = lock{addr: op.Obj, rw: true, read: true}
	case race.RWMutexRUnlock:
		l, acquire = lock{addr: op.Obj, rw: true, read: true}, false
	default:
		return
	}
	g := d.state(op.G)
	if acquire {
		g.acquire(l, g.seenGen)
		return
	}
	if !g.release(l) && !l.read {
		// Unlocked by a goroutine that did not lock it: its holder, if
		// any, drops it at its next event. (A foreign RUnlock cannot
		// tell which reader it ends, and is ignored.)
		p := d.lockPage(g, l.addr>>pageShift, true)
		if p.unlocks == nil {
			p.unlocks = make(map[uintptr]uint64)
		}
		p.unlocks[l.addr] = d.unlockGen.Add(1)
		p.mu.Unlock()
	}
}

// lockPage returns the page for key, locked, or nil if there is none and
// create is false. It uses and updates g's cached page.
func (d *detector) lockPage(g *gstate, key uintptr, create bool) *page {
	for {
		p := g.page
		if p == nil || g.pkey != key {
			if p = d.pages.Find(key, create); p == nil {
				return nil
			}
			g.page, g.pkey = p, key
		}
		p.mu.Lock()
		if !p.gone {
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

// access applies an access to every word its span covers, page by page.
func (d *detector) access(a *race.Access, write bool) {
	if a.G == nil || a.Size == 0 || d.std.std(a.PC, a.Stack) {
		return
	}
	g := d.state(a.G)
	rec := record{gid: a.G.ID, pc: a.PC, stack: a.Stack, held: g.held}
	end := a.Addr + a.Size
	if end < a.Addr {
		end = math.MaxUint
	}
	for addr := a.Addr; addr < end; {
		key := addr >> pageShift
		p := d.lockPage(g, key, true)
		for addr < end && addr>>pageShift == key {
			base := addr &^ 7
			lo, hi := addr-base, min(end-base, 8)
			d.accessWord(p, base, uint8(lo), uint8(hi-lo), write, &rec, a)
			addr = base + 8
			if addr == 0 {
				end = 0 // wrapped: done
			}
		}
		p.mu.Unlock()
	}
}

// accessWord applies an access to [off, off+size) of the word at base, in
// page p (locked), to every cell the span overlaps, and creates the cell of
// the span if it has none: a virgin variable becomes exclusive.
func (d *detector) accessWord(p *page, base uintptr, off, size uint8, write bool, rec *record, a *race.Access) {
	slot := (base % pageBytes) / 8
	w := p.words[slot]
	if w == nil {
		w = new(word)
		w.cells = w.one[:0]
		p.words[slot] = w
		p.nword++
	}
	own := false
	for i := range w.cells {
		c := &w.cells[i]
		if c.off >= off+size || off >= c.off+c.size {
			continue
		}
		own = own || c.off == off && c.size == size
		d.update(c, base, write, rec, a)
	}
	if !own {
		c := cell{off: off, size: size, state: exclusive, owner: rec.gid}
		c.record(write, rec)
		w.cells = append(w.cells, c)
	}
}

func (c *cell) record(write bool, rec *record) {
	r := *rec
	r.seq = c.n
	c.n++
	if write {
		c.w.add(r)
	} else {
		c.r.add(r)
	}
}

// update applies Eraser's state machine to c for an access, reporting the
// variable the first time its candidate set is empty in the
// shared-modified state.
func (d *detector) update(c *cell, base uintptr, write bool, rec *record, a *race.Access) {
	held := rec.held.locks
	switch c.state {
	case exclusive:
		if rec.gid == c.owner {
			break
		}
		// A second goroutine: C(v) starts as the locks it holds.
		c.cset = intersect(held, held, write)
		c.state = shared
		if write {
			c.state = sharedModified
		}
	case shared:
		c.cset = intersect(c.cset, held, write)
		if write {
			c.state = sharedModified
		}
	default:
		c.cset = intersect(c.cset, held, write)
	}
	if c.state == sharedModified && len(c.cset) == 0 && !c.reported {
		c.reported = true
		d.found(c, base, write, rec, a)
	}
	c.record(write, rec)
}

// A finding is a report in the making: formatted by Report, outside the
// callbacks.
type finding struct {
	varAddr, varSize uintptr
	cur              record
	curWrite         bool
	addr, size       uintptr
	prev             record
	prevWrite        bool
}

// found records a report for c: the current access and the last
// conflicting access by another goroutine: for a write, the later of the
// last read and the last write by another goroutine; for a read, the last
// write by another goroutine, or with none the last read.
func (d *detector) found(c *cell, base uintptr, write bool, rec *record, a *race.Access) {
	f := finding{
		varAddr: base + uintptr(c.off), varSize: uintptr(c.size),
		cur: *rec, curWrite: write, addr: a.Addr, size: a.Size,
	}
	pw, pr := c.w.other(rec.gid), c.r.other(rec.gid)
	switch {
	case pw != nil && (pr == nil || !write || int32(pw.seq-pr.seq) > 0):
		f.prev, f.prevWrite = *pw, true
	case pr != nil:
		f.prev = *pr
	}
	d.repMu.Lock()
	d.findings = append(d.findings, f)
	d.repMu.Unlock()
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	d.repMu.Lock()
	fs := d.findings
	d.findings = nil
	d.repMu.Unlock()
	var reps []race.Report
	for i := range fs {
		reps = append(reps, fs[i].report())
	}
	return reps
}

func (f *finding) report() race.Report {
	var b strings.Builder
	b.WriteString("lockset: no common lock protects the variable at ")
	b.WriteString(hex(f.varAddr))
	b.WriteString(": goroutines ")
	b.WriteString(strconv.FormatInt(f.prev.gid, 10))
	b.WriteString(" and ")
	b.WriteString(strconv.FormatInt(f.cur.gid, 10))
	b.WriteString(" write or read it, and no lock has been held at every access since it was shared")
	r := race.Report{
		Kind:    "DATA RACE",
		Message: b.String(),
		Accesses: []race.ReportAccess{{
			Write: f.curWrite, Addr: f.addr, Size: f.size,
			G: f.cur.gid, Stack: f.cur.stack, PC: f.cur.pc, Note: heldNote(f.cur.held),
		}},
	}
	if f.prev.held != nil {
		r.Accesses = append(r.Accesses, race.ReportAccess{
			Previous: true, Write: f.prevWrite, Addr: f.varAddr, Size: f.varSize,
			G: f.prev.gid, Stack: f.prev.stack, PC: f.prev.pc, Note: heldNote(f.prev.held),
		})
	}
	return r
}

func hex(v uintptr) string { return "0x" + strconv.FormatUint(uint64(v), 16) }

// heldNote describes a set of held locks: "Locks held: Mutex 0x… (write),
// RWMutex 0x… (read)", or "Locks held: none".
func heldNote(s *lockSet) string {
	if s == nil || len(s.locks) == 0 {
		return "Locks held: none"
	}
	var b strings.Builder
	b.WriteString("Locks held: ")
	for i, l := range s.locks {
		if i > 0 {
			b.WriteString(", ")
		}
		kind, mode := "Mutex ", " (write)"
		if l.rw {
			kind = "RWMutex "
		}
		if l.read {
			mode = " (read)"
		}
		b.WriteString(kind)
		b.WriteString(hex(l.addr))
		b.WriteString(mode)
	}
	return b.String()
}

// OnMalloc implements race.MemoryDetector: new memory is virgin.
func (d *detector) OnMalloc(addr, size uintptr) { d.drop(addr, size) }

// OnFree implements race.MemoryDetector: freed memory's state is dropped.
func (d *detector) OnFree(addr, size uintptr) { d.drop(addr, size) }

// drop forgets the cells and lock records in [addr, addr+size). It runs in
// the allocator and must not allocate.
func (d *detector) drop(addr, size uintptr) { d.pages.Drop(addr, size) }

// Drop implements shadow.Page: it drops the state of [lo, hi] (inclusive)
// in p, and marks p gone if nothing is left in it, for the goroutines that
// cached it.
func (p *page) Drop(start, lo, hi uintptr) bool {
	p.mu.Lock()
	if lo != start || hi != start+pageBytes-1 {
		p.nword -= shadow.DropWords(&p.words, start, lo, hi)
		for a := range p.unlocks {
			if lo <= a && a <= hi {
				delete(p.unlocks, a)
			}
		}
		if !p.empty() {
			p.mu.Unlock()
			return false
		}
	}
	p.gone = true
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
