// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package hybrid

import (
	"math/bits"
	"runtime/race"
	"strconv"
	"sync/atomic"

	"drace/toolkit/locks"
	"drace/toolkit/pages"
	"drace/toolkit/recycle"
	"drace/toolkit/repeat"
	"drace/toolkit/shadow"
	"drace/toolkit/site"
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
	// Its reports do not depend on repeats (doc.go, Costs).
	SkipRepeats: true,
}

func init() { race.Register(Policy) }

// gstate is a goroutine's state: its vector clock and its locks.
type gstate struct {
	// Goroutine is the goroutine's clock C_t and its slot t, taken at its
	// first event, its ID and its acquire-all generation.
	vclock.Goroutine
	held locks.Held

	// sites caches the site ids of the code locations the goroutine
	// recorded cells at lately (siteOf).
	sites [1 << siteSetBits][2]siteMemo
	// repeats drops the accesses of a batch that repeat one of it.
	repeats repeat.Filter
	// refs are the sync addresses the goroutine used last, with their
	// clocks, so that an acquire or release on one finds it without the
	// maps (ref); nextRef is the next to replace.
	refs    [nRefs]syncRef
	nextRef uint32
}

// nRefs is the number of sync addresses a goroutine remembers (gstate.
// refs): a channel's two ends, a WaitGroup, a lock's semaphore.
const nRefs = 4

// A syncRef is a sync address and its clock, or, with v nil, a lock's
// address and the shadow of its word, which holds its mark.
type syncRef struct {
	addr uintptr
	v    *syncVar
	w    *entry
}

// ref returns g's syncRef for addr and true, or, if it has none, the one
// to replace (the one taken longest ago) and false.
func (g *gstate) ref(addr uintptr) (*syncRef, bool) {
	for i := range g.refs {
		if g.refs[i].addr == addr {
			return &g.refs[i], true
		}
	}
	r := &g.refs[g.nextRef%nRefs]
	g.nextRef++
	return r, false
}

// A goroutine caches 2<<siteSetBits sites (gstate.sites): a loop that
// synchronises at every turn records its accesses in a new epoch each
// time (a channel operation, an atomic), at a few code locations.
const siteSetBits = 3

// A siteMemo is a code location and its site id.
type siteMemo struct {
	pc    uintptr
	stack race.StackID
	id    uint32
}

// siteOf returns the site id of a's code location, from g's cache when
// it holds it (ids are the detector's: valid whichever goroutine used g
// before).
//
// The cache is two-way: a set, chosen by a multiplicative hash of the
// location, holds the location used last and the one before it, so that
// two of a loop's locations that share a set do not push each other out
// at every turn.
func (d *detector) siteOf(g *gstate, a *race.Access) uint32 {
	set := &g.sites[(uint64(a.PC)^uint64(a.Stack)<<32)*0x9e3779b97f4a7c15>>(64-siteSetBits)]
	if m := &set[0]; m.pc == a.PC && m.stack == a.Stack && m.id != 0 {
		return m.id
	}
	if m := set[1]; m.pc == a.PC && m.stack == a.Stack && m.id != 0 {
		set[0], set[1] = m, set[0]
		return m.id
	}
	id := d.sites.ID(site.Key{PC: a.PC, Stack: a.Stack})
	set[0], set[1] = siteMemo{a.PC, a.Stack, id}, set[0]
	return id
}

// tick starts a new epoch of g; if its slot was taken, in a new one.
func (d *detector) tick(g *gstate) { d.gs.Tick(&g.Goroutine) }

// A cell is an access recorded in a word, in two 64-bit fields:
//
//	a: clock<<32 | slot<<9 | write<<8 | mask
//	b: site<<32 | aux<<24 | held
//
// its epoch, whether it wrote, its bytes (mask 0: no cell), where it was
// made (a site number) and the set of locks it held (a locks.Set). Its
// goroutine, for reports, is the holder of its slot at its clock. The aux
// bits are the entry's: in the first cell, bit 0 is the entry's lock and
// bits 1 and 2 mark its first and last 4 bytes as a lock object's (see
// markLock); in the second, the bytes whose variable was reported.
type cell struct{ a, b uint64 }

