// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The detector drops every access of the standard library's and the
// runtime's code (see std), so the go command may leave that code without
// access instrumentation (race.Policy.IgnoresStd):
//
//go:drace ignorestd

package lockset

import (
	"math"
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"

	"drace/toolkit/code"
	"drace/toolkit/locks"
	"drace/toolkit/recycle"
	"drace/toolkit/shadow"
	"drace/toolkit/site"
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
	New:        func() race.Detector { return newDetector() },
	Stacks:     true,
	IgnoresStd: true,
}

func init() { race.Register(Policy) }

// gstate is a goroutine's state: the locks it holds.
type gstate struct {
	held locks.Held
	// owned lists the locks held in write mode with the foreign-unlock
	// generation when they were taken (see detector.unlockGen).
	owned   []ownedLock
	seenGen uint64

	// sites remembers the code locations of the goroutine's recent
	// accesses (see where): small at first, then, once the goroutine
	// has missed in it growAfter times, a table of bigSites; slotOf's
	// hash >> shift is the slot.
	sites  []siteSlot
	shift  uint8
	misses uint16
	small  [smallSites]siteSlot
}

func newGstate() *gstate {
	g := new(gstate)
	g.sites, g.shift = g.small[:], 64-smallBits
	return g
}

// A siteSlot is a code location and its site id, or stdSite for code that
// is not checked; id 0 marks an empty slot.
type siteSlot struct {
	key site.Key
	id  uint32
}

const (
	smallBits  = 3 // log2 of smallSites
	smallSites = 1 << smallBits
	bigBits    = 6 // log2 of bigSites
	bigSites   = 1 << bigBits
	growAfter  = 256
	stdSite    = math.MaxUint32
)

// where returns the site id of an access at pc with stack by g, or
// stdSite if the code is the standard library's (see std). A goroutine's
// loops go round a few code locations: they are looked up in g's own
// small table first, and classified and numbered once each while they
// stay in it. Both answers are functions of the location alone.
func (d *detector) where(g *gstate, pc uintptr, stack race.StackID) uint32 {
	s := &g.sites[slotOf(pc, stack)>>g.shift]
	if s.id != 0 && s.key.PC == pc && s.key.Stack == stack {
		return s.id
	}
	return d.whereMiss(g, s, pc, stack)
}

// slotOf returns a hash of pc and stack, whose top bits are their slot in
// gstate.sites.
func slotOf(pc uintptr, stack race.StackID) uint64 {
	return (uint64(pc) ^ uint64(stack)<<7) * 0x9e3779b97f4a7c15
}

// whereMiss is where for a location not in its slot s of g.sites. A
// goroutine that misses often (code going round more locations than
// the small table holds, or colliding in it) moves to a larger table.
func (d *detector) whereMiss(g *gstate, s *siteSlot, pc uintptr, stack race.StackID) uint32 {
	k := site.Key{PC: pc, Stack: stack}
	id := uint32(stdSite)
	if !d.std(pc, stack) {
		id = d.sites.ID(k)
	}
	if g.misses++; g.misses == growAfter && len(g.sites) < bigSites {
		g.sites, g.shift = make([]siteSlot, bigSites), 64-bigBits
		s = &g.sites[slotOf(pc, stack)>>g.shift]
	}
	*s = siteSlot{k, id}
	return id
}

type ownedLock struct {
	locks.Lock
	gen uint64
}

// Eraser's states of a variable. A variable that has never been accessed
// (virgin) has no cell.
const (
	exclusive      = iota + 1 // accessed by one goroutine only (owner)
	shared                    // read by a second goroutine, not written since
	sharedModified            // written by a second goroutine, or written once shared
)

// A cell is the lockset state of one variable, the byte span [off,
// off+size) of an 8-byte word, in two 64-bit fields:
//
//	a: off | size<<3 | state<<7 | reported<<9 | x<<32
//	b: site | write<<31 | held<<32   (exclusive: the owner's last access)
//	b: history index | 1<<63         (shared and shared-modified)
//
// x is the owner's goroutine ID (its low 32 bits) in the exclusive state,
// and C(v), a lock set id, from shared on. write says whether the owner's
// last access wrote. A cell of size 0 is free. Bit 11 of the first cell's
// a is its entry's lock.
//
// An access by the owner of an exclusive variable changes its b only, and
// the owner makes that change without the entry's lock, with a
// compare-and-swap of b (see fast). Whoever else changes an exclusive
// cell's b does so with the lock and a compare-and-swap too (see
// accessLocked), or by zeroing the cell; bit 63 (bFrozen) of b, never set
// in an exclusive cell's (lock set ids stay below 1<<31), is set from
// then on, so that an owner that read the cell before it changed cannot
// swap b any more.
type cell struct{ a, b uint64 }

