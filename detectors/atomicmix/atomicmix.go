// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package atomicmix

import (
	"math/bits"
	"runtime/race"
	"strconv"
	"sync/atomic"

	"drace/toolkit/code"
	"drace/toolkit/recycle"
	"drace/toolkit/shadow"
	"drace/toolkit/site"
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
	// Its reports do not depend on repeats (doc.go, Costs).
	SkipRepeats: true,
}

func init() { race.Register(Policy) }

// maxAncestors is how many of its nearest ancestors a goroutine remembers,
// to tell initialisation before it started from mixing.
const maxAncestors = 8

// A rec is one recorded access, or several by one goroutine (see
// state.record): the goroutine, where it was made, the bytes of the word it
// touched and its kind; for a plain access, the detector's fork count when
// it was made and whether its bytes were then private to the goroutine.
type rec struct {
	gid   uint32 // the goroutine's ID mod 2^32
	site  uint32 // the code location's id in the detector's site.Table
	forks uint32 // the goroutine's fork count mod 2^32 (plain accesses; see gstate.forks)
	mask  uint8  // the bytes accessed; 0 for an empty slot
	flags uint8
}

const (
	fAtomic = 1 << iota // a sync/atomic operation
	fWrite              // a write, or an atomic other than a load
	// fInit marks a plain access made while no other goroutine had
	// accessed its bytes of the word and no atomic had: taken for
	// initialisation before publication. Privacy is judged by bytes, not
	// words, as small objects share words (and the records of a freed
	// neighbour stay until its memory is allocated again).
	fInit
)

// The state of a word, decoded from its shadow: the bytes whose mixing has
// been reported (as the span of an atomic), the fork count when the
// word's memory was allocated if known (see births; 0 otherwise: the word
// is older than any goroutine started since), and two access records,
// the older first.
type state struct {
	reported uint8
	born     uint32
	r        [2]rec
}

// A word is the shadow of an aligned 8-byte word (toolkit/shadow), 16
// bytes in place and 16 more in the far plane (shadow.Far) that only
// words with a second record, or a birth the first record does not give,
// write. The state is packed as
//
//	meta:       forks(r[0])<<32 | bornFar | flags(r[1])<<20 | flags(r[0])<<9 | reported<<1 | lock
//	who:        gid<<32 | bornZero<<31 | site of r[0]
//	far.who:    gid<<32 | site of r[1]
//	far.forks:  forks(r[1])<<32 | born (if bornFar)
//
// flags(r) being mask | (r.flags<<8), 11 bits; site ids are below 2^31.
// born is 0 with bornZero (memory older than the births table knows), in
// the far half with bornFar, else r[0]'s fork count: a plain first access
// keeps a later birth as its own count (see accessWord), or 0 with no
// records.
// The far half is zero unless r[1] is held or bornFar is set. The lock (a
// shadow.LockBit) guards the record; the repeat fast path reads it
// without.
type word struct {
	meta atomic.Uint64
	who  atomic.Uint64
}

const (
	lockBit     = 1
	reportedBit = 1 // the lowest bit of reported
	slotShift0  = 9
	slotShift1  = 20
	slotBits    = 1<<11 - 1
	slotAtomic  = fAtomic << 8
	slotInit    = fInit << 8
	bornFar     = 1 << 31
	bornZero    = 1 << 31 // in who
	forksShift  = 32
	// farUsed is set in meta when the far half may be nonzero.
	farUsed = bornFar | slotBits<<slotShift1
)

func (w *word) lock()   { shadow.LockBit(&w.meta, lockBit) }
func (w *word) unlock() { shadow.UnlockBit(&w.meta, lockBit) }

// farWho and farMeta read w's far half: who is r[1]'s, meta its fork
// count and born. It is written through farW only.
func (w *word) farWho() uint64  { return shadow.LoadFar(w, &w.who) }
func (w *word) farMeta() uint64 { return shadow.LoadFar(w, &w.meta) }

// farW returns w's far half for writing (shadow.Map.WriteFar marks its
// page, for Reset).
func (d *detector) farW(w *word) *word { return d.shadow.WriteFar(w) }

// load decodes w's state into s (w locked). It sets s's fields one by
// one: a state built aside and copied is read back with wider loads than
// its stores, which stalls.
func (w *word) load(s *state) {
	m := w.meta.Load()
	s.reported = uint8(m >> reportedBit)
	who := w.who.Load()
	sl := m >> slotShift0 & slotBits
	r := &s.r[0]
	r.gid, r.site, r.forks = uint32(who>>32), uint32(who), uint32(m>>forksShift)
	r.mask, r.flags = uint8(sl), uint8(sl>>8)
	r.site &^= bornZero
	s.born = r.forks
	if sl == 0 || who&bornZero != 0 {
		s.born = 0
	}
	r = &s.r[1]
	if m&farUsed == 0 {
		*r = rec{}
		return
	}
	who, ff := w.farWho(), w.farMeta()
	sl = m >> slotShift1 & slotBits
	r.gid, r.site, r.forks = uint32(who>>32), uint32(who), uint32(ff>>32)
	r.mask, r.flags = uint8(sl), uint8(sl>>8)
	if m&bornFar != 0 {
		s.born = uint32(ff)
	}
}