const (
	cWrite   = 1 << 8
	auxBits  = 0xff << 24
	lockBit  = 1 << 24
	markLo   = 1 << 25   // markOf
	maxSlot  = 1<<23 - 1 // slots a cell can name: more than vclock's
	maxHeld  = 1<<24 - 1 // lock sets a cell can name
	slotMask = maxSlot
)

func (c cell) mask() uint8         { return uint8(c.a) }
func (c cell) write() bool         { return c.a&cWrite != 0 }
func (c cell) epoch() vclock.Epoch { return vclock.MakeEpoch(uint32(c.a>>9)&slotMask, uint32(c.a>>32)) }
func (c cell) site() uint32        { return uint32(c.b >> 32) }
func (c cell) held() locks.Set     { return locks.Set(c.b & maxHeld) }

// span returns the first byte and the length of the bytes of mask, a
// contiguous run.
func span(mask uint8) (off, size uint8) {
	off = uint8(bits.TrailingZeros8(mask))
	return off, uint8(bits.OnesCount8(mask))
}

// nCells is the number of accesses a word remembers; past it the oldest
// goes.
const nCells = 2

// An entry is the shadow of an aligned 8-byte word (toolkit/shadow): its
// cells, in use first, oldest first. They are read and written under the
// entry's lock (a shadow.LockBit in the first cell).
type entry struct {
	c [nCells]struct{ a, b atomic.Uint64 }
}

func (w *entry) lock()   { shadow.LockBit(&w.c[0].b, lockBit) }
func (w *entry) unlock() { shadow.UnlockBit(&w.c[0].b, lockBit) }

func (w *entry) get(i int) cell { return cell{w.c[i].a.Load(), w.c[i].b.Load() &^ auxBits} }

// set stores cell i (w locked), keeping the entry's bits.
func (w *entry) set(i int, c cell) {
	w.c[i].b.Store(c.b | w.c[i].b.Load()&auxBits)
	w.c[i].a.Store(c.a)
}

// reported returns the bytes of the word whose variable was reported.
func (w *entry) reported() uint8 { return uint8(w.c[1].b.Load() >> 24) }

func (w *entry) setReported(m uint8) {
	b := w.c[1].b.Load()
	w.c[1].b.Store(b&^auxBits | uint64(m)<<24)
}

const (
	pageShift = pages.PageShift
	// rwmutexSize is the size of a sync.RWMutex: its happens-before edges
	// are on addresses in [obj, obj+rwmutexSize).
	rwmutexSize = 24
)

// A hpage holds the clocks of the sync addresses of an aligned 4 KiB page,
// under its shard's lock.
type hpage struct {
	syncs map[uintptr]*syncVar
}

// A syncVar is the clock L_m of a sync address m. It is dead once dropped
// from its page (OnMalloc, OnFree, markLock): a goroutine's syncRef to it
// then no longer stands for the address. Both fields are guarded by the
// lock of the shard of m's page.
type syncVar struct {
	vc   vclock.Clock
	dead bool
}

type detector struct {
	// shadow holds the accesses to every word; pages the clocks of sync
	// addresses and the lock marks, guarded by their shard's lock.
	shadow shadow.Map[entry]
	// uniform holds one entry for each page a range access covered
	// whole while its words had none, standing for all of them.
	uniform shadow.Uniform[entry]
	pages   pages.Table[hpage, *hpage]
	locks   locks.Table
	// sites keeps what reports say of earlier accesses.
	sites site.Table
	// gs lends the goroutines their slots, at their first events, and
	// keeps the slots' holders, which reports name.
	gs vclock.Goroutines
	// ended keeps the states of goroutines that ended, up to maxEnded,
	// for goroutines started later (newState): a program that starts
	// goroutines by the hundred thousand would otherwise allocate a
	// state, a clock and a filter of repeats for every one.
	ended recycle.Bin[gstate]

	repMu   race.SpinLock
	pending []finding
	// some is set while pending holds any: Report, called after every
	// event, returns without the lock when it is not.
	some atomic.Bool
}

