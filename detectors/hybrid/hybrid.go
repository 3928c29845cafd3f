// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package hybrid

import (
	"math"
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"

	"drace/detectors/internal/shadow"
	"drace/toolkit/vclock"
)

// Policy is the hybrid lockset / happens-before detector.
var Policy = &race.Policy{
	Name: "hybrid",
	Doc: `report lockset violations between accesses not ordered otherwise (hybrid)

A hybrid of lockset and happens-before in the spirit of O'Callahan and Choi
(PPoPP 2003): two accesses to a variable by different goroutines, one a
write, are reported when they hold no sync.Mutex or sync.RWMutex in common
and are concurrent in the happens-before order built from goroutine starts,
channels, WaitGroup, Once, atomics and the other runtime edges, leaving out
the edges of the locks themselves. Ownership hand-offs are not reported; an
inconsistently locked variable is, whichever order the schedule chose.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

// A hlock is a lock held by a goroutine, in read mode (RLock) or not.
type hlock struct {
	addr     uintptr
	rw, read bool
}

// A held is an immutable list of the locks a goroutine holds (a lock read
// locked twice is listed twice). Access records point to it.
type held struct{ locks []hlock }

var noLocks = &held{}

// guards reports whether h holds the lock at addr in a mode that orders an
// access (write or not) by lock discipline: write mode for a write.
func (h *held) guards(addr uintptr, write bool) bool {
	for _, l := range h.locks {
		if l.addr == addr && !(write && l.read) {
			return true
		}
	}
	return false
}

// commonLock reports whether two accesses hold a lock in common, each in a
// mode that suits it.
func commonLock(a *held, aw bool, b *held, bw bool) bool {
	for _, l := range a.locks {
		if !(aw && l.read) && b.guards(l.addr, bw) {
			return true
		}
	}
	return false
}

// weaker reports whether every lock guarding access a (a's locks, write
// or not) also guards b: then whatever b's locks protect it from, a's
// would too.
func weaker(a *held, aw bool, b *held, bw bool) bool {
	for _, l := range a.locks {
		if !(aw && l.read) && !b.guards(l.addr, bw) {
			return false
		}
	}
	return true
}

// gstate is a goroutine's state: its vector clock and its locks.
type gstate struct {
	// Thread is the goroutine's clock C_t and its slot t.
	vclock.Thread
	gen uint64 // the acquire-all count seen

	// locks is the stack of held sets, the current one last, and pushed
	// the lock each one added to the one before it, so that unlocking in
	// reverse order reuses the earlier sets.
	locks  []*held
	pushed []hlock
}

func (g *gstate) current() *held { return g.locks[len(g.locks)-1] }

func (g *gstate) lock(l hlock) {
	cur := g.current().locks
	n := &held{locks: append(append(make([]hlock, 0, len(cur)+1), cur...), l)}
	g.locks = append(g.locks, n)
	g.pushed = append(g.pushed, l)
}

func (g *gstate) unlock(l hlock) {
	if k := len(g.pushed); k > 0 && g.pushed[k-1] == l {
		g.locks[k] = nil
		g.locks, g.pushed = g.locks[:k], g.pushed[:k-1]
		return
	}
	cur := g.current().locks
	for i := len(cur) - 1; i >= 0; i-- {
		if cur[i] == l {
			rest := append(append([]hlock(nil), cur[:i]...), cur[i+1:]...)
			// Out of order: start a new stack from what is left.
			clear(g.locks)
			g.locks = append(g.locks[:0], &held{locks: rest})
			g.pushed = g.pushed[:0]
			return
		}
	}
	// Not held by g (unlocked for another goroutine): ignored.
}

// tick starts a new epoch of g.
func (d *detector) tick(g *gstate) { d.slots.Tick(&g.Thread) }

// A hrec is an access recorded in a word: its span, its epoch, and for
// reports who made it where, holding what.
type hrec struct {
	off, size uint8
	write     bool
	epoch     vclock.Epoch
	gid       int64
	pc        uintptr
	stack     race.StackID
	held      *held
}

// maxRecs bounds the accesses a word remembers; past it the oldest goes.
const maxRecs = 8

// A hword is the shadow of an aligned 8-byte word.
type hword struct {
	recs     []hrec
	reported uint8 // bit i: the variable at byte i was reported
}

const (
	pageShift = shadow.PageShift
	// rwmutexSize is the size of a sync.RWMutex: its happens-before edges
	// are on addresses in [obj, obj+rwmutexSize).
	rwmutexSize = 24
)

// A hpage is the state for an aligned 4 KiB page: words by index, sync
// clocks, and lock objects, whose edges are left out.
type hpage struct {
	words  *[shadow.WordsPerPage]*hword // allocated with the first word
	nwords int
	syncs  map[uintptr]vclock.Clock
	locks  map[uintptr]bool
}

func (p *hpage) empty() bool { return p.nwords+len(p.syncs)+len(p.locks) == 0 }

type detector struct {
	// pages holds the pages; a page is guarded by its shard's lock.
	pages shadow.Table[hpage, *hpage]

	slots vclock.Slots
	gen   atomic.Uint64 // OnAcquireAll calls

	repMu   race.SpinLock
	pending []finding
}

func newDetector() *detector { return new(detector) }

// newState returns the state of a new goroutine whose clock, before its
// first epoch, is a copy of vc (nil for none): a slot, and C_t = inc_t(vc).
func (d *detector) newState(vc vclock.Clock) *gstate {
	g := &gstate{Thread: vclock.Thread{C: append(vclock.Clock(nil), vc...)}, gen: d.gen.Load(), locks: []*held{noLocks}}
	d.slots.Attach(&g.Thread)
	return g
}

// state returns g's state, creating it for a goroutine that started before
// the detector; after an OnAcquireAll it starts a new epoch.
func (d *detector) state(gr *race.Goroutine) *gstate {
	g, ok := gr.State.(*gstate)
	if !ok {
		g = d.newState(nil)
		gr.State = g
	}
	if gen := d.gen.Load(); g.gen != gen {
		g.gen = gen
		d.tick(g)
	}
	return g
}

// OnGoStart implements race.GoroutineDetector: the child starts with the
// parent's clock and no locks.
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if child == nil {
		return
	}
	if parent == nil {
		child.State = d.newState(nil)
		return
	}
	p := d.state(parent)
	child.State = d.newState(p.C)
	d.tick(p)
}

// OnGoEnd implements race.GoroutineDetector: the goroutine's slot is
// given back for another to take over.
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g == nil {
		return
	}
	if s, ok := g.State.(*gstate); ok {
		d.slots.Detach(&s.Thread)
	}
	g.State = nil
}

// withPage runs f on the page for addr with its shard locked; if there is
// no page and create is false, f gets nil.
func (d *detector) withPage(addr uintptr, create bool, f func(p *hpage)) {
	s, p := d.pages.Lock(addr>>pageShift, create)
	f(p)
	s.Unlock()
}

// OnSync implements race.NativeSyncDetector: it tracks held locks, and
// marks lock objects so that their edges are left out of happens-before.
func (d *detector) OnSync(op race.SyncOp) {
	if op.G == nil {
		return
	}
	var l hlock
	act := 1 // 1: lock, -1: unlock, 0: nothing
	switch op.Kind {
	case race.MutexLockWait, race.RWMutexLockWait, race.RWMutexRLockWait:
		d.markLock(op.Obj, op.Kind != race.MutexLockWait)
		return
	case race.MutexLock:
		l = hlock{addr: op.Obj}
	case race.RWMutexLock:
		l = hlock{addr: op.Obj, rw: true}
	case race.RWMutexRLock:
		l = hlock{addr: op.Obj, rw: true, read: true}
	case race.MutexTryLock:
		l, act = hlock{addr: op.Obj}, int(op.Arg)
	case race.RWMutexTryLock:
		l, act = hlock{addr: op.Obj, rw: true}, int(op.Arg)
	case race.RWMutexTryRLock:
		l, act = hlock{addr: op.Obj, rw: true, read: true}, int(op.Arg)
	case race.MutexUnlock:
		l, act = hlock{addr: op.Obj}, -1
	case race.RWMutexUnlock:
		l, act = hlock{addr: op.Obj, rw: true}, -1
	case race.RWMutexRUnlock:
		l, act = hlock{addr: op.Obj, rw: true, read: true}, -1
	default:
		return
	}
	d.markLock(l.addr, l.rw)
	switch g := d.state(op.G); act {
	case 1:
		g.lock(l)
	case -1:
		g.unlock(l)
	}
}

// markLock records obj as a lock: its edges (on obj for a Mutex, on
// [obj, obj+24) for a RWMutex, 4-byte aligned) are not happens-before
// edges here. Any clock already kept for them is dropped.
func (d *detector) markLock(obj uintptr, rw bool) {
	known := false
	d.withPage(obj, false, func(p *hpage) { known = p != nil && p.locks[obj] })
	if known {
		return
	}
	end := obj + 1
	if rw {
		end = obj + rwmutexSize
	}
	for a := obj; a < end; a += 4 {
		d.withPage(a, true, func(p *hpage) {
			if p.locks == nil {
				p.locks = make(map[uintptr]bool)
			}
			if !p.locks[a] {
				p.locks[a] = true
				delete(p.syncs, a)
			}
		})
		if a == obj && !rw {
			break
		}
	}
}

// OnAcquire implements race.SyncDetector: C_t ⊔= L_m, unless m is a lock.
func (d *detector) OnAcquire(s race.Sync) {
	if s.G == nil {
		return
	}
	g := d.state(s.G)
	d.withPage(s.Addr, false, func(p *hpage) {
		if p == nil {
			return
		}
		g.C.Join(p.syncs[s.Addr])
	})
}

// OnRelease implements race.SyncDetector: L_m = C_t, unless m is a lock.
func (d *detector) OnRelease(s race.Sync) { d.release(s, false) }

// OnReleaseMerge implements race.SyncDetector: L_m ⊔= C_t, unless m is a
// lock.
func (d *detector) OnReleaseMerge(s race.Sync) { d.release(s, true) }

func (d *detector) release(s race.Sync, merge bool) {
	if s.G == nil {
		return
	}
	g := d.state(s.G)
	released := false
	d.withPage(s.Addr, true, func(p *hpage) {
		if p.locks[s.Addr] {
			return
		}
		if p.syncs == nil {
			p.syncs = make(map[uintptr]vclock.Clock)
		}
		l := p.syncs[s.Addr]
		if merge {
			l.Join(g.C)
		} else {
			l.Assign(g.C)
		}
		p.syncs[s.Addr] = l
		released = true
	})
	if released {
		d.tick(g)
	}
}

// OnAcquireAll implements race.SyncDetector: g is ordered after
// every goroutine's current epoch, and every goroutine starts a new epoch
// at its next event.
func (d *detector) OnAcquireAll(gr *race.Goroutine) {
	if gr == nil {
		return
	}
	g := d.state(gr)
	d.slots.AcquireAll(&g.Thread)
	g.gen = d.gen.Add(1)
	d.tick(g)
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
	cur := hrec{
		write: write, epoch: g.Epoch(),
		gid: a.G.ID, pc: a.PC, stack: a.Stack, held: g.current(),
	}
	last := a.Addr + a.Size - 1
	if last < a.Addr {
		last = math.MaxUint
	}
	// Page by page, word by word, with the page's shard locked once.
	for w := a.Addr &^ 7; ; {
		d.withPage(w, true, func(p *hpage) {
			for {
				lo, hi := max(a.Addr, w)-w, min(last, w+7)-w+1
				cur.off, cur.size = uint8(lo), uint8(hi-lo)
				d.checkWord(p, w, g, &cur, a)
				if w+7 >= last || (w+8)%(1<<pageShift) == 0 {
					return
				}
				w += 8
			}
		})
		if w+7 >= last {
			return
		}
		w += 8
	}
}

// checkWord checks cur against the accesses recorded for the word at w,
// then records it, dropping the records it subsumes.
func (d *detector) checkWord(p *hpage, w uintptr, g *gstate, cur *hrec, a *race.Access) {
	if p.words == nil {
		p.words = new([shadow.WordsPerPage]*hword)
	}
	idx := w >> 3 % (1 << (pageShift - 3))
	hw := p.words[idx]
	if hw == nil {
		hw = new(hword)
		p.words[idx] = hw
		p.nwords++
	}
	cend := cur.off + cur.size
	kept := hw.recs[:0]
	for _, r := range hw.recs {
		overlap := r.off < cend && cur.off < r.off+r.size
		ordered := r.epoch.Before(g.C) // or program order
		if overlap && !ordered && (r.write || cur.write) && hw.reported&(1<<cur.off) == 0 &&
			!commonLock(r.held, r.write, cur.held, cur.write) {
			hw.reported |= 1 << cur.off
			d.found(w, cur, &r, a)
		}
		// r is subsumed if cur covers it, comes after it, conflicts
		// with all it conflicts with, and is protected by no more locks:
		// a later access racing with r races with cur too.
		if ordered && cur.off <= r.off && r.off+r.size <= cend && (cur.write || !r.write) &&
			weaker(cur.held, cur.write, r.held, r.write) {
			continue
		}
		kept = append(kept, r)
	}
	clear(hw.recs[len(kept):])
	if len(kept) == maxRecs {
		copy(kept, kept[1:])
		kept = kept[:maxRecs-1]
	}
	hw.recs = append(kept, *cur)
}

// A finding is a report to be formatted in Report.
type finding struct {
	cur, prev  hrec
	addr, size uintptr
	varAddr    uintptr
	prevAddr   uintptr
}

func (d *detector) found(w uintptr, cur, prev *hrec, a *race.Access) {
	f := finding{cur: *cur, prev: *prev, addr: a.Addr, size: a.Size,
		varAddr: w + uintptr(cur.off), prevAddr: w + uintptr(prev.off)}
	d.repMu.Lock()
	d.pending = append(d.pending, f)
	d.repMu.Unlock()
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	d.repMu.Lock()
	fs := d.pending
	d.pending = nil
	d.repMu.Unlock()
	var out []race.Report
	for _, f := range fs {
		msg := "hybrid: no common lock protects the variable at 0x" + strconv.FormatUint(uint64(f.varAddr), 16) +
			": goroutines " + strconv.FormatInt(f.prev.gid, 10) + " and " + strconv.FormatInt(f.cur.gid, 10) +
			" access it holding no lock in common, unordered by anything but locks"
		out = append(out, race.Report{
			Kind:    "DATA RACE",
			Message: msg,
			Accesses: []race.ReportAccess{
				{Write: f.cur.write, Addr: f.addr, Size: f.size, G: f.cur.gid,
					Stack: f.cur.stack, PC: f.cur.pc, Note: locksNote(f.cur.held)},
				{Previous: true, Write: f.prev.write, Addr: f.prevAddr, Size: uintptr(f.prev.size), G: f.prev.gid,
					Stack: f.prev.stack, PC: f.prev.pc, Note: locksNote(f.prev.held)},
			},
		})
	}
	return out
}

// locksNote says which locks an access held.
func locksNote(h *held) string {
	if len(h.locks) == 0 {
		return "Locks held: none"
	}
	parts := make([]string, len(h.locks))
	for i, l := range h.locks {
		kind, mode := "Mutex", "write"
		if l.rw {
			kind = "RWMutex"
		}
		if l.read {
			mode = "read"
		}
		parts[i] = kind + " 0x" + strconv.FormatUint(uint64(l.addr), 16) + " (" + mode + ")"
	}
	return "Locks held: " + strings.Join(parts, ", ")
}

// OnMalloc implements race.MemoryDetector: new memory has no history.
func (d *detector) OnMalloc(addr, size uintptr) { d.pages.Drop(addr, size) }

// OnFree implements race.MemoryDetector: freed memory's history goes.
func (d *detector) OnFree(addr, size uintptr) { d.pages.Drop(addr, size) }

// Drop implements shadow.Page: it drops every record, clock and lock mark
// of p in [lo, hi]. It runs in the allocator: no allocation.
func (p *hpage) Drop(start, lo, hi uintptr) bool {
	if lo != start || hi != start+shadow.PageSize-1 {
		if p.words != nil {
			p.nwords -= shadow.DropWords(p.words, start, lo, hi)
		}
		for a := range p.syncs {
			if lo <= a && a <= hi {
				delete(p.syncs, a)
			}
		}
		for a := range p.locks {
			if lo <= a && a <= hi {
				delete(p.locks, a)
			}
		}
		if !p.empty() {
			return false
		}
	}
	return true
}

// Clip implements shadow.Word: it removes the records overlapping [lo, hi)
// of the word, and their reported bits.
func (hw *hword) Clip(lo, hi uint8) bool {
	hw.recs = shadow.Clip(hw.recs, lo, hi)
	for b := lo; b < hi; b++ {
		hw.reported &^= 1 << b
	}
	return len(hw.recs) == 0
}

// Span implements shadow.Span.
func (r *hrec) Span() (off, size uint8) { return r.off, r.size }