// store encodes s into w, keeping w locked; sh is the shadow w is in (or
// that of the detector whose uniform record w is).
func (w *word) store(sh *shadow.Map[word], s *state) {
	old := w.meta.Load()
	for i := range s.r {
		if r := &s.r[i]; r.mask == 0 {
			*r = rec{}
		}
	}
	if s.r[0].mask|s.r[1].mask == 0 {
		s.born = 0 // found again by the next access
	}
	r := &s.r[0]
	m := uint64(r.forks)<<forksShift | uint64(s.reported)<<reportedBit | lockBit
	m |= (uint64(r.mask) | uint64(r.flags)<<8) << slotShift0
	who := uint64(r.gid)<<32 | uint64(r.site)
	var fwho, fforks uint64
	switch {
	case s.born == r.forks:
	case s.born == 0:
		who |= bornZero
	default:
		m |= bornFar
		fforks = uint64(s.born)
	}
	if w.who.Load() != who {
		w.who.Store(who)
	}
	if r = &s.r[1]; r.mask != 0 {
		m |= (uint64(r.mask) | uint64(r.flags)<<8) << slotShift1
		fwho = uint64(r.gid)<<32 | uint64(r.site)
		fforks |= uint64(r.forks) << 32
	}
	if (m|old)&farUsed != 0 {
		// Write the far half only where it is or was used, and only
		// what changed.
		if w.farWho() != fwho || w.farMeta() != fforks {
			f := sh.WriteFar(w)
			if f.who.Load() != fwho {
				f.who.Store(fwho)
			}
			if f.meta.Load() != fforks {
				f.meta.Store(fforks)
			}
		}
	}
	w.meta.Store(m)
}

// A gstate is a goroutine's state: its id and its nearest ancestors, each
// with the fork count at which it started the next goroutine on the path
// to this one.
type gstate struct {
	id uint32
	// forks is the detector's fork count when the goroutine last started
	// a goroutine, or when it was started, mod 2^32: a plain access
	// records it. An ancestor's access is compared only with the count at
	// which that ancestor started a goroutine, so the counts between two
	// of its own starts are all the same to it: its records stay
	// current, and repeats cheap, while other goroutines start others.
	forks uint32
	// started is the fork count when the goroutine was started: forks
	// is still that while it has started none.
	started uint32
	nanc    int
	anc     [maxAncestors]ancestor
	// stack is findSite's buffer, made when first needed (race.Callers
	// keeps it: on the goroutine's stack, it would be allocated each time).
	stack *[64]uintptr
	// words are the words the batch being applied has accessed.
	words batchWords
	// lastPC, lastStack and lastSite are the code location the
	// goroutine last recorded and its site id (see siteID).
	lastPC    uintptr
	lastStack race.StackID
	lastSite  uint32
}

type ancestor struct {
	gid   uint32
	forks uint32
}

type detector struct {
	shadow shadow.Map[word]
	// uniform holds one record for each page a range access covered
	// whole while its words had none, standing for all of them.
	uniform shadow.Uniform[word]
	sites   site.Table
	// forks counts goroutine starts: a plain access records its
	// goroutine's latest (gstate.forks), so that an access by an
	// ancestor can be placed before or after the start of its
	// descendant.
	forks  atomic.Uint64
	births births

	ignored siteCache

	// ended keeps the states of ended goroutines, for goroutines to
	// start with (OnGoEnd).
	ended recycle.Bin[gstate]

	repMu   race.SpinLock
	reports []race.Report
	// some is set while reports holds any: Report, called after every
	// event, returns without the lock when it is not.
	some atomic.Bool
}

// birthBlocks holds the births tables of the detectors made.
var birthBlocks shadow.Blocks[birth]

func newDetector() *detector {
	d := &detector{ended: recycle.Bin[gstate]{Max: maxFree}}
	d.shadow.SetFar()
	d.uniform.SetFar()
	d.births.slots = birthBlocks.Alloc(birthSlots)[:birthSlots] // zeroed by Alloc
	d.ignored.code = atomicCode()
	return d
}

// state returns g's state, creating it for a goroutine that started before
// the detector.
func (d *detector) state(g *race.Goroutine) *gstate { return stateOf(g) }