func newDetector() *detector { return &detector{ended: recycle.Bin[gstate]{Max: maxEnded}} }

// maxEnded is the number of ended goroutines' states a detector keeps
// for reuse (detector.ended): some 2 MiB at most.
const maxEnded = 1024

// A cell names its slot in 23 bits: every slot vclock lends fits.
const _ uint = maxSlot - (vclock.MaxSlots - 1)

// newState returns the state of goroutine gid, started by parent (nil if
// not known). It gets its slot, and C_t = inc_t(C_parent), at its first
// event (vclock.Goroutines), as in fasttrack: goroutines started but not
// yet run hold no slot.
func (d *detector) newState(parent *gstate, gid int64) *gstate {
	g := d.ended.Get()
	if g == nil {
		g = new(gstate)
	} else {
		// An ended goroutine's state: its clock's storage (reused by
		// Start), its held locks' memo (of sets, whoever holds them), its
		// filter of repeats (whose entries of earlier batches count as
		// empty), its sync references and its cache of sites serve as
		// they are; the rest is the new goroutine's.
		g.held.Reset()
	}
	var p *vclock.Goroutine
	if parent != nil {
		p = &parent.Goroutine
	}
	d.gs.Start(p, &g.Goroutine, gid)
	return g
}

// state returns g's state, creating it for a goroutine that started before
// the detector, and readies it for an event (vclock.Goroutines.Use): a slot
// at its first event, or again if its slot was taken; after an
// OnAcquireAll, a new epoch.
func (d *detector) state(gr *race.Goroutine) *gstate {
	g, ok := gr.State.(*gstate)
	if !ok {
		g = d.newState(nil, gr.ID)
		gr.State = g
	}
	if !d.gs.Ready(&g.Goroutine) {
		d.gs.Use(&g.Goroutine)
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
		child.State = d.newState(nil, child.ID)
		return
	}
	child.State = d.newState(d.state(parent), child.ID)
}

// OnGoEnd implements race.GoroutineDetector: the goroutine's slot is
// given back for another to take over, and its state kept for a
// goroutine started later.
func (d *detector) OnGoEnd(g *race.Goroutine) {
	if g == nil {
		return
	}
	if s, ok := g.State.(*gstate); ok {
		d.gs.End(&s.Goroutine)
		d.ended.Put(s)
	}
	g.State = nil
}

// dropSync drops the clock of the sync address a, if it has one.
func (d *detector) dropSync(a uintptr) {
	s, p := d.pages.Lock(a>>pageShift, false)
	if p != nil {
		if v := p.syncs[a]; v != nil {
			v.dead = true
			delete(p.syncs, a)
		}
	}
	s.Unlock()
}

// OnSync implements race.NativeSyncDetector: it tracks held locks, and
// marks lock objects so that their edges are left out of happens-before.
func (d *detector) OnSync(op race.SyncOp) {
	if op.G == nil {
		return
	}
	var l locks.Lock
	act := 1 // 1: lock, -1: unlock, 0: nothing
	switch op.Kind {
	case race.MutexLockWait, race.RWMutexLockWait, race.RWMutexRLockWait:
		d.markLock(op.Obj, op.Kind != race.MutexLockWait)
		return
	case race.MutexLock:
		l = locks.Lock{Addr: op.Obj}
	case race.RWMutexLock:
		l = locks.Lock{Addr: op.Obj, RW: true}
	case race.RWMutexRLock:
		l = locks.Lock{Addr: op.Obj, RW: true, Read: true}
	case race.MutexTryLock:
		l, act = locks.Lock{Addr: op.Obj}, int(op.Arg)
	case race.RWMutexTryLock:
		l, act = locks.Lock{Addr: op.Obj, RW: true}, int(op.Arg)
	case race.RWMutexTryRLock:
		l, act = locks.Lock{Addr: op.Obj, RW: true, Read: true}, int(op.Arg)
	case race.MutexUnlock:
		l, act = locks.Lock{Addr: op.Obj}, -1
	case race.RWMutexUnlock:
		l, act = locks.Lock{Addr: op.Obj, RW: true}, -1
	case race.RWMutexRUnlock:
		l, act = locks.Lock{Addr: op.Obj, RW: true, Read: true}, -1
	default:
		return
	}
	d.markLock(l.Addr, l.RW)
	switch g := d.state(op.G); act {
	case 1:
		g.held.Acquire(&d.locks, l, op.PC, op.Stack)
	case -1:
		// A lock g does not hold (unlocked for another goroutine) is
		// ignored.
		g.held.Release(&d.locks, l)
	}
}