const (
	spanBits  = 1<<7 - 1 // off | size<<3
	cReported = 1 << 9
	lockBit   = 1 << 11
	bWrite    = 1 << 31
	bFrozen   = 1 << 63
)

func (c cell) off() uint8      { return uint8(c.a & 7) }
func (c cell) size() uint8     { return uint8(c.a >> 3 & 15) }
func (c cell) state() uint8    { return uint8(c.a >> 7 & 3) }
func (c cell) x() uint32       { return uint32(c.a >> 32) }
func (c cell) end() uint8      { return c.off() + c.size() }
func (c *cell) setX(x uint32)  { c.a = c.a&math.MaxUint32 | uint64(x)<<32 }
func (c *cell) setState(s int) { c.a = c.a&^(3<<7) | uint64(s)<<7 }

func newCell(off, size uint8, owner int64, write bool, site uint32, held locks.Set) cell {
	c := cell{a: uint64(off) | uint64(size)<<3 | exclusive<<7 | uint64(uint32(owner))<<32}
	c.b = ownerB(write, site, held)
	return c
}

// ownerB is an exclusive cell's b for the owner's access. Site ids stay
// below 1<<31 (they number code locations).
func ownerB(write bool, site uint32, held locks.Set) uint64 {
	b := uint64(site) | uint64(held)<<32
	if write {
		b |= bWrite
	}
	return b
}

// An entry is the shadow of an aligned 8-byte word (toolkit/shadow): the
// cells of up to two variables. The cells are read and written under the
// entry's lock (a shadow.LockBit in the first cell's a). The shadow holds
// the first cell; the second is the record's far half, in a plane of the
// shadow that takes memory only where a word has held two variables, so
// that a word of one variable (most) costs 16 bytes. Bit 10 (farBit) of
// the first cell's a is set while the second cell is in use: an access
// to a word of one variable does not read the far half (whose page, never
// written, would be mapped for the read).
type entry struct{ a, b atomic.Uint64 }

const (
	// farBit in the first cell's a: the second cell is in use.
	farBit = 1 << 10
	// notCell are the bits of the first cell's a that are not the cell's.
	notCell = lockBit | farBit
)

// nCells is the number of variables a word's entry holds.
const nCells = 2

// loadA returns the a of cell i of w's record, without w's flag bits.
func (w *entry) loadA(i int) uint64 {
	a0 := w.a.Load()
	if i == 0 {
		return a0 &^ notCell
	}
	if a0&farBit == 0 {
		return 0
	}
	return shadow.LoadFar(w, &w.a)
}

// loadAs returns the a of both cells of w's record, without w's flag
// bits: the far half read only when the first cell says it is in use.
// Two results, not an array: where it is not inlined (in a function too
// large to inline it into), an array result goes back through memory,
// written as two words and read as one 16-byte load, which the processor
// cannot forward from the stores (a stall of some ten cycles at each
// call: 17% of lockset's time on go.etcd.io/bbolt's internal/tests).
func (w *entry) loadAs() (a0, a1 uint64) {
	x := w.a.Load()
	if x&farBit != 0 {
		a1 = shadow.LoadFar(w, &w.a)
	}
	return x &^ notCell, a1
}

// loadB returns the b of cell i of w's record (with cell i in use).
func (w *entry) loadB(i int) uint64 {
	if i == 0 {
		return w.b.Load()
	}
	return shadow.LoadFar(w, &w.b)
}

// cw returns the half of w's record that holds cell i, for writing: its
// far half through m.WriteFar, which marks its page for Reset.
func (w *entry) cw(m *shadow.Map[entry], i int) *entry {
	if i == 0 {
		return w
	}
	return m.WriteFar(w)
}

func (w *entry) lock()   { shadow.LockBit(&w.a, lockBit) }
func (w *entry) unlock() { shadow.UnlockBit(&w.a, lockBit) }

func (w *entry) get(i int) cell {
	a := w.loadA(i)
	if a == 0 {
		return cell{}
	}
	return cell{a, w.loadB(i)}
}

// set stores cell i (w locked), each field only if it changes: b first,
// as fast expects; with the second cell, farBit after it.
func (w *entry) set(m *shadow.Map[entry], i int, c cell) {
	old0 := w.a.Load()
	if i == 1 && old0&farBit == 0 && c.a == 0 {
		return // not in use, and stays so
	}
	if i == 0 {
		if w.b.Load() != c.b {
			w.b.Store(c.b)
		}
		if old0&^notCell != c.a {
			w.a.Store(c.a | old0&notCell)
		}
		return
	}
	// The far half is compared before it is written: WriteFar, which
	// marks its block, only when a field changes (most stores of a
	// covered access store what is there).
	if fb, fa := shadow.LoadFar(w, &w.b), shadow.LoadFar(w, &w.a); fb != c.b || fa != c.a {
		h := m.WriteFar(w)
		if fb != c.b {
			h.b.Store(c.b)
		}
		if fa != c.a {
			h.a.Store(c.a)
		}
	}
	if c.a != 0 {
		if old0&farBit == 0 {
			w.a.Store(old0 | farBit)
		}
	} else if old0&farBit != 0 {
		w.a.Store(old0 &^ farBit)
	}
}