func stateOf(g *race.Goroutine) *gstate {
	s, ok := g.State.(*gstate)
	if !ok {
		s = &gstate{id: uint32(g.ID)}
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
	cs := d.newGstate()
	cs.id = uint32(child.ID)
	child.State = cs
	if parent == nil {
		cs.forks = uint32(d.forks.Load())
		cs.started = cs.forks
		return
	}
	ps := d.state(parent)
	n := uint32(d.forks.Add(1))
	ps.forks, cs.forks, cs.started = n, n, n
	cs.anc[0] = ancestor{ps.id, n}
	cs.nanc = 1 + copy(cs.anc[1:], ps.anc[:ps.nanc])
}

// maxFree is how many states of ended goroutines the detector keeps.
const maxFree = 256

// newGstate returns an empty state: an ended goroutine's, if any.
func (d *detector) newGstate() *gstate {
	g := d.ended.Get()
	if g == nil {
		return new(gstate)
	}
	stack := g.stack // findSite's buffer, kept
	*g = gstate{stack: stack}
	return g
}

// OnGoEnd implements race.GoroutineDetector: the goroutine's state is
// kept for the next goroutine to start, so that a program starting many
// short goroutines does not allocate a state for each.
func (d *detector) OnGoEnd(gr *race.Goroutine) {
	if gr == nil {
		return
	}
	g, ok := gr.State.(*gstate)
	gr.State = nil
	if !ok {
		return
	}
	d.ended.Put(g)
}

// before reports whether fork count a is before b. Counts are kept mod
// 2^32 and compared as serial numbers: correct while they are less than
// 2^31 goroutine starts apart.
func before(a, b uint32) bool { return int32(a-b) < 0 }

// initialisation reports whether the plain access r, by another
// goroutine, to a word born at fork count born, is initialisation before
// g's atomic: made while its bytes were private to its goroutine (before
// publication) or, by an ancestor of g, before it started the goroutine on
// the path to g. An ancestor's access to memory allocated before that
// start (which the goroutine may have captured) is initialisation only
// before the start, private or not.
func (g *gstate) initialisation(r *rec, born uint32) bool {
	init := r.flags&fInit != 0
	for i := range g.anc[:g.nanc] {
		if a := &g.anc[i]; a.gid == r.gid {
			return before(r.forks, a.forks) || init && !before(born, a.forks)
		}
	}
	return init
}

// OnAccesses implements race.AccessDetector: the plain accesses of a
// batch, skipping those that repeat an earlier one of the batch on the
// same bytes of a word (see batchWords; reads and writes alike, as both
// are plain) before their shadow is looked up. A repeat would find the
// goroutine's record of the first access, which the batch has just made
// or kept. An access within one word is then checked by quiet's test
// inline, its shadow found through the batch's last window, and applied
// to its record there if it changes it.
func (d *detector) OnAccesses(gr *race.Goroutine, b race.AccessBatch) {
	if gr == nil {
		return
	}
	g := d.state(gr)
	g.words.start()
	gid, forks := g.id, g.forks
	var sc shadow.Cursor // the batch's last window of shadow
	// The batch a chunk at a time: one call of Fill for many accesses.
	var buf [16]race.Access
	for {
		n := b.Fill(buf[:])
		for i := range buf[:n] {
			a := &buf[i]
			if a.Size == 0 {
				continue
			}
			if off := a.Addr & 7; a.Size <= 8-off {
				m := byteMasks[off&7][(off+a.Size)&15] // shadow.ByteMask, looked up
				if g.words.repeat(a.Addr, m) {
					continue
				}
				w := (*word)(sc.Word(a.Addr))
				if w == nil {
					w = d.shadow.WordAt(&sc, a.Addr)
				}
				if w != nil {
					// word.repeats, its commonest cases inline: the word's
					// only record is the goroutine's plain one, covering m
					// at its fork count; or two other goroutines' plain
					// records on m fill the word (data many goroutines
					// read).
					meta := w.meta.Load()
					s0, s1 := meta>>slotShift0&slotBits, meta>>slotShift1&slotBits
					if meta&lockBit == 0 {
						if s1 == 0 {
							if uint8(s0)&m == m && s0&slotAtomic == 0 && uint32(meta>>forksShift) == forks &&
								w.who.Load()>>32 == uint64(gid) && w.meta.Load() == meta {
								continue
							}
						} else if (s0|s1)&slotAtomic == 0 && uint8(s0)&m != 0 && uint8(s1)&m != 0 &&
							uint32(w.who.Load()>>32) != gid && uint32(w.farWho()>>32) != gid && w.meta.Load() == meta {
							continue
						}
					}
					if w.repeat(m, gid, forks) {
						continue
					}
					// apply, for one word whose record is at hand.
					var cur curAccess
					var flags uint8
					if a.Kind.IsWrite() {
						flags = fWrite
					}
					a.G = gr // Fill leaves it: cur.init reads it
					cur.init(d, a, g, flags, false)
					d.accessWord(w, a.Addr&^7, m, &cur)
					continue
				}
			} else if d.quietRange(&sc, gid, forks, a.Addr, a.Size) {
				continue
			}
			var flags uint8
			if a.Kind.IsWrite() {
				flags = fWrite
			}
			a.G = gr // Fill leaves it: cur.init reads it
			d.apply(g, a, flags, false)
		}
		if n < len(buf) {
			return
		}
	}
}

// byteMasks[lo][hi] is shadow.ByteMask(lo, hi), for OnAccesses: a load
// where ByteMask's shifts take several instructions.
var byteMasks = func() (t [8][16]uint8) {
	for lo := range 8 {
		for hi := lo + 1; hi <= 8; hi++ {
			t[lo][hi] = shadow.ByteMask(uint8(lo), uint8(hi))
		}
	}
	return t
}()

// batchWords remembers the bytes of the words a batch has accessed, in
// a direct-mapped table of batchSlots: a word's address>>3 <<8 | the
// bytes (toolkit/repeat's filter, for one kind of access and reset for
// each batch, as plain reads and writes are alike here).
type batchWords [batchSlots]uint64

const batchSlots = 32

func (t *batchWords) start() { clear(t[:]) }

// repeat reports whether the batch has accessed the bytes m of the word
// at addr, and records them.
func (t *batchWords) repeat(addr uintptr, m uint8) bool {
	w := uint64(addr >> 3)
	e := &t[(w^w>>5)%batchSlots]
	if v := *e; v>>8 == w {
		if uint8(v)&m == m {
			return true
		}
		*e = v | uint64(m)
		return false
	}
	*e = w<<8 | uint64(m)
	return false
}

// OnRead implements race.Detector.
func (d *detector) OnRead(a race.Access) { d.access(&a, 0, false) }

// OnWrite implements race.Detector.
func (d *detector) OnWrite(a race.Access) { d.access(&a, fWrite, false) }

// OnReadRange implements race.RangeDetector.
func (d *detector) OnReadRange(a race.Access) { d.access(&a, 0, false) }

// OnWriteRange implements race.RangeDetector.
func (d *detector) OnWriteRange(a race.Access) { d.access(&a, fWrite, false) }

// OnAtomic implements race.AtomicDetector. Atomics made by the runtime,
// package sync and internal packages on their own state (a sync.Mutex's
// state word, a WaitGroup's counter) are ignored: only the program's
// atomics define atomic locations. The access is recorded with the PC of
// the function that made it (see siteCache.site).
func (d *detector) OnAtomic(a race.AtomicAccess) {
	if a.Width == 0 || a.G == nil {
		return
	}
	site := d.ignored.site(a.PC, a.Stack, a.G)
	if site.v == ignore {
		return
	}
	a.PC = site.pc
	a.Size = uintptr(a.Width)
	flags := uint8(fAtomic)
	if a.Op != race.AtomicLoad {
		flags |= fWrite
	}
	d.access(&a.Access, flags, site.lazy)
}

// A curAccess is the access being applied. It copies what it needs of
// the race.Access rather than point to it: the callback's argument would
// then escape to the heap, as findSite makes cur's pointers escape.
type curAccess struct {
	addr, size uintptr
	gid        int64
	stack      race.StackID
	g          *gstate
	flags      uint8  // fAtomic, fWrite
	forks      uint32 // for a plain access
	// pc is the PC recorded and reported: for a lazy atomic, the caller
	// PC the runtime gave, in sync/atomic, until resolve finds its maker.
	pc    uintptr
	lazy  bool
	sites *siteCache // resolves a lazy pc
	site  uint32     // 0 until looked up
	// A range looks up the births of its words by chunk.
	chunk     uintptr
	birth     birth
	haveBirth bool
	// uniform is set while the access is applied to a uniform page's
	// record (shadow.Uniform) rather than a word's.
	uniform bool
}

// resolve sets cur.pc to the maker of a lazy atomic.
func (cur *curAccess) resolve() {
	if cur.lazy {
		cur.pc = cur.sites.findSite(cur.pc, cur.g).pc
		cur.lazy = false
	}
}

// siteID returns the id of the access's code location: the goroutine's
// last one's if it is the same (a loop filling new memory records one
// location again and again), else looked up.
func (d *detector) siteID(cur *curAccess) uint32 {
	if cur.site == 0 {
		cur.resolve()
		if g := cur.g; g.lastSite != 0 && g.lastPC == cur.pc && g.lastStack == cur.stack {
			cur.site = g.lastSite
			return cur.site
		}
		cur.site = d.sites.ID(site.Key{PC: cur.pc, Stack: cur.stack})
		if cur.site >= bornZero {
			panic("atomicmix: more than 2^31-1 code locations")
		}
		cur.g.lastPC, cur.g.lastStack, cur.g.lastSite = cur.pc, cur.stack, cur.site
	}
	return cur.site
}

// born returns the fork count at the allocation of the word at base.
func (d *detector) born(cur *curAccess, base uintptr) uint32 {
	if c := base >> birthShift; !cur.haveBirth || c != cur.chunk {
		cur.chunk, cur.birth, cur.haveBirth = c, d.births.slot(base), true
	}
	if b := &cur.birth; b.addr <= base && base < b.end {
		return uint32(b.forks)
	}
	return 0
}

// access records a plain or atomic access and checks it against the
// accesses of the other sort by other goroutines to overlapping bytes, word
// by word.
func (d *detector) access(a *race.Access, flags uint8, lazy bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	g := d.state(a.G)
	if flags&fAtomic == 0 && d.quiet(g, a.Addr, a.Size) {
		return
	}
	d.apply(g, a, flags, lazy)
}

// quietMax is the largest plain access quiet looks at.
const quietMax = 64

// quiet reports whether the plain access of size bytes at addr by g
// changes nothing and reports nothing (word.repeat) in any of its words,
// for an access of at most quietMax bytes: most plain accesses are to one
// word or a small struct and repeat the goroutine's records, or change
// nothing, and are checked so before setting up for the general case.
func (d *detector) quiet(g *gstate, addr, size uintptr) bool {
	off := addr & 7
	if size <= 8-off {
		w := d.shadow.Lookup(addr)
		return w != nil && w.repeats(shadow.ByteMask(uint8(off), uint8(off+size)), g.id, g.forks)
	}
	end := addr + size
	if size > quietMax || end < addr {
		return false
	}
	m := shadow.ByteMask(uint8(off), 8)
	for base := addr &^ 7; base < end; base += 8 {
		if end-base <= 8 {
			m &= shadow.ByteMask(0, uint8(end-base))
		}
		w := d.shadow.Lookup(base)
		if w == nil || !w.repeats(m, g.id, g.forks) {
			return false
		}
		m = 0xff
	}
	return true
}

// quietRange is quiet for an access of a batch that spans words (at most
// quietMax bytes), by goroutine gid at fork count forks, its records found
// through the batch's cursor.
func (d *detector) quietRange(sc *shadow.Cursor, gid, forks uint32, addr, size uintptr) bool {
	end := addr + size
	if size > quietMax || end < addr {
		return false
	}
	m := shadow.ByteMask(uint8(addr&7), 8)
	for base := addr &^ 7; base < end; base += 8 {
		if end-base <= 8 {
			m &= shadow.ByteMask(0, uint8(end-base))
		}
		w := (*word)(sc.Word(base))
		if w == nil {
			w = d.shadow.WordAt(sc, base)
		}
		if w == nil || !w.repeats(m, gid, forks) {
			return false
		}
		m = 0xff
	}
	return true
}

// apply is access past its checks: the access a by g (a.G), word by word.
func (d *detector) apply(g *gstate, a *race.Access, flags uint8, lazy bool) {
	// cur is set up when a word needs it (its fields one by one: a
	// composite literal is built aside and copied).
	var cur curAccess
	ready := false
	addr, end := a.Addr, shadow.End(a.Addr, a.Size)
	for addr < end {
		ws, next := d.shadow.Words(addr, end)
		if ws == nil {
			// The detector is disabled, and the runtime says so.
			panic("atomicmix: the system refused to reserve shadow memory")
		}
		for i := 0; i < len(ws); i++ {
			base := addr &^ 7
			if base&(shadow.UniformSize-1) == 0 && next-base >= shadow.UniformSize && flags&fAtomic == 0 {
				// A page the range covers whole: once for all its
				// words, if they share one record.
				if r := d.uniform.Begin(&d.shadow, base); r != nil {
					if !r.repeat(0xff, g.id, g.forks) {
						if !ready {
							cur.init(d, a, g, flags, lazy)
							ready = true
						}
						cur.uniform = true
						d.accessWord(r, base, 0xff, &cur)
						cur.uniform = false
					}
					d.uniform.End(base)
					i += shadow.UniformSize/8 - 1
					addr = base + shadow.UniformSize
					continue
				}
			}
			lo, hi := addr-base, min(next-base, 8)
			m := shadow.ByteMask(uint8(lo), uint8(hi))
			if flags&fAtomic != 0 || !ws[i].repeat(m, g.id, g.forks) {
				if !ready {
					cur.init(d, a, g, flags, lazy)
					ready = true
				}
				d.accessWord(&ws[i], base, m, &cur)
			}
			addr = base + 8
		}
		addr = next
	}
}

// init sets cur up for the access a by g.
func (cur *curAccess) init(d *detector, a *race.Access, g *gstate, flags uint8, lazy bool) {
	cur.addr, cur.size = a.Addr, a.Size
	cur.gid, cur.stack, cur.g = a.G.ID, a.Stack, g
	cur.flags, cur.pc, cur.lazy, cur.sites = flags, a.PC, lazy, &d.ignored
	if flags&fAtomic == 0 {
		cur.forks = g.forks
	}
}

// span returns the bytes from the first to the last of mask.
func span(mask uint8) (off, size uintptr) {
	lo, hi := uintptr(bits.TrailingZeros8(mask)), uintptr(8-bits.LeadingZeros8(mask))
	return lo, hi - lo
}

// repeat reports whether a plain access by goroutine gid at fork count
// forks to the bytes m of w would change nothing and report nothing:
// either the goroutine has a plain record covering m at that count, and
// the other record neither needs a report nor ends the privacy of the
// bytes, or the access would not be recorded (two other goroutines'
// plain records, or two atomic records, on its bytes) and the atomic
// records are reported already. It
// reads w without the lock, and takes what it read as consistent if meta
// did not change meanwhile: only the goroutine itself makes or changes
// its own records (others may only drop or move them, which changes
// meta).
func (w *word) repeat(m uint8, gid, forks uint32) bool {
	meta := w.meta.Load()
	if meta&lockBit != 0 {
		return false
	}
	s0, s1 := meta>>slotShift0&slotBits, meta>>slotShift1&slotBits
	g0, g1 := uint32(w.who.Load()>>32), uint32(0) // g1: none unless s1 is held
	var f1 uint32
	if s1 != 0 {
		g1, f1 = uint32(w.farWho()>>32), uint32(w.farMeta()>>32)
	}
	// own is the goroutine's plain record covering m at forks, o the
	// other slot.
	own, o, ownOther := s0, s1, g1 == gid
	switch {
	case uint8(s0)&m == m && s0&slotAtomic == 0 && g0 == gid && uint32(meta>>forksShift) == forks:
	case uint8(s1)&m == m && s1&slotAtomic == 0 && g1 == gid && f1 == forks:
		own, o, ownOther = s1, s0, g0 == gid
	default:
		// Both slots held, each on some of the bytes m, and neither
		// the goroutine's plain record: two other goroutines' plain
		// records, or two atomic ones, are kept (see victim), and there
		// is nothing to report unless an atomic record by another
		// goroutine is not reported yet.
		if uint8(s0)&m == 0 || uint8(s1)&m == 0 || (s0^s1)&slotAtomic != 0 {
			return false
		}
		if s0&slotAtomic == 0 {
			if g0 == gid || g1 == gid {
				return false
			}
		} else if reported := uint8(meta >> reportedBit); g0 != gid && reported&uint8(s0) != uint8(s0) ||
			g1 != gid && reported&uint8(s1) != uint8(s1) {
			return false
		}
		return w.meta.Load() == meta
	}
	if om := uint8(o); om&m != 0 {
		if own&slotInit != 0 && (o&slotAtomic != 0 || !ownOther) {
			return false // no longer private: the record changes
		}
		if reported := uint8(meta >> reportedBit); o&slotAtomic != 0 && !ownOther && reported&om != om {
			return false // a report
		}
	}
	return w.meta.Load() == meta
}

// repeats is repeat, its commonest cases first: the word's records are
// plain, and the goroutine's covers m at fork count forks, alone in the
// word or second (data another goroutine accessed first: a table that
// each test's goroutine reads in turn), beside one that does not end its
// privacy; or they are two other goroutines' on m (data many goroutines
// read), and the access is not recorded.
func (w *word) repeats(m uint8, gid, forks uint32) bool {
	meta := w.meta.Load()
	if s0, s1 := meta>>slotShift0&slotBits, meta>>slotShift1&slotBits; meta&lockBit == 0 && (s0|s1)&slotAtomic == 0 {
		if s1 == 0 {
			if uint8(s0)&m == m && uint32(meta>>forksShift) == forks && w.who.Load()>>32 == uint64(gid) {
				return w.meta.Load() == meta
			}
		} else if f := w.farWho(); uint8(s1)&m == m && (s1&slotInit == 0 || uint8(s0)&m == 0) &&
			f>>32 == uint64(gid) && uint32(w.farMeta()>>32) == forks {
			return w.meta.Load() == meta
		} else if uint8(s0)&m != 0 && uint8(s1)&m != 0 && uint32(f>>32) != gid && uint32(w.who.Load()>>32) != gid {
			// Two other goroutines' plain records on m (data many
			// goroutines read): the access is not recorded.
			return w.meta.Load() == meta
		}
	}
	return w.repeat(m, gid, forks)
}

// accessWord checks and records the access cur to the bytes m of the word
// at base, whose shadow is w.
func (d *detector) accessWord(w *word, base uintptr, m uint8, cur *curAccess) {
	if cur.flags&fAtomic == 0 && !cur.uniform && d.fresh(w, base, m, cur) {
		return
	}
	w.lock()
	var s state
	w.load(&s)
	if s.r[0].mask|s.r[1].mask == 0 && !cur.uniform {
		d.shadow.Mark(base)
		if d.uniform.Active(base) {
			// The word's page has one record for all its words: give
			// each its own, then start again with this one's.
			w.unlock()
			d.uniform.Expand(&d.shadow, base, d.copyWord, nil)
			w.lock()
			w.load(&s)
		}
	}
	isAtomic := cur.flags&fAtomic != 0
	if s.r[0].mask|s.r[1].mask == 0 {
		// A plain access keeps a later birth as its own fork count, and
		// so does one by a goroutine that has started none: the same to
		// its goroutine's starts (those up to that count, if any, came
		// before the birth too; the later ones after the access), and
		// in place (see word).
		if s.born = d.born(cur, base); !isAtomic && (before(cur.forks, s.born) || cur.g.forks == cur.g.started) {
			s.born = cur.forks
		}
	}
	private := !isAtomic
	for i := range s.r {
		o := &s.r[i]
		if o.mask == 0 {
			continue
		}
		if o.mask&m != 0 && (o.flags&fAtomic != 0 || o.gid != cur.g.id) {
			private = false
		}
		if (o.flags^cur.flags)&fAtomic == 0 || o.mask&m == 0 || o.gid == cur.g.id {
			continue
		}
		// The location is the atomic's span.
		loc := o.mask
		if isAtomic {
			loc = m
		}
		if s.reported&loc == loc || isAtomic && cur.g.initialisation(o, s.born) {
			continue
		}
		s.reported |= loc
		d.report(base, cur, o, loc)
	}
	n := rec{gid: cur.g.id, forks: cur.forks, mask: m, flags: cur.flags}
	if private {
		n.flags |= fInit
	}
	if s.record(n, func() uint32 { return d.siteID(cur) }) || s.reported != uint8(w.meta.Load()>>reportedBit) {
		w.store(&d.shadow, &s)
	}
	w.unlock()
}

// fresh is accessWord for a plain access cur to the bytes m of a word
// with no records (meta 0: no lock, nothing reported, the far half
// unused and zero), most often memory just allocated: it writes the one
// record that accessWord would, without decoding and encoding the state.
// It reports false, having changed nothing, if the word is not so or its
// page is uniform.
func (d *detector) fresh(w *word, base uintptr, m uint8, cur *curAccess) bool {
	if w.meta.Load() != 0 || !w.meta.CompareAndSwap(0, lockBit) {
		return false
	}
	d.shadow.Mark(base)
	if d.uniform.Active(base) {
		w.meta.Store(0)
		return false
	}
	// As accessWord: a later birth, or one by a goroutine that has
	// started none, is kept as the access's fork count; the access is
	// private (no other record).
	born := d.born(cur, base)
	if before(cur.forks, born) || cur.g.forks == cur.g.started {
		born = cur.forks
	}
	meta := uint64(cur.forks)<<forksShift | (uint64(m)|uint64(cur.flags|fInit)<<8)<<slotShift0
	who := uint64(cur.g.id)<<32 | uint64(d.siteID(cur))
	switch {
	case born == cur.forks:
	case born == 0:
		who |= bornZero
	default:
		meta |= bornFar
		d.farW(w).meta.Store(uint64(born))
	}
	w.who.Store(who)
	w.meta.Store(meta) // and unlocked
	return true
}

// record records the access n (site not set) in s, and reports whether s
// changed; siteID returns n's site. A new record takes an empty slot or,
// if none, replaces one (victim):
//
//   - A plain access by a goroutine with a plain record at the same fork
//     count and privacy adds its bytes to it; at another, it replaces the
//     record if it covers its bytes: for each byte, the first plain access
//     since the goroutine last started a goroutine and since the byte stopped being
//     private is kept. Otherwise it takes an empty slot or, with none, the
//     record takes the union of the bytes and the newer access's fork
//     count and site (more likely to be reported than either).
//   - An atomic is recorded once per goroutine and span: the first.
func (s *state) record(n rec, siteID func() uint32) bool {
	own, free := -1, -1
	for i := range s.r {
		o := &s.r[i]
		switch {
		case o.mask == 0:
			if free < 0 {
				free = i
			}
		case o.gid != n.gid || (o.flags^n.flags)&fAtomic != 0:
		case n.flags&fAtomic != 0:
			if o.mask == n.mask {
				return false
			}
		case o.forks == n.forks && o.flags&fInit == n.flags&fInit:
			if o.mask|n.mask == o.mask {
				return false
			}
			o.mask |= n.mask
			return true
		case o.mask&^n.mask == 0:
			n.site = siteID()
			*o = n
			return true
		default:
			own = i
		}
	}
	switch {
	case free >= 0:
		// Keep the older record first.
		if free == 0 && s.r[1].mask != 0 {
			s.r[0], free = s.r[1], 1
		}
		n.site = siteID()
		s.r[free] = n
	case own >= 0:
		o := &s.r[own]
		n.site = siteID()
		n.mask |= o.mask
		n.flags &^= fInit &^ o.flags
		*o = n
	default:
		v := s.victim(&n)
		if v < 0 {
			return false
		}
		if v == 0 {
			s.r[0] = s.r[1]
		}
		n.site = siteID()
		s.r[1] = n
	}
	return true
}

// victim returns the slot whose record the new record n (with both slots
// full, neither n's goroutine's record of its sort) replaces, or -1 if n is
// not recorded. Two records by distinct goroutines other than a later
// access's are what it needs to find the other sort's access by another
// goroutine; a plain record has been checked against the atomics of the
// word when made and every atomic since, so atomics are kept first:
//
//   - An atomic replaces a plain record (its own goroutine's, else one
//     taken for initialisation, else the older); with two atomic
//     records, it is not recorded.
//   - A plain access replaces the plain record next to an atomic one, or
//     one of two other goroutines' plain records that does not overlap its
//     bytes (the older first: the records of a freed neighbour); with two
//     atomic records, or two other goroutines' plain records on its bytes,
//     it is not recorded.
func (s *state) victim(n *rec) int {
	a0, a1 := s.r[0].flags&fAtomic != 0, s.r[1].flags&fAtomic != 0
	switch {
	case a0 && a1:
		return -1
	case a0:
		return 1
	case a1:
		return 0
	case n.flags&fAtomic == 0:
		for i := range s.r {
			if s.r[i].mask&n.mask == 0 {
				return i
			}
		}
		return -1
	}
	for i := range s.r {
		if s.r[i].gid == n.gid {
			return i
		}
	}
	for i := range s.r {
		if s.r[i].flags&fInit != 0 {
			return i
		}
	}
	return 0
}

func (d *detector) report(base uintptr, cur *curAccess, prev *rec, loc uint8) {
	cur.resolve()
	locOff, locSize := span(loc)
	prevOff, prevSize := span(prev.mask)
	k := d.sites.Key(prev.site)
	msg := "mixed atomic and plain access to 0x" + strconv.FormatUint(uint64(base+locOff), 16) +
		" (" + strconv.FormatUint(uint64(locSize), 10) + " bytes)"
	rep := race.Report{
		Kind:    "MIXED ATOMIC ACCESS",
		Message: msg,
		Accesses: []race.ReportAccess{
			{Write: cur.flags&fWrite != 0, Atomic: cur.flags&fAtomic != 0, Addr: cur.addr, Size: cur.size, G: cur.gid, Stack: cur.stack, PC: cur.pc},
			{Previous: true, Write: prev.flags&fWrite != 0, Atomic: prev.flags&fAtomic != 0, Addr: base + prevOff, Size: prevSize, G: int64(prev.gid), Stack: k.Stack, PC: k.PC},
		},
	}
	d.repMu.Lock()
	d.reports = append(d.reports, rep)
	d.some.Store(true)
	d.repMu.Unlock()
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	if !d.some.Load() {
		return nil
	}
	d.repMu.Lock()
	r := d.reports
	d.reports = nil
	d.some.Store(false)
	d.repMu.Unlock()
	return r
}

// OnMalloc implements race.MemoryDetector: newly allocated memory starts
// with no history, born now. As in ThreadSanitizer, the shadow is reset
// here rather than when memory is freed: the runtime announces every reuse
// of memory with OnMalloc, and resetting twice costs twice.
func (d *detector) OnMalloc(addr, size uintptr) {
	d.shadow.Reset(addr, size, d.clipWord, nil)
	d.uniform.Reset(addr, size, nil)
	d.births.record(addr, size, d.forks.Load())
}

// OnFree implements race.MemoryDetector. The detector keeps no state of
// memory apart from its shadow, which OnMalloc resets when the memory is
// used again.
func (d *detector) OnFree(addr, size uintptr) {}

// copyWord gives the zero record dst the state of src, a uniform page's
// record (Uniform.Expand).
func (d *detector) copyWord(dst, src *word) {
	var s state
	src.load(&s)
	dst.lock()
	dst.store(&d.shadow, &s)
	dst.unlock()
}

// clipWord drops the state of bytes [lo, hi) of the word whose shadow is
// w: those bytes of its plain records, the atomic records that overlap
// them (an atomic location partly freed is gone) and their reported bits.
func (d *detector) clipWord(w *word, lo, hi uint8) {
	m := shadow.ByteMask(lo, hi)
	w.lock()
	var s state
	w.load(&s)
	for i := range s.r {
		if r := &s.r[i]; r.mask&m != 0 {
			if r.mask &^= m; r.flags&fAtomic != 0 {
				r.mask = 0
			}
		}
	}
	if s.r[0].mask == 0 {
		s.r[0], s.r[1] = s.r[1], rec{}
	}
	s.reported &^= m
	w.store(&d.shadow, &s)
	w.unlock()
}

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

// A siteCache remembers the verdicts of atomics' caller PCs (by the
// toolkit's code.Classifier) and, for PCs in sync/atomic itself, of each
// (PC, stack): in a map, behind a direct-mapped cache read without a
// lock, as every atomic consults it.
type siteCache struct {
	// code classifies PCs: code.None for one whose frames are all in
	// sync/atomic (or in no function), code.Ignored for the runtime's,
	// sync's and internal packages'.
	code *code.Classifier
	// sitesFast holds id<<2 | code, the id being the (PC, stack)'s in
	// ids; code is the verdict, or codeUnknown.
	sitesFast [fastSlots]atomic.Uint64
	ids       site.Table

	shards [16]struct {
		mu    race.SpinLock
		sites map[siteKey]verdict
		_     [48]byte
	}
}

const (
	fastSlots   = 4096
	codeUnknown = 3 // a cached unknown verdict (0 is an empty entry)
)

func fastIndex(x uint64) uint64 { return x * 0x9e3779b97f4a7c15 >> 52 }

// fastGet returns the verdict that cache entry e holds for key, if any.
func fastGet(e, key uint64) (verdict, bool) {
	if e == 0 || e>>2 != key {
		return 0, false
	}
	if e&3 == codeUnknown {
		return unknown, true
	}
	return verdict(e & 3), true
}

func fastEntry(key uint64, v verdict) uint64 {
	if v == unknown {
		return key<<2 | codeUnknown
	}
	return key<<2 | uint64(v)
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
func (c *siteCache) site(pc uintptr, stack race.StackID, g *race.Goroutine) atomicSite {
	if pc == 0 {
		return atomicSite{v: keep}
	}
	v := c.verdict(pc)
	if v != unknown {
		return atomicSite{v: v, pc: pc}
	}
	key := site.Key{PC: pc, Stack: stack}
	if id := uint64(c.ids.Lookup(key)); id != 0 {
		if v, ok := fastGet(c.sitesFast[fastIndex(id)].Load(), id); ok {
			return atomicSite{v: v, pc: pc, lazy: true}
		}
	}
	s := &c.shards[(pc>>4^uintptr(stack))%uintptr(len(c.shards))]
	k := siteKey{pc, stack}
	s.mu.Lock()
	v, ok := s.sites[k]
	s.mu.Unlock()
	found := atomicSite{v: v, pc: pc, lazy: true}
	if !ok {
		found = c.findSite(pc, stateOf(g))
		s.mu.Lock()
		if s.sites == nil {
			s.sites = make(map[siteKey]verdict)
		}
		s.sites[k] = found.v
		s.mu.Unlock()
	}
	id := uint64(c.ids.ID(key))
	c.sitesFast[fastIndex(id)].Store(fastEntry(id, found.v))
	return found
}

// verdict returns the verdict of the return address pc.
func (c *siteCache) verdict(pc uintptr) verdict {
	switch c.code.Class(pc) {
	case code.None:
		return unknown
	case code.Ignored:
		return ignore
	}
	return keep
}

// findSite looks for the atomic's caller on the current goroutine's stack:
// the first return address, above the detector's and the runtime's, whose
// frames are not all in sync/atomic (race.Callers, as runtime.Callers,
// elides the ABI wrappers), after one whose frames are (the sync/atomic
// function called). If there is none, the atomic is kept with its PC. The
// verdicts of the stack's PCs come from the cache, so that walking a stack
// of PCs seen before asks race.Frames nothing.
func (c *siteCache) findSite(pc uintptr, g *gstate) atomicSite {
	if g.stack == nil {
		g.stack = new([64]uintptr)
	}
	// The maker is usually a few frames above the detector's: look
	// there first, as walking a deep stack (recursive code) costs by
	// the frame.
	for _, n := range [...]int{findNear, len(g.stack)} {
		buf := g.stack[:n]
		got := race.Callers(1, buf)
		inAtomic := false
		for _, p := range buf[:got] {
			switch v := c.verdict(p); {
			case v == unknown:
				inAtomic = true
			case inAtomic:
				return atomicSite{v: v, pc: p}
			}
		}
		if got < n {
			break // the whole stack
		}
	}
	return atomicSite{v: keep, pc: pc}
}

// findNear is how many frames findSite looks at first.
const findNear = 16

// atomicCode returns the classifier of atomics' caller PCs: it looks
// through sync/atomic's frames (inlined or not) to the function that
// called it, and ignores the runtime (runtime and runtime/..., but not
// the built-in detectors installed under runtime/race/detectors, whose
// own tests synchronise as users do), sync and internal packages.
func atomicCode() *code.Classifier {
	return code.New(code.Options{
		Skip: func(pkg string) bool { return pkg == "sync/atomic" },
		Ignore: func(pkg string) bool {
			if code.Within(pkg, "runtime/race/detectors") {
				return false
			}
			return code.Within(pkg, "runtime") || pkg == "sync" || code.Within(pkg, "internal")
		},
	})
}

// births remembers when recent allocations were made (the fork count), so
// that a word can tell, when first accessed, whether its memory is older
// than a goroutine. It is a direct-mapped table by 512-byte chunk of
// address: an allocation is recorded in each chunk of its first 4 KiB,
// replacing the previous allocation there. A word whose chunk records
// another allocation is taken to be old (born 0). It is filled by
// OnMalloc, so it never allocates; a stripe lock (one per birthMaxChunks
// consecutive slots) keeps each slot's fields together.
type births struct {
	stripes [64]struct {
		mu race.SpinLock
		_  [56]byte
	}
	// slots is outside the Go heap (birthBlocks), where it would raise
	// the collector's goal by its size.
	slots []birth
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

// record records an allocation of [addr, addr+size) at fork count forks.
func (b *births) record(addr, size uintptr, forks uint64) {
	if size == 0 || addr+size < addr {
		return
	}
	k, klast := addr>>birthShift, (addr+size-1)>>birthShift
	var held *race.SpinLock
	for n := 0; k <= klast && n < birthMaxChunks; k, n = k+1, n+1 {
		i := k % birthSlots
		if mu := b.stripe(i); mu != held {
			// A run of slots shares a stripe: an allocation takes one
			// or two locks, not one per chunk.
			if held != nil {
				held.Unlock()
			}
			held = mu
			held.Lock()
		}
		b.slots[i] = birth{addr, addr + size, forks}
	}
	if held != nil {
		held.Unlock()
	}
}

// stripe returns the lock of slot i: birthMaxChunks consecutive slots
// share one.
func (b *births) stripe(i uintptr) *race.SpinLock {
	return &b.stripes[i/birthMaxChunks%uintptr(len(b.stripes))].mu
}

// slot returns the allocation recorded in the chunk of a: the memory at
// a was allocated at its fork count if it lies in it, else before.
func (b *births) slot(a uintptr) birth {
	i := (a >> birthShift) % birthSlots
	mu := b.stripe(i)
	mu.Lock()
	r := b.slots[i]
	mu.Unlock()
	return r
}