// markLock records obj as a lock: its edges (on obj for a Mutex, on
// [obj, obj+24) for a RWMutex, 4-byte aligned) are not happens-before
// edges here. Any clock already kept for them is dropped. The marks are
// bits of the shadow of the lock's words, one per 4 bytes: a lock's words
// are only accessed atomically, so they have no cells.
func (d *detector) markLock(obj uintptr, rw bool) {
	if d.isLock(obj) {
		return
	}
	end := obj + 1
	if rw {
		end = obj + rwmutexSize
	}
	for a := obj; a < end; a += 4 {
		w := d.shadow.Word(a)
		if w == nil {
			panic("hybrid: the system refused to reserve shadow memory")
		}
		m := markOf(a)
		if w.c[0].b.Load()&m != 0 {
			continue
		}
		d.shadow.Mark(a)
		// A lock in a page a range covered whole: the word's mark goes
		// into its own entry, so the page's entry becomes its words'.
		d.uniform.Expand(&d.shadow, a, copyEntry, nil)
		w.lock()
		w.c[0].b.Store(w.c[0].b.Load() | m)
		w.unlock()
		d.dropSync(a)
	}
}

// markOf returns the bit of the first cell's b that marks the 4 bytes of
// a as a lock's.
func markOf(a uintptr) uint64 { return markLo << (a >> 2 & 1) }

// isLock reports whether the address a is marked as a lock's.
func (d *detector) isLock(a uintptr) bool { return d.lockEntry(a) != nil }

// lockEntry returns the shadow of the word of a if a is marked as a
// lock's, nil if not.
func (d *detector) lockEntry(a uintptr) *entry {
	if w := d.shadow.Lookup(a); w != nil && w.c[0].b.Load()&markOf(a) != 0 {
		return w
	}
	return nil
}

// OnAcquire implements race.SyncDetector: C_t ⊔= L_m, unless m is a lock.
//
// An address the goroutine used lately is found through its syncRef,
// without the lock-object check or the maps: a clock not dead is not a
// lock's (markLock drops a lock's clock once it has marked it) and is the
// address's; it is checked under the shard's lock, which guards it. A
// lock's address is checked in its mark, through the shadow of its word
// that the syncRef keeps (the shadow does not move), until OnMalloc
// clears it.
func (d *detector) OnAcquire(s race.Sync) {
	if s.G == nil {
		return
	}
	g := d.state(s.G)
	key := s.Addr >> pageShift
	r, ok := g.ref(s.Addr)
	if ok {
		if r.v == nil {
			if r.w.c[0].b.Load()&markOf(s.Addr) != 0 {
				return // a lock's, and still marked
			}
		} else {
			sh := d.pages.LockShard(key)
			if v := r.v; !v.dead {
				g.C.Join(v.vc)
				sh.Unlock()
				return
			}
			sh.Unlock()
		}
	}
	if w := d.lockEntry(s.Addr); w != nil {
		*r = syncRef{addr: s.Addr, w: w}
		return
	}
	sh, p := d.pages.Lock(key, false)
	if p != nil {
		if v := p.syncs[s.Addr]; v != nil {
			g.C.Join(v.vc)
			*r = syncRef{addr: s.Addr, v: v}
		}
	}
	sh.Unlock()
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
	key := s.Addr >> pageShift
	r, ok := g.ref(s.Addr)
	if ok { // as in OnAcquire
		if r.v == nil {
			if r.w.c[0].b.Load()&markOf(s.Addr) != 0 {
				return
			}
		} else {
			sh := d.pages.LockShard(key)
			if v := r.v; !v.dead {
				setClock(v, g, merge)
				sh.Unlock()
				d.tick(g)
				return
			}
			sh.Unlock()
		}
	}
	if w := d.lockEntry(s.Addr); w != nil {
		*r = syncRef{addr: s.Addr, w: w}
		return
	}
	sh, p := d.pages.Lock(key, true)
	if p.syncs == nil {
		p.syncs = make(map[uintptr]*syncVar)
	}
	v := p.syncs[s.Addr]
	if v == nil {
		v = new(syncVar)
		p.syncs[s.Addr] = v
	}
	*r = syncRef{addr: s.Addr, v: v}
	setClock(v, g, merge)
	sh.Unlock()
	d.tick(g)
}