type detector struct {
	shadow shadow.Map[entry]
	// uniform holds one entry for each page a range access covered
	// whole while its words had none, standing for all of them.
	uniform shadow.Uniform[entry]
	locks   locks.Table
	sites   site.Table
	hist    histories

	// unlockGen counts unlocks by goroutines that did not hold the lock
	// (Go allows a Mutex to be unlocked by another goroutine). Each one is
	// recorded in unlocks; a goroutine that sees the count change drops
	// the locks it holds that were unlocked since it took them.
	unlockGen atomic.Uint64
	unlockMu  race.SpinLock
	unlocks   map[uintptr]uint64 // lock address → generation of its last foreign unlock

	// code classifies the code of each access: the standard library's
	// (and the runtime's own) is not checked.
	code *code.Classifier

	// ended keeps the states of ended goroutines, for goroutines to
	// start with (OnGoEnd).
	ended recycle.Bin[gstate]

	repMu    race.SpinLock
	findings []finding
	// some is set while findings holds any: Report, called after every
	// event, returns without the lock when it is not.
	some atomic.Bool
}

func newDetector() *detector {
	d := &detector{code: code.New(code.Options{}), unlocks: make(map[uintptr]uint64), ended: recycle.Bin[gstate]{Max: maxFree}}
	d.shadow.SetFar()
	d.uniform.SetFar()
	return d
}

// std reports whether an access at pc with stack was made by the standard
// library, or by the runtime for itself: code.Classifier.Access
// attributes the runtime's accesses for a caller (map and channel
// operations, copy, append) to the first caller outside it. A PC of no
// known function is not the standard library's.
func (d *detector) std(pc uintptr, stack race.StackID) bool {
	switch d.code.Access(pc, stack) {
	case code.Std, code.Runtime:
		return true
	}
	return false
}

// state returns g's state, creating it for a goroutine that started before
// the detector, and drops the locks that other goroutines unlocked.
func (d *detector) state(gr *race.Goroutine) *gstate {
	g, ok := gr.State.(*gstate)
	if !ok {
		g = newGstate()
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
		d.unlockMu.Lock()
		gen := d.unlocks[o.Addr]
		d.unlockMu.Unlock()
		if gen > o.gen {
			d.release(g, o.Lock) // removes owned[i]
			continue
		}
		i++
	}
}

func (d *detector) acquire(g *gstate, l locks.Lock, op *race.SyncOp) {
	g.held.Acquire(&d.locks, l, op.PC, op.Stack)
	if !l.Read {
		g.owned = append(g.owned, ownedLock{l, g.seenGen})
	}
}

func (d *detector) release(g *gstate, l locks.Lock) bool {
	ok := g.held.Release(&d.locks, l)
	if ok && !l.Read {
		for i := range g.owned {
			if g.owned[i].Lock == l {
				g.owned[i] = g.owned[len(g.owned)-1]
				g.owned = g.owned[:len(g.owned)-1]
				break
			}
		}
	}
	return ok
}

// OnGoStart implements race.GoroutineDetector: a goroutine starts holding
// no locks, with the state of an ended goroutine if there is one.
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if child == nil {
		return
	}
	g := d.ended.Get()
	if g == nil {
		g = newGstate()
	}
	child.State = g
}

// maxFree is how many states of ended goroutines the detector keeps.
const maxFree = 256

// OnGoEnd implements race.GoroutineDetector: the goroutine's state is
// kept for the next goroutine to start, emptied of its locks (its table
// of code locations stays: their site ids are the location's, whoever
// accesses), so that a program starting many short goroutines does not
// allocate a state for each.
func (d *detector) OnGoEnd(gr *race.Goroutine) {
	if gr == nil {
		return
	}
	g, ok := gr.State.(*gstate)
	gr.State = nil
	if !ok {
		return
	}
	g.held.Reset()
	clear(g.owned)
	g.owned, g.seenGen = g.owned[:0], 0
	d.ended.Put(g)
}