// setClock sets L_m, v, to C_t, or joins C_t into it if merge is set
// (v's shard locked).
func setClock(v *syncVar, g *gstate, merge bool) {
	if merge {
		v.vc.Join(g.C)
	} else {
		v.vc.Assign(g.C)
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
	d.gs.AcquireAll(&g.Goroutine)
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

// A curAccess is the access being checked, as a cell records it.
type curAccess struct {
	a     *race.Access
	g     *gstate
	write bool
	// ea is the cell's a without its mask and write bit (its epoch),
	// bits with the write bit, held its lock set.
	ea, bits, held uint64
	// site is the access's site id, 0 until a cell needs it (siteOf).
	site uint32
	// uniform is set while the access is applied to a uniform page's
	// entry (shadow.Uniform) rather than a word's.
	uniform bool
}

// begin sets up cur for g's accesses in its current epoch with its
// current locks.
func begin(cur *curAccess, g *gstate) {
	e, held := g.Epoch(), g.held.Set()
	if held > maxHeld {
		panic("hybrid: more lock sets than cells can name")
	}
	cur.g = g
	cur.ea = uint64(e.Clock())<<32 | uint64(e.Slot())<<9
	cur.held = uint64(held)
}

// bitsOf returns a cell's a, without its mask, for an access in the
// epoch ea, a write if write is set.
func bitsOf(ea uint64, write bool) uint64 {
	if write {
		return ea | cWrite
	}
	return ea
}

// OnAccesses implements race.AccessDetector: a batch holds one
// goroutine's accesses between two of its other events, so its epoch and
// its locks do not change within it. An access within one or two words
// (almost every access: the compiler's are of 1 to 8 bytes, and 16-byte
// string and slice headers are read whole) goes to its words' shadow
// directly, through a cursor that keeps the last window of shadow.
func (d *detector) OnAccesses(gr *race.Goroutine, b race.AccessBatch) {
	if gr == nil {
		return
	}
	g := d.state(gr)
	g.repeats.Start()
	// Field by field, not a composite literal: the compiler builds a
	// literal in a temporary and copies it in 16-byte moves, which stall
	// on the stores just made.
	// cur's access is set on the variable itself, not through a method:
	// a store of &buf[i] through a pointer moves buf to the heap.
	var cur curAccess
	begin(&cur, g)
	var cursor shadow.Cursor
	// The batch a chunk at a time: one call of Fill for many accesses.
	// Their G is left unset (Fill does not set it): a report takes the
	// goroutine from cur.g. The buffer is zeroed at every call, and most
	// batches hold an access or two (one between two sync events): a
	// larger one costs more in zeroing than in calls of Fill.
	var buf [bufLen]race.Access
	for {
		n := b.Fill(buf[:])
		for i := range buf[:n] {
			a := &buf[i]
			if a.Size == 0 {
				continue
			}
			// A repeat of an access of the batch, in the same epoch
			// with the same locks, is covered by the first one's cell
			// (toolkit/repeat: accesses within one word).
			write := a.Kind.IsWrite()
			off := a.Addr & 7
			if off+a.Size <= 8 {
				if g.repeats.Repeat(a.Addr, a.Size, write) {
					continue
				}
				cur.a, cur.write, cur.site, cur.bits = a, write, 0, bitsOf(cur.ea, write)
				d.checkWord(d.wordOf(&cursor, a.Addr), a.Addr&^7, shadow.ByteMask(uint8(off), uint8(off+a.Size)), &cur)
				continue
			}
			if off+a.Size <= 16 {
				base := a.Addr &^ 7
				cur.a, cur.write, cur.site, cur.bits = a, write, 0, bitsOf(cur.ea, write)
				d.checkWord(d.wordOf(&cursor, base), base, shadow.ByteMask(uint8(off), 8), &cur)
				d.checkWord(d.wordOf(&cursor, base+8), base+8, shadow.ByteMask(0, uint8(off+a.Size-8)), &cur)
				continue
			}
			cur.a, cur.write, cur.site, cur.bits = a, write, 0, bitsOf(cur.ea, write)
			d.walk(&cur)
		}
		if n < len(buf) {
			return
		}
	}
}

// bufLen is the number of accesses OnAccesses reads at a time.
const bufLen = 8

// wordOf returns the shadow of the word that holds addr, through c.
func (d *detector) wordOf(c *shadow.Cursor, addr uintptr) *entry {
	w := (*entry)(c.Word(addr))
	if w == nil {
		w = d.shadow.WordAt(c, addr)
	}
	if w == nil {
		panic("hybrid: the system refused to reserve shadow memory")
	}
	return w
}

func (d *detector) access(a *race.Access, write bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	var cur curAccess
	begin(&cur, d.state(a.G))
	cur.a, cur.write, cur.site, cur.bits = a, write, 0, bitsOf(cur.ea, write)
	d.walk(&cur)
}

// walk checks and records the access cur, word by word.
func (d *detector) walk(cur *curAccess) {
	a := cur.a
	addr, end := a.Addr, shadow.End(a.Addr, a.Size)
	for addr < end {
		ws, next := d.shadow.Words(addr, end)
		if ws == nil {
			panic("hybrid: the system refused to reserve shadow memory")
		}
		for i := 0; i < len(ws); i++ {
			base := addr &^ 7
			if base&(shadow.UniformSize-1) == 0 && next-base >= shadow.UniformSize {
				// A page the range covers whole: once for all its
				// words, if they share one entry.
				if r := d.uniform.Begin(&d.shadow, base); r != nil {
					cur.uniform = true
					d.checkWord(r, base, 0xff, cur)
					cur.uniform = false
					d.uniform.End(base)
					i += shadow.UniformSize/8 - 1
					addr = base + shadow.UniformSize
					continue
				}
			}
			lo, hi := addr-base, min(next-base, 8)
			d.checkWord(&ws[i], base, shadow.ByteMask(uint8(lo), uint8(hi)), cur)
			addr = base + 8
		}
		addr = next
	}
}

// checkWord checks the access cur to the bytes mask of the word at base,
// whose shadow is w, against the accesses recorded there, then records it,
// dropping the records it subsumes.
func (d *detector) checkWord(w *entry, base uintptr, mask uint8, cur *curAccess) {
	// A cell of the same epoch and locks that covers the access (its
	// bytes, and a write for a write) stands for it: the access would add
	// nothing that a later access could race with and the cell not, and
	// would only push an older cell out. Read without the lock: a cell's
	// a changes with its b. A cell that is the access itself but for its
	// code location must be the newest, which the lock's path would leave
	// in place with the new location; anywhere else that path would move
	// it to the newest place, and with it which cell goes next. So for a
	// cell that is the access itself with a newer cell after it, the code
	// location is looked up, and the cell stands for the access if it has
	// it (the lock's path would change nothing), as when a goroutine reads
	// a table that another reads too.
	ca := cur.bits | uint64(mask)
	for i := range nCells {
		if a := w.c[i].a.Load(); a&^(0xff|cWrite) == cur.ea && uint8(a)&mask == mask && (a&cWrite != 0 || !cur.write) {
			b := w.c[i].b.Load()
			if b&maxHeld != cur.held || w.c[i].a.Load() != a {
				continue
			}
			if a != ca || i == nCells-1 || uint8(w.c[i+1].a.Load()) == 0 {
				return
			}
			if cur.site == 0 {
				cur.site = d.siteOf(cur.g, cur.a)
			}
			if uint32(b>>32) == cur.site {
				return
			}
		}
	}
	d.record(w, base, mask, cur, ca)
}

// record checks the access cur, whose cell's a is ca, to the bytes mask of
// the word at base, whose shadow is w, against the accesses recorded there
// under the word's lock, then records it, dropping the records it
// subsumes: checkWord's path when no cell stands for the access, apart so
// that checkWord's own frame stays small.
//
//go:noinline
func (d *detector) record(w *entry, base uintptr, mask uint8, cur *curAccess, ca uint64) {
	if cur.site == 0 {
		cur.site = d.siteOf(cur.g, cur.a)
	}
	c := cell{ca, uint64(cur.site)<<32 | cur.held}
	w.lock()
	if !cur.uniform && w.get(0).mask() == 0 {
		// Recorded below, whatever the cells: the page has a cell now
		// (shadow.Map.Reset skips the pages without).
		d.shadow.Mark(base)
		if d.uniform.Active(base) {
			// The word's page has one entry for all its words: give
			// each its own, then go on with this one's.
			w.unlock()
			d.uniform.Expand(&d.shadow, base, copyEntry, nil)
			w.lock()
		}
	}
	var old [nCells]cell
	var kept [nCells + 1]cell
	n := 0
	was := w.reported()
	reported := was
	for i := range nCells {
		r := w.get(i)
		if r.mask() == 0 {
			break
		}
		old[i] = r
		if r == c {
			w.unlock()
			return // the same access again: checked and recorded already
		}
		overlap := r.mask()&mask != 0
		ordered := r.epoch().Before(cur.g.C) // or program order
		if overlap && !ordered && (r.write() || cur.write) && reported&(mask&-mask) == 0 &&
			!d.locks.Common(r.held(), r.write(), c.held(), cur.write) {
			reported |= mask & -mask
			d.found(base, c, r, cur.a, cur.g.ID())
		}
		// r is subsumed if cur covers it, comes after it, conflicts
		// with all it conflicts with, and is protected by no more locks:
		// a later access racing with r races with cur too.
		if ordered && r.mask()&^mask == 0 && (cur.write || !r.write()) &&
			d.locks.Within(c.held(), cur.write, r.held(), r.write()) {
			continue
		}
		kept[n] = r
		n++
	}
	kept[n] = c
	n++
	first := 0
	if n > nCells {
		first = n - nCells // the oldest goes
	}
	// Stores only for what changed: most often one cell, and of it only
	// its a when the same code location with the same locks comes back
	// in a new epoch (b before a, as set does).
	for i := range nCells {
		if k := kept[first+i]; k != old[i] { // zero past the last
			if k.b != old[i].b {
				w.c[i].b.Store(k.b | w.c[i].b.Load()&auxBits)
			}
			w.c[i].a.Store(k.a)
		}
	}
	if reported != was {
		w.setReported(reported)
	}
	w.unlock()
}

// A finding is a report to be formatted in Report.
type finding struct {
	cur, prev  cell
	gid        int64
	addr, size uintptr
	base       uintptr
}

func (d *detector) found(base uintptr, cur, prev cell, a *race.Access, gid int64) {
	f := finding{cur: cur, prev: prev, gid: gid, addr: a.Addr, size: a.Size, base: base}
	d.repMu.Lock()
	d.pending = append(d.pending, f)
	d.some.Store(true)
	d.repMu.Unlock()
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	if !d.some.Load() {
		return nil
	}
	d.repMu.Lock()
	fs := d.pending
	d.pending = nil
	d.some.Store(false)
	d.repMu.Unlock()
	var out []race.Report
	for _, f := range fs {
		coff, _ := span(f.cur.mask())
		poff, psize := span(f.prev.mask())
		pe := f.prev.epoch()
		pgid := d.gs.Holders.Goroutine(pe)
		cs, ps := d.sites.Key(f.cur.site()), d.sites.Key(f.prev.site())
		msg := "hybrid: no common lock protects the variable at 0x" + strconv.FormatUint(uint64(f.base)+uint64(coff), 16) +
			": goroutines " + strconv.FormatInt(pgid, 10) + " and " + strconv.FormatInt(f.gid, 10) +
			" access it holding no lock in common, unordered by anything but locks"
		out = append(out, race.Report{
			Kind:    "DATA RACE",
			Message: msg,
			Accesses: []race.ReportAccess{
				{Write: f.cur.write(), Addr: f.addr, Size: f.size, G: f.gid,
					Stack: cs.Stack, PC: cs.PC, Note: d.locksNote(f.cur.held())},
				{Previous: true, Write: f.prev.write(), Addr: f.base + uintptr(poff), Size: uintptr(psize), G: pgid,
					Stack: ps.Stack, PC: ps.PC, Note: d.locksNote(f.prev.held())},
			},
		})
	}
	return out
}

// locksNote says which locks an access held.
func (d *detector) locksNote(s locks.Set) string { return "Locks held: " + d.locks.Describe(s) }

// OnMalloc implements race.MemoryDetector: new memory has no history. Its
// shadow is reset here, and not when it is freed: memory is allocated
// again before it is used again.
func (d *detector) OnMalloc(addr, size uintptr) {
	d.shadow.Reset(addr, size, clipEntry, nil)
	d.uniform.Reset(addr, size, nil)
	d.pages.Drop(addr, size)
}

// OnFree implements race.MemoryDetector: the sync clocks and lock marks
// of freed memory go.
func (d *detector) OnFree(addr, size uintptr) { d.pages.Drop(addr, size) }

// copyEntry gives the zero entry dst the cells of src, a uniform page's
// entry (Uniform.Expand).
func copyEntry(dst, src *entry) {
	dst.lock()
	for i := range nCells {
		dst.set(i, src.get(i))
	}
	dst.setReported(src.reported())
	dst.unlock()
}

// clipEntry drops the cells of the word whose shadow is w that have bytes
// in [lo, hi), their reported bits and lock marks. It runs in the
// allocator: no allocation.
func clipEntry(w *entry, lo, hi uint8) {
	m := uint8(1<<hi - 1<<lo)
	w.lock()
	for half := range 2 {
		if m&(0xf<<(4*half)) != 0 {
			w.c[0].b.Store(w.c[0].b.Load() &^ (markLo << half))
		}
	}
	n := 0
	for i := range nCells {
		if c := w.get(i); c.mask() != 0 && c.mask()&m == 0 {
			w.set(n, c)
			n++
		}
	}
	for ; n < nCells; n++ {
		w.set(n, cell{})
	}
	w.setReported(w.reported() &^ m)
	w.unlock()
}

// Drop implements pages.Page: it drops every clock of p in [lo, hi].
// It runs in the allocator: no allocation.
func (p *hpage) Drop(start, lo, hi uintptr) bool {
	whole := lo == start && hi == start+pages.PageSize-1
	for a, v := range p.syncs {
		if whole || lo <= a && a <= hi {
			v.dead = true // goroutines' syncRefs to it no longer hold
			delete(p.syncs, a)
		}
	}
	return len(p.syncs) == 0
}