// OnSync implements race.NativeSyncDetector: it tracks the locks each
// goroutine holds.
func (d *detector) OnSync(op race.SyncOp) {
	if op.G == nil {
		return
	}
	var l locks.Lock
	acquire := true
	switch op.Kind {
	case race.MutexLock:
		l = locks.Lock{Addr: op.Obj}
	case race.MutexTryLock:
		if op.Arg != 1 {
			return
		}
		l = locks.Lock{Addr: op.Obj}
	case race.MutexUnlock:
		l, acquire = locks.Lock{Addr: op.Obj}, false
	case race.RWMutexLock:
		l = locks.Lock{Addr: op.Obj, RW: true}
	case race.RWMutexTryLock:
		if op.Arg != 1 {
			return
		}
		l = locks.Lock{Addr: op.Obj, RW: true}
	case race.RWMutexUnlock:
		l, acquire = locks.Lock{Addr: op.Obj, RW: true}, false
	case race.RWMutexRLock:
		l = locks.Lock{Addr: op.Obj, RW: true, Read: true}
	case race.RWMutexTryRLock:
		if op.Arg != 1 {
			return
		}
		l = locks.Lock{Addr: op.Obj, RW: true, Read: true}
	case race.RWMutexRUnlock:
		l, acquire = locks.Lock{Addr: op.Obj, RW: true, Read: true}, false
	default:
		return
	}
	g := d.state(op.G)
	if acquire {
		d.acquire(g, l, &op)
		return
	}
	if !d.release(g, l) && !l.Read {
		// Unlocked by a goroutine that did not lock it: its holder, if
		// any, drops it at its next event. (A foreign RUnlock cannot
		// tell which reader it ends, and is ignored.)
		d.unlockMu.Lock()
		d.unlocks[l.Addr] = d.unlockGen.Add(1)
		d.unlockMu.Unlock()
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

// An access is what a cell needs to know of the current access.
type access struct {
	a     *race.Access
	gid   int64
	write bool
	held  locks.Set
	site  uint32
	// uniform is set while the access is applied to a uniform page's
	// entry (shadow.Uniform) rather than a word's.
	uniform bool
}

// OnAccesses implements race.AccessDetector: a batch holds one
// goroutine's accesses between two of its other events, so its locks do
// not change within it, and consecutive accesses at one code location
// are classified once. An access within one word finds its entry through
// the batch's last window of shadow, and fast's usual cases, a variable
// of the access's span that is the goroutine's exclusive one or shared
// and quiet, are applied inline.
func (d *detector) OnAccesses(gr *race.Goroutine, b race.AccessBatch) {
	if gr == nil {
		return
	}
	g := d.state(gr)
	cur := access{gid: gr.ID, held: g.held.Set()}
	// An exclusive cell of the goroutine is own | off | size<<3; its b
	// for an access is heldB | site, | bWrite for a write.
	own := uint64(uint32(cur.gid))<<32 | exclusive<<7
	heldB := uint64(cur.held) << 32
	var sc shadow.Cursor // the batch's last window of shadow
	sites, shift := g.sites, g.shift
	// The batch a chunk at a time: one call of Fill for many accesses.
	var buf [16]race.Access
	for {
		n := b.Fill(buf[:])
		for i := range buf[:n] {
			a := &buf[i]
			if a.Size == 0 {
				continue
			}
			// where, its hit inline (the table and its shift in
			// registers: whereMiss may change them).
			var id uint32
			if s := &sites[slotOf(a.PC, a.Stack)>>(shift&63)]; s.id != 0 && s.key.PC == a.PC && s.key.Stack == a.Stack {
				id = s.id
			} else {
				id = d.whereMiss(g, s, a.PC, a.Stack)
				sites, shift = g.sites, g.shift
			}
			if id == stdSite {
				continue
			}
			write := a.Kind.IsWrite()
			if off := a.Addr & 7; a.Size <= 8-off {
				w := (*entry)(sc.Word(a.Addr))
				if w == nil {
					w = d.shadow.WordAt(&sc, a.Addr)
				}
				if w != nil {
					span := uint64(off) | uint64(a.Size)<<3
					if w.a.Load() == own|span {
						// The commonest case first: the goroutine's own
						// exclusive variable of the access's span, alone
						// in its word (no second cell, not locked, not
						// reported), its b swapped in as below.
						nb := heldB | uint64(id)
						if write {
							nb |= bWrite
						}
						if ob := w.b.Load(); ob == nb || ob&bFrozen == 0 && w.b.CompareAndSwap(ob, nb) {
							continue
						}
					}
					// fast's usual case: a variable of the access's span,
					// alone in its word or beside one the access does not
					// overlap.
					i, ai := -1, uint64(0)
					a0, a1 := w.a.Load(), uint64(0)
					if a0&farBit != 0 {
						a1 = shadow.LoadFar(w, &w.a)
					}
					if a0 &^= notCell; a0&spanBits == span {
						if c1 := (cell{a: a1}); c1.size() == 0 || c1.off() >= uint8(off+a.Size) || uint8(off) >= c1.end() {
							i, ai = 0, a0
						}
					} else if a1&spanBits == span {
						if c0 := (cell{a: a0}); c0.size() == 0 || c0.off() >= uint8(off+a.Size) || uint8(off) >= c0.end() {
							i, ai = 1, a1
						}
					}
					if i >= 0 {
						if ai == own|span {
							// The goroutine's own exclusive variable.
							nb := heldB | uint64(id)
							if write {
								nb |= bWrite
							}
							if ob := w.loadB(i); ob == nb || ob&bFrozen == 0 && w.cw(&d.shadow, i).b.CompareAndSwap(ob, nb) {
								continue
							}
						} else if c := (cell{a: ai}); c.state() != exclusive {
							cur.a, cur.write, cur.site = a, write, id
							if d.quiet(c, &cur) && d.fastShared(w, i, ai, a.Addr&^7, &cur) {
								continue
							}
						}
					}
					cur.a, cur.write, cur.site = a, write, id
					if base := a.Addr &^ 7; !d.fast(w, base, uint8(off), uint8(a.Size), &cur) {
						w.lock()
						d.accessLocked(w, base, uint8(off), uint8(a.Size), &cur)
						w.unlock()
					}
					continue
				}
			}
			cur.a, cur.write, cur.site = a, write, id
			d.apply(&cur)
		}
		if n < len(buf) {
			return
		}
	}
}

// access applies an access to every word its span covers.
func (d *detector) access(a *race.Access, write bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	g := d.state(a.G)
	id := d.where(g, a.PC, a.Stack)
	if id == stdSite {
		return
	}
	d.apply(&access{a: a, gid: a.G.ID, write: write, held: g.held.Set(), site: id})
}

// apply applies an access, not the standard library's, to every word its
// span covers.
func (d *detector) apply(cur *access) {
	a := cur.a
	if off := a.Addr & 7; a.Size <= 8 && off+a.Size <= 8 {
		// Within one word: the usual access.
		if a.Addr >= 1<<shadow.AddrBits {
			return // beyond the shadow, as shadow.End clips it
		}
		w := d.shadow.Word(a.Addr)
		if w == nil {
			panic("lockset: the system refused to reserve shadow memory")
		}
		d.accessWord(w, a.Addr&^7, uint8(off), uint8(a.Size), cur)
		return
	}
	d.accessRange(cur)
}

// accessRange is apply for an access of any span.
func (d *detector) accessRange(cur *access) {
	a := cur.a
	addr, end := a.Addr, shadow.End(a.Addr, a.Size)
	for addr < end {
		ws, next := d.shadow.Words(addr, end)
		if ws == nil {
			panic("lockset: the system refused to reserve shadow memory")
		}
		for i := 0; i < len(ws); i++ {
			base := addr &^ 7
			if base&(shadow.UniformSize-1) == 0 && next-base >= shadow.UniformSize {
				// A page the range covers whole: once for all its
				// words, if they share one entry.
				if r := d.uniform.Begin(&d.shadow, base); r != nil {
					cur.uniform = true
					d.accessWord(r, base, 0, 8, cur)
					cur.uniform = false
					d.uniform.End(base)
					i += shadow.UniformSize/8 - 1
					addr = base + shadow.UniformSize
					continue
				}
			}
			lo, hi := addr-base, min(next-base, 8)
			d.accessWord(&ws[i], base, uint8(lo), uint8(hi-lo), cur)
			addr = base + 8
		}
		addr = next
	}
}

// accessWord applies an access to [off, off+size) of the word at base,
// whose shadow is w, to every cell the span overlaps, and gives the span a
// cell of its own if it has none: a virgin variable becomes exclusive.
func (d *detector) accessWord(w *entry, base uintptr, off, size uint8, cur *access) {
	if d.fast(w, base, off, size, cur) {
		return
	}
	w.lock()
	d.accessLocked(w, base, off, size, cur)
	w.unlock()
}

// accessLocked is accessWord with w locked.
func (d *detector) accessLocked(w *entry, base uintptr, off, size uint8, cur *access) {
	// The cells' a, loaded once (the far half only if in use): update
	// changes only the cell it is given.
	a0, a1 := w.loadAs()
	as := [nCells]uint64{a0, a1}
	if !cur.uniform && as == [nCells]uint64{} {
		d.shadow.Mark(base)
		if d.uniform.Active(base) {
			// The word's page has one entry for all its words: give
			// each its own, then go on with this one's.
			w.unlock()
			d.uniform.Expand(&d.shadow, base, d.copyEntry, d.dropEntry)
			w.lock()
			a0, a1 = w.loadAs()
			as = [nCells]uint64{a0, a1}
		}
	}
	own, free := false, -1
	for i, a := range as {
		c := cell{a: a}
		if c.size() == 0 {
			if free < 0 {
				free = i
			}
			continue
		}
		if c.off() >= off+size || off >= c.end() {
			continue
		}
		c.b = w.loadB(i)
		own = own || c.off() == off && c.size() == size
		if c.state() == exclusive && c.x() != uint32(cur.gid) {
			// The owner may swap b without the lock (see fast):
			// freeze it, and go on with its last value.
			for {
				b := w.loadB(i)
				if w.cw(&d.shadow, i).b.CompareAndSwap(b, b|bFrozen) {
					c.b = b
					break
				}
			}
		}
		d.update(w, i, c, base, cur)
	}
	if own {
		return
	}
	if free < 0 {
		// Two variables in the word already. The bytes of one goroutine's
		// private data (a buffer written byte by byte) join its exclusive
		// cell, the one nearest; any other span is not tracked (see the
		// package doc).
		best, span := -1, uint8(9)
		a0, a1 = w.loadAs() // the cells as update left them
		for i, a := range [nCells]uint64{a0, a1} {
			c := cell{a: a}
			if c.state() == exclusive && c.x() == uint32(cur.gid) {
				if n := max(c.end(), off+size) - min(c.off(), off); n < span {
					best, span = i, n
				}
			}
		}
		if best >= 0 {
			c := w.get(best)
			c.a = c.a&^0x7f | uint64(min(c.off(), off)) | uint64(span)<<3
			w.set(&d.shadow, best, c)
		}
		return
	}
	if !cur.uniform {
		d.shadow.Mark(base)
	}
	w.set(&d.shadow, free, newCell(off, size, cur.gid, cur.write, cur.site, cur.held))
}

// fast applies an access without w's lock when it can, and reports
// whether it did. The word must have a variable of the access's own span,
// and each variable the access overlaps must be either
//
//   - in the exclusive state, owned by the accessing goroutine (a loop
//     over the goroutine's own data): the access changes nothing but the
//     cell's b, the owner's last access, which it swaps in. An exclusive
//     cell's b is swapped by anyone else only with bFrozen set (see
//     cell); or
//   - shared, and left in its state and with its C(v) (a lock held as
//     before, or C(v) already empty), owing no first report: the access
//     changes the history only, under the history's lock, which is held
//     too whenever a shared variable's cell changes (see update): the
//     cell is checked again under it.
//
// It reads w without its lock: a cell's b changes before its a. If a cell
// changed since it was read, fast returns false, and accessLocked applies
// the access again, to every variable: to one that fast did, that is
// applying the same access twice in a row, which leaves the state as once
// (the owner's last access, or the goroutine's record at the head of the
// history) but for the history's sequence numbers, whose order it keeps.
func (d *detector) fast(w *entry, base uintptr, off, size uint8, cur *access) bool {
	// The usual case first: one variable, of the access's span.
	own := -1
	var a uint64
	a0, a1 := w.loadAs()
	for i, ai := range [nCells]uint64{a0, a1} {
		o := cell{a: ai}
		if o.size() == 0 || o.off() >= off+size || off >= o.end() {
			continue
		}
		if own >= 0 || o.off() != off || o.size() != size {
			return d.fastAll(w, base, off, size, cur)
		}
		own, a = i, ai
	}
	if own < 0 {
		return false
	}
	if c := (cell{a: a}); c.state() != exclusive {
		return d.quiet(c, cur) && d.fastShared(w, own, a, base, cur)
	}
	n := newCell(off, size, cur.gid, cur.write, cur.site, cur.held)
	if a != n.a {
		return false
	}
	b := w.loadB(own)
	if b == n.b {
		return true
	}
	return b&bFrozen == 0 && w.cw(&d.shadow, own).b.CompareAndSwap(b, n.b)
}

// fastAll is fast for an access that overlaps both variables of its word.
func (d *detector) fastAll(w *entry, base uintptr, off, size uint8, cur *access) bool {
	var as [nCells]uint64
	exact := false
	a0, a1 := w.loadAs()
	for i, a := range [nCells]uint64{a0, a1} {
		o := cell{a: a}
		if o.size() == 0 || o.off() >= off+size || off >= o.end() {
			continue
		}
		if o.state() == exclusive {
			if o.x() != uint32(cur.gid) {
				return false
			}
		} else if !d.quiet(o, cur) {
			return false
		}
		exact = exact || o.off() == off && o.size() == size
		as[i] = a
	}
	if !exact {
		return false
	}
	for i, a := range as {
		if a == 0 {
			continue
		}
		if (cell{a: a}).state() != exclusive {
			if !d.fastShared(w, i, a, base, cur) {
				return false
			}
			continue
		}
		nb := ownerB(cur.write, cur.site, cur.held)
		b := w.loadB(i)
		if b == nb {
			if w.loadA(i) != a {
				return false
			}
			continue
		}
		if b&bFrozen != 0 || !w.cw(&d.shadow, i).b.CompareAndSwap(b, nb) {
			return false
		}
	}
	return true
}

// quiet reports whether an access leaves c, a shared variable's cell, as
// it is but for its history (see fast).
func (d *detector) quiet(c cell, cur *access) bool {
	cs := locks.Set(c.x())
	if cur.write && c.state() == shared || cs != locks.Empty && d.locks.Intersect(cs, cur.held, cur.write) != cs {
		return false
	}
	return c.state() != sharedModified || cs != locks.Empty || c.a&cReported != 0
}

// fastShared applies an access to cell i of w, a shared variable's whose
// a was a and which is quiet for it, without w's lock (see fast), and
// reports whether it did: false if the cell changed meanwhile.
func (d *detector) fastShared(w *entry, i int, a uint64, base uintptr, cur *access) bool {
	c := cell{a: a}
	b := w.loadB(i)
	if b&bFrozen == 0 {
		return false
	}
	h := d.hist.at(uint32(b))
	if !cur.write && (c.state() == shared || c.x() != uint32(locks.Empty)) &&
		h.reads.Load() == readKey(cur.site, cur.held) && w.loadA(i) == a {
		// A read at the code location, and holding the locks, of both
		// the variable's read records (two goroutines'), each later than
		// every write recorded (see history.reads), owing no report
		// (C(v) is not empty, or the variable is not shared-modified):
		// whichever goroutine makes the next report on it finds one of
		// them, by another goroutine and later than the writes, as it
		// would have found this one, and the read is not recorded.
		// Without the history's lock: a variable many goroutines read
		// (a matrix, a map read under RLock) would pass that lock from
		// processor to processor at every read.
		return true
	}
	h.mu.Lock()
	if w.loadA(i) != a || w.loadB(i) != b {
		h.mu.Unlock()
		return false
	}
	if c.state() == sharedModified && c.x() == uint32(locks.Empty) && h.owed != 0 && h.owed == cur.gid {
		h.owed = 0
		d.found(&c, base, h, cur)
	}
	h.add(cur.write, record{gid: cur.gid, site: cur.site, held: cur.held})
	h.mu.Unlock()
	return true
}

// update applies Eraser's state machine to c, cell i of w (locked), for an
// access, and stores the result, reporting the variable the first time
// its candidate set is empty in the shared-modified state. A shared
// variable's cell changes with its history's lock held too (see fast).
func (d *detector) update(w *entry, i int, c cell, base uintptr, cur *access) {
	o := c
	switch c.state() {
	case exclusive:
		if uint32(cur.gid) == c.x() {
			n := newCell(c.off(), c.size(), cur.gid, cur.write, cur.site, cur.held)
			n.a |= c.a & cReported
			if n != o {
				w.set(&d.shadow, i, n)
			}
			return
		}
		// A second goroutine: the owner's last access starts the
		// variable's history, and C(v) starts as the locks it holds.
		h := d.hist.alloc()
		hp := d.hist.at(h)
		hp.mu.Lock()
		hp.add(c.b&bWrite != 0, record{
			gid: int64(c.x()), site: uint32(c.b) &^ bWrite, held: locks.Set(c.b >> 32),
		})
		hp.mu.Unlock()
		c.b = uint64(h) | bFrozen
		c.setX(uint32(d.locks.Intersect(cur.held, cur.held, cur.write)))
		c.setState(shared)
		if cur.write {
			c.setState(sharedModified)
		}
	case shared:
		c.setX(uint32(d.locks.Intersect(locks.Set(c.x()), cur.held, cur.write)))
		if cur.write {
			c.setState(sharedModified)
		}
	default:
		c.setX(uint32(d.locks.Intersect(locks.Set(c.x()), cur.held, cur.write)))
	}
	h := d.hist.at(uint32(c.b))
	h.mu.Lock()
	if c.state() == sharedModified && c.x() == uint32(locks.Empty) {
		switch {
		case c.a&cReported == 0:
			c.a |= cReported
			h.owed = d.found(&c, base, h, cur)
		case h.owed != 0 && h.owed == cur.gid:
			h.owed = 0
			d.found(&c, base, h, cur)
		}
	}
	h.add(cur.write, record{gid: cur.gid, site: cur.site, held: cur.held})
	if c != o {
		// Under the history's lock too, for fast.
		w.set(&d.shadow, i, c)
	}
	h.mu.Unlock()
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
// write by another goroutine, or with none the last read. It returns the
// goroutine of that earlier access, 0 if none.
func (d *detector) found(c *cell, base uintptr, h *history, cur *access) int64 {
	f := finding{
		varAddr: base + uintptr(c.off()), varSize: uintptr(c.size()),
		cur:      record{gid: cur.gid, site: cur.site, held: cur.held},
		curWrite: cur.write, addr: cur.a.Addr, size: cur.a.Size,
	}
	pw, pr := h.w.other(cur.gid), h.r.other(cur.gid)
	switch {
	case pw != nil && (pr == nil || !cur.write || int32(pw.seq-pr.seq) > 0):
		f.prev, f.prevWrite = *pw, true
	case pr != nil:
		f.prev = *pr
	}
	d.repMu.Lock()
	d.findings = append(d.findings, f)
	d.some.Store(true)
	d.repMu.Unlock()
	return f.prev.gid
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	if !d.some.Load() {
		return nil
	}
	d.repMu.Lock()
	fs := d.findings
	d.findings = nil
	d.some.Store(false)
	d.repMu.Unlock()
	var reps []race.Report
	for i := range fs {
		reps = append(reps, d.report(&fs[i]))
	}
	return reps
}

func (d *detector) report(f *finding) race.Report {
	var b strings.Builder
	b.WriteString("lockset: no common lock protects the variable at ")
	b.WriteString(hex(f.varAddr))
	b.WriteString(": goroutines ")
	b.WriteString(strconv.FormatInt(f.prev.gid, 10))
	b.WriteString(" and ")
	b.WriteString(strconv.FormatInt(f.cur.gid, 10))
	b.WriteString(" write or read it, and no lock has been held at every access since it was shared")
	cur := d.sites.Key(f.cur.site)
	r := race.Report{
		Kind:    "DATA RACE",
		Message: b.String(),
		Accesses: []race.ReportAccess{{
			Write: f.curWrite, Addr: f.addr, Size: f.size,
			G: f.cur.gid, Stack: cur.Stack, PC: cur.PC, Note: d.heldNote(f.cur.held),
		}},
	}
	if f.prev.site != 0 {
		prev := d.sites.Key(f.prev.site)
		r.Accesses = append(r.Accesses, race.ReportAccess{
			Previous: true, Write: f.prevWrite, Addr: f.varAddr, Size: f.varSize,
			G: f.prev.gid, Stack: prev.Stack, PC: prev.PC, Note: d.heldNote(f.prev.held),
		})
	}
	return r
}

func hex(v uintptr) string { return "0x" + strconv.FormatUint(uint64(v), 16) }

// heldNote describes a set of held locks: "Locks held: Mutex 0x… (write),
// RWMutex 0x… (read)", or "Locks held: none".
func (d *detector) heldNote(s locks.Set) string { return "Locks held: " + d.locks.Describe(s) }

// OnMalloc implements race.MemoryDetector: new memory is virgin. Its
// shadow is reset here, and not when it is freed: memory is allocated
// again before it is used again.
func (d *detector) OnMalloc(addr, size uintptr) {
	d.shadow.Reset(addr, size, d.clipEntry, d.dropEntry)
	d.uniform.Reset(addr, size, d.dropEntry)
}

// OnFree implements race.MemoryDetector: the foreign-unlock records of
// locks in freed memory are dropped. It runs in the allocator and must not
// allocate.
func (d *detector) OnFree(addr, size uintptr) {
	d.unlockMu.Lock()
	if len(d.unlocks) > 0 {
		for a := range d.unlocks {
			if a-addr < size {
				delete(d.unlocks, a)
			}
		}
	}
	d.unlockMu.Unlock()
}

// clipEntry drops the cells of the word whose shadow is w that overlap
// its bytes [lo, hi).
func (d *detector) clipEntry(w *entry, lo, hi uint8) {
	w.lock()
	for i := range nCells {
		if c := w.get(i); c.size() != 0 && c.off() < hi && lo < c.end() {
			d.freeCell(c)
			w.set(&d.shadow, i, cell{})
		}
	}
	w.unlock()
}

// copyEntry gives the zero entry dst the cells of src, a uniform page's
// entry (Uniform.Expand), each shared variable with a copy of its history.
func (d *detector) copyEntry(dst, src *entry) {
	dst.lock()
	for i := range nCells {
		c := src.get(i)
		if c.size() != 0 && c.state() != exclusive {
			n := d.hist.alloc()
			from, to := d.hist.at(uint32(c.b)), d.hist.at(n)
			from.mu.Lock()
			w, r, seq, owed, reads := from.w, from.r, from.n, from.owed, from.reads.Load()
			from.mu.Unlock()
			to.mu.Lock()
			to.w, to.r, to.n, to.owed = w, r, seq, owed
			to.reads.Store(reads)
			to.mu.Unlock()
			c.b = uint64(n) | bFrozen
		}
		dst.set(&d.shadow, i, c)
	}
	dst.unlock()
}

// dropEntry gives back what the cells of a word being reset refer to.
func (d *detector) dropEntry(w *entry) {
	for i := range nCells {
		if c := w.get(i); c.size() != 0 {
			d.freeCell(c)
		}
	}
}

func (d *detector) freeCell(c cell) {
	if c.state() != exclusive {
		d.hist.free(uint32(c.b))
	}
}
