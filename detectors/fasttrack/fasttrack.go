// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"cmp"
	"math/bits"
	"runtime/race"
	"slices"
	"sync/atomic"
	"unsafe"

	"drace/toolkit/pages"
	"drace/toolkit/recycle"
	"drace/toolkit/repeat"
	"drace/toolkit/shadow"
	"drace/toolkit/site"
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
	// Its reports do not depend on repeats (doc.go, Costs).
	SkipRepeats: true,
}

func init() { race.Register(Policy) }

// A cell is FastTrack's record of one access (or, merged, several by one
// goroutine at one code location in one epoch) to some bytes of an 8-byte
// word, as the shadow stores it, in two 64-bit fields:
//
//	a: clock<<32 | slot<<8 | mask   the epoch, and the bytes (mask 0: no cell)
//	b: site<<32 | flags             where the access was made, and its kind
//
// A word's plain write W, plain reads R and atomic sets AW and AR are its
// cells of each kind: one for each epoch whose access is not ordered before
// a later one of the same kind (for reads, atomics and concurrent writes),
// so that read-shared mode is a set of read cells, one per reader slot.
type cell struct{ a, b uint64 }

const (
	fWrite    = 1 << iota // the access wrote
	fAtomic               // the access was a sync/atomic operation
	fReported             // the access has been reported as one side of a race
	kindMask  = fWrite | fAtomic

	maxSlot = 1<<24 - 1 // slots a cell can name
)

func (c cell) mask() uint8         { return uint8(c.a) }
func (c cell) epochBits() uint64   { return c.a &^ 0xff }
func (c cell) kind() uint64        { return c.b & kindMask }
func (c cell) site() uint32        { return uint32(c.b >> 32) }
func (c cell) slot() uint32        { return uint32(c.a>>8) & maxSlot }
func (c cell) epoch() vclock.Epoch { return vclock.MakeEpoch(uint32(c.a>>8)&maxSlot, uint32(c.a>>32)) }

// epochBits returns e as a cell's a field stores it.
func epochBits(e vclock.Epoch) uint64 {
	if e.Slot() > maxSlot {
		panic("fasttrack: more live goroutines than cells can name")
	}
	return uint64(e.Clock())<<32 | uint64(e.Slot())<<8
}

// An entry is the shadow of an aligned 8-byte word (toolkit/shadow), 16
// bytes: one cell in place, the word's most recently recorded, and, when
// the word has more, the rest in an overflow block (see overflow). The
// bits of b that a cell leaves free hold the entry's lock (bit 3, a
// shadow.LockBit) and the overflow block's number (1 + its index, 0 if
// none) in bits 4-30. The lock guards the cell and the overflow block; the
// epoch fast path reads the cell in place without it.
//
// An entry with fPair (bit 31) set is a pair instead: the commonest
// words of two cells, two plain accesses by the same slot in one epoch or
// two (data written, then read back or partly written again after the
// goroutine has synchronised), both unreported, in 16 bytes without an
// overflow block. a is the newer cell's, as a cell stores it, and so are
// b's kind bits (so that the epoch fast path reads the newer cell of a
// pair as it reads any cell in place), and b is
//
//	pair<<32 | fPair | delta<<13 | okind<<12 | omask<<4 | lock | kind
//
// pair numbering the two cells' sites (the older's, the newer's) in the
// package's table of pairs, delta the newer's clock less the older's (at
// most maxPairDelta), okind 1 if the older cell is a write, omask its
// bytes. A word whose two cells do not fit (other slots, an atomic or a
// reported cell, a delta too large) has an overflow block; a pair that an
// access does not leave with at most two such cells is expanded into one
// (expand).
type entry struct{ a, b atomic.Uint64 }

const (
	lockBit   = 1 << 3
	ovfShift  = 4
	ovfField  = 1<<28 - 1            // the bits of b>>ovfShift that ovf returns
	maxOvf    = 1<<27 - ovfChunk - 1 // overflow block numbers an entry can hold (a pair's ovf is past the chunks of as many)
	entryBits = 0xfffffff8           // the bits of b that are the entry's, not the cell's

	fPair          = 1 << 31 // the entry is a pair (b's top bit of the overflow number's field)
	pairMaskShift  = 4       // the older cell's mask in a pair's b
	pairKindBit    = 1 << 12 // the older cell is a write
	pairDeltaShift = 13      // the newer cell's clock less the older's in a pair's b
	maxPairDelta   = 1<<18 - 1
)

func (w *entry) lock()   { shadow.LockBit(&w.b, lockBit) }
func (w *entry) unlock() { shadow.UnlockBit(&w.b, lockBit) }

// get returns the cell in place. Of a pair, it is the newer cell but for
// its site, which holds the pair's number (unpair gives the site): the
// paths that need a site expand a pair first, and set refuses a pair,
// so that a cell taken from one is not stored back.
func (w *entry) get() cell { return cell{w.a.Load(), w.b.Load() &^ entryBits} }

// isPair reports whether w is a pair (see entry).
func (w *entry) isPair() bool { return w.b.Load()&fPair != 0 }

// set sets the cell in place (w locked, not a pair). A cell replaced by
// another has its a cleared first, so that the lock-free fast path never
// sees the old cell's epoch with the new cell's kind.
func (w *entry) set(c cell) {
	keep := w.b.Load() & entryBits
	if keep&fPair != 0 {
		panic("fasttrack: a pair's cell set as a single cell")
	}
	if old := w.a.Load(); old != c.a && old != 0 || c.a == 0 {
		w.a.Store(0)
	}
	if c.a == 0 {
		w.b.Store(keep)
		return
	}
	w.b.Store(c.b&^entryBits | keep)
	w.a.Store(c.a)
}

// ovf returns w's overflow block number, or, if w is a pair, a number
// that is not 0 (ovfOf expands the pair into an overflow block).
func (w *entry) ovf() uint64 { return w.b.Load() >> ovfShift & ovfField }

// setOvf sets w's overflow block number (w locked).
func (w *entry) setOvf(n uint64) {
	if n > maxOvf {
		panic("fasttrack: more overflow blocks than an entry can name")
	}
	w.b.Store(w.b.Load()&^(ovfField<<ovfShift) | n<<ovfShift)
}

// pairs numbers the pairs of sites (a write's and a read's) of the
// entries that are pairs, as a site.Table numbers code locations, the
// pair (w, r) being the Key{PC: w<<32 | r}. Pairs are numbers only, the
// same for every detector: one table serves them all.
var pairs site.Table

// A pairMemo is a pair of sites and its number (gstate.pairs).
type pairMemo struct{ w, r, id uint32 }

// pairCache is the number of pairs a goroutine caches.
const pairCache = 4

// pairSites returns the sites (older, newer) of pair id, from g's cache
// (g may be nil) or the table.
func pairSites(g *gstate, id uint32) (o, n uint32) {
	if g != nil {
		for _, m := range g.pairs {
			if m.id == id {
				return m.w, m.r
			}
		}
	}
	k := pairs.KeyOf(id) // id read from an entry pairID wrote
	o, n = uint32(uint64(k.PC)>>32), uint32(k.PC)
	if g != nil {
		g.pairs[g.nextPair%pairCache] = pairMemo{o, n, id}
		g.nextPair++
	}
	return o, n
}

// pairID returns the number of the pair of sites (o, n), from g's cache
// or the table.
func pairID(g *gstate, o, n uint32) uint32 {
	for _, m := range g.pairs {
		if m.w == o && m.r == n && m.id != 0 {
			return m.id
		}
	}
	id := pairs.ID(site.Key{PC: uintptr(uint64(o)<<32 | uint64(n))})
	g.pairs[g.nextPair%pairCache] = pairMemo{o, n, id}
	g.nextPair++
	return id
}

// unpair returns the cells of w, a pair: the older and the newer (in
// place).
func (w *entry) unpair(g *gstate) (o, n cell) {
	a, b := w.a.Load(), w.b.Load()
	so, sn := pairSites(g, uint32(b>>32))
	delta := b >> pairDeltaShift & maxPairDelta
	o = cell{(a>>32-delta)<<32 | a&(maxSlot<<8) | b>>pairMaskShift&0xff, uint64(so) << 32}
	if b&pairKindBit != 0 {
		o.b |= fWrite
	}
	return o, cell{a, uint64(sn)<<32 | b&fWrite}
}

// pairSlot returns the slot of both cells of w, a pair.
func (w *entry) pairSlot() uint32 { return uint32(w.a.Load()>>8) & maxSlot }

// expand turns w (locked), a pair, into its newer cell in place and its
// older in an overflow block, and returns the block.
func (d *detector) expand(w *entry) *ovfBlock {
	o, n := w.unpair(nil)
	w.b.Store(n.b | w.b.Load()&lockBit) // a is the newer's already
	b := d.ovf.alloc(w)
	b.x, b.y = o.a, o.b
	return b
}

// pairable reports whether o and then n, cells of one word, make a pair
// (see entry): plain, unreported, of one slot, n's clock at most
// maxPairDelta after o's.
func pairable(o, n cell) bool {
	return (o.b|n.b)&(fAtomic|fReported|fVector) == 0 && o.mask() != 0 && n.mask() != 0 &&
		o.slot() == n.slot() && o.a>>32 <= n.a>>32 && n.a>>32-o.a>>32 <= maxPairDelta
}

// storePair makes w (locked, without an overflow block) the pair of o
// and n (pairable), id the number of their sites, or pairID's if 0.
func (d *detector) storePair(w *entry, g *gstate, o, n cell, id uint32) {
	if id == 0 {
		id = pairID(g, o.site(), n.site())
	}
	nb := uint64(id)<<32 | fPair | (n.a>>32-o.a>>32)<<pairDeltaShift | uint64(o.mask())<<pairMaskShift | n.b&fWrite | w.b.Load()&lockBit
	if o.b&fWrite != 0 {
		nb |= pairKindBit
	}
	if w.a.Load() != n.a {
		w.a.Store(0) // as set does: never the old a with the new b
	}
	w.b.Store(nb)
	w.a.Store(n.a)
}

// storeCells makes w (locked, a pair or a single cell, without an
// overflow block) hold cs, the non-empty of them in order, oldest first,
// if they fit: one cell, or two that make a pair. id is the number of
// the pair of sites cs would have as a pair, if known (0: not). It
// reports whether they fit; if not, w is unchanged.
func (d *detector) storeCells(w *entry, g *gstate, cs []cell, id uint32) bool {
	var x [2]cell
	k := 0
	for _, c := range cs {
		if c.a == 0 {
			continue
		}
		if k == 2 {
			return false
		}
		x[k] = c
		k++
	}
	if k == 2 {
		if !pairable(x[0], x[1]) {
			return false
		}
		d.storePair(w, g, x[0], x[1], id)
		return true
	}
	if w.isPair() {
		w.b.Store(w.b.Load()&lockBit | w.b.Load()&fWrite) // the newer cell's kind, until set replaces it
	}
	w.set(x[0])
	return true
}

// pairAccess applies the access cur by g to the bytes mask of w (locked),
// a pair, when the word is left with at most two cells that make a pair:
// a plain access by the pair's slot (so ordered after both cells:
// nothing to check), recorded as the general path records one. It
// reports whether it applied it; if not, the general path does, on the
// pair expanded.
func (d *detector) pairAccess(w *entry, mask uint8, g *gstate, cur *curAccess) bool {
	if w.pairSlot() != cur.e.Slot() || cur.kind&fAtomic != 0 {
		return false
	}
	o, n := w.unpair(g)
	own := d.ownCell(g, cur, mask)
	cs := [3]cell{o, n}
	merged := false
	for i := range 2 {
		c := &cs[i]
		if c.epochBits() == cur.ea && c.b == own.b {
			c.a |= uint64(mask)
			merged = true
			continue
		}
		if c.mask()&mask != 0 && (cur.kind == fWrite || c.kind() == cur.kind) {
			if c.a &^= uint64(mask); c.mask() == 0 {
				*c = cell{}
			}
		}
	}
	id := uint32(0)
	if !merged {
		cs[2] = own
	} else if cs[0].a != 0 && cs[1].a != 0 {
		id = uint32(w.b.Load() >> 32) // the same two sites
	}
	return d.storeCells(w, g, cs[:], id)
}

// A page holds the happens-before clocks of the synchronisation addresses
// in an aligned 4 KiB page.
type page struct {
	mu race.SpinLock
	// dead is set, under mu, when the page is dropped from its shard, so
	// that a goroutine holding it in its cache looks it up again.
	dead  bool
	syncs map[uintptr]*syncVar
}

// A syncVar is the clock L_m of a synchronisation address m.
type syncVar struct {
	vc vclock.Clock
	// known is the id of a goroutine state whose clock is known to hold
	// vc (vc ⊑ C_t), or 0: the last to release into vc with Release, or to join it
	// (acquire), or to merge into it when it held it already. A clock
	// only grows, so known stays true until another goroutine releases
	// into vc. An acquire by known changes nothing and is skipped (a
	// mutex's Unlock acquires what its Lock did), and a release-merge by
	// known is a copy. It is read and written with the page locked
	// (an acquire skipped without the lock is one that syncRef.rel
	// shows unneeded).
	known uint64
	// owner is the id of the goroutine state that released into vc
	// last with a copy (Release, or ReleaseMerge by known), or 0, and
	// ownerVer its gstate.ver then: while both still match, vc equals
	// the owner's clock but for the owner's own entry, which only its
	// Ticks have advanced since, so that its next release is a store of
	// that entry (a Mutex's Unlock after its Lock, an atomic's release
	// after its acquire) rather than a copy of the clock.
	owner    uint64
	ownerVer uint64
	// rel counts the changes of vc (releases into it), so that a
	// goroutine whose clock held vc at rel can skip an acquire while rel
	// has not changed (syncRef). It is written with the page locked and
	// read without.
	rel atomic.Uint64
	// gen counts the releases that replaced vc (copies of a clock not
	// known to hold it); a merge or the owner's store only grows it.
	gen uint64
	// dead is set, under the page's lock, when the address's clock is
	// dropped (OnFree, OnMalloc), for the goroutines that keep it in
	// gstate.sv; it is read without the lock.
	dead atomic.Bool
}

// gstate is the detector's per-goroutine state.
type gstate struct {
	// Goroutine is the goroutine's clock C_t and its slot t, taken at its
	// first event (see the package documentation), its ID and its
	// acquire-all generation.
	vclock.Goroutine
	// The last sync page the goroutine touched, to skip the shard lookup.
	pkey uintptr
	page *page
	// The sync addresses the goroutine looked up last and their
	// clocks (syncRef), nextRef the one to replace next, to skip the page's map (an atomic
	// and the acquire and release it makes, a Mutex's Lock and Unlock,
	// an RWMutex's RLock and RUnlock, use one to three addresses in a
	// row) and the acquire of a clock that has not changed since the
	// goroutine last acquired or released it.
	refs    [4]syncRef
	nextRef uint32
	// ver counts the changes of the goroutine's clock C_t other than
	// the Ticks of its own entry in its slot: joins, a new slot,
	// acquire-all (see syncVar.owner).
	ver uint64
	// id numbers the detector's goroutine states from 1, for
	// syncVar.known (which must not keep an ended goroutine's clock).
	id uint64
	// repeats are the words the batch being applied has accessed past
	// the epoch fast path: a batch is one epoch, and a repeat within it
	// changes nothing.
	repeats repeat.Filter
	// sites caches the sites of the goroutine's accesses recorded
	// lately, by PC and stack (detector.siteOf).
	sites [siteCache]siteMemo
	// pairs caches the pairs of sites of the entries that the goroutine
	// made pairs, or read, lately (pairID, pairSites).
	pairs    [pairCache]pairMemo
	nextPair uint32
}

// siteCache is the number of sites a goroutine caches (gstate.sites):
// a loop that synchronises at every turn records its accesses in a new
// epoch each time, at a few code locations (a contended Mutex's loop,
// with the atomics of its Lock's and Unlock's slow paths, at about ten:
// with 8, a quarter of its lookups missed).
const siteCache = 16

// A syncRef is a sync address a goroutine looked up and its clock v, and
// v.rel when the goroutine's clock last held v.vc (0: not known to).
// mver is the goroutine's gstate.ver+1 at its last release-merge into v,
// and mgen v.gen then: while both still match, v.vc holds what the
// goroutine's clock held then, and its clock has changed since only in
// its own entry, so that a release-merge is the max of that entry (the
// readers of an RWMutex merge into writerSem at every RUnlock).
type syncRef struct {
	addr       uintptr
	v          *syncVar
	rel        uint64
	mver, mgen uint64
}

// ref returns g's syncRef for addr, or, if it has none, the one to
// replace (the one taken longest ago), which holds another address.
func (g *gstate) ref(addr uintptr) *syncRef {
	for i := range g.refs {
		if g.refs[i].addr == addr {
			return &g.refs[i]
		}
	}
	r := &g.refs[g.nextRef%uint32(len(g.refs))]
	g.nextRef++
	return r
}

// tick starts a new epoch of g; if its slot was taken, in a new one.
func (d *detector) tick(g *gstate) {
	t := g.Slot()
	d.gs.Tick(&g.Goroutine)
	if g.Slot() != t {
		g.ver++
	}
}

const (
	pageShift = pages.PageShift
	pageSize  = pages.PageSize
)

type detector struct {
	// gs lends the goroutines their slots, at their first events, and
	// keeps the slots' holders, for what reports say of earlier accesses.
	gs vclock.Goroutines
	// shadow holds the cells of every word, overflow those of the words
	// with more than one.
	shadow shadow.Map[entry]
	ovf    overflow
	// uniform holds one entry for each page a range access covered
	// whole while its words had none, standing for all of them.
	uniform shadow.Uniform[entry]
	// pages holds the clocks of synchronisation addresses.
	pages pages.Table[page, *page]
	// sites keeps what reports say of earlier accesses.
	sites site.Table

	// ids numbers goroutine states (gstate.id).
	ids atomic.Uint64
	// ended keeps the states of goroutines that ended, up to
	// maxEnded, for goroutines started later (newState): a program that
	// starts goroutines by the hundred thousand would otherwise allocate
	// a state and a clock of up to 1 KiB each for every one.
	ended recycle.Bin[gstate]
	// generalAtomics makes OnAtomic apply every atomic that is not
	// replacing a word's only cell with accessLocked, never atomicCells:
	// set only by tests, which compare the two.
	generalAtomics bool

	repMu   race.SpinLock
	reports []race.Report
	// seen holds the racing pairs of code locations reported.
	seen map[sitePair]bool
}

func newDetector() *detector {
	d := &detector{seen: make(map[sitePair]bool), ended: recycle.Bin[gstate]{Max: maxEnded}}
	d.ovf.slots = &d.gs.Slots
	return d
}

// newState returns the state of goroutine gid, started by parent (nil if
// not known). It gets its slot, and C_t = inc_t(C_parent), at its first
// event (vclock.Goroutines): a goroutine that has not run yet holds no
// slot, so that a program that starts goroutines faster than they run
// (thousands waiting to be scheduled) does not make every clock as long as
// the goroutines started.
func (d *detector) newState(parent *gstate, gid int64) *gstate {
	s := d.ended.Get()
	if s == nil {
		s = new(gstate)
	} else {
		// An ended goroutine's state: its clock's storage (reused by
		// Start), its cache of sites (a site's number is the same for
		// every goroutine) and its filter of repeats (whose entries of
		// earlier batches count as empty) serve as they are; the rest
		// is the new goroutine's.
		s.pkey, s.page = 0, nil
		s.refs, s.nextRef = [len(s.refs)]syncRef{}, 0
		s.ver = 0
	}
	s.id = d.ids.Add(1)
	var p *vclock.Goroutine
	if parent != nil {
		p = &parent.Goroutine
	}
	d.gs.Start(p, &s.Goroutine, gid)
	return s
}

// state returns g's state, creating it for a goroutine that started before
// the detector, and readies it for an event (vclock.Goroutines.Use): it
// gives it a slot at its first event, or again if its slot was taken, and
// after an OnAcquireAll starts a new epoch, so that what it does from then
// on is not ordered before the goroutine that acquired all.
func (d *detector) state(g *race.Goroutine) *gstate {
	s, ok := g.State.(*gstate)
	if !ok {
		s = d.newState(nil, g.ID)
		g.State = s
	}
	if !d.gs.Ready(&s.Goroutine) {
		d.gs.Use(&s.Goroutine)
		s.ver++ // a new slot, or a new epoch: count both
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
		child.State = d.newState(nil, child.ID)
		return
	}
	p := d.state(parent)
	child.State = d.newState(p, child.ID)
	p.ver++ // its tick may have moved it to a new slot
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
		d.gs.End(&s.Goroutine)
		d.ended.Put(s)
	}
	g.State = nil
}

// maxEnded is the number of ended goroutines' states a detector keeps
// for reuse (detector.ended): some 2 MiB at most.
const maxEnded = 1024

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

// OnAccesses implements race.AccessDetector: the accesses of a batch, all
// made by g in one epoch. The epoch is taken once for the batch, the batch
// is read a chunk at a time (AccessBatch.Fill), and an access within one
// or two words (almost every access: the compiler's are of 1 to 8 bytes,
// or a string header or small struct copied whole) goes to each word's
// record directly, through a cursor that keeps the last window of shadow.
// There a repeat of the word's last recorded access, in this epoch, ends
// at the epoch fast path; a repeat of another access of the batch (the
// word read-shared, or its cell in place another's) ends at the batch's
// table of the words that went past the fast path (package repeat),
// before the word's lock. A repeat is most often of the cell in place,
// whose shadow the batch's first access has just brought into cache: the
// fast path, first, is the cheaper filter for it.
func (d *detector) OnAccesses(gr *race.Goroutine, b race.AccessBatch) {
	if gr == nil {
		return
	}
	g := d.state(gr)
	g.repeats.Start()
	l := accessLoop{e: g.Epoch()}
	l.ea = epochBits(l.e)
	ea := l.ea
	var buf [fillChunk]race.Access
	carried := 0 // accesses kept at the start of buf from the last chunk
	for {
		n := carried + b.Fill(buf[carried:])
		more := n == len(buf) // the batch may go on past buf
		carried = 0
		for i := 0; i < n; i++ {
			a := &buf[i]
			// The epoch fast path of an access in the window of the last
			// word looked up, within one word (the commonest: a
			// variable's access, which instrumented code reports as of
			// one byte, or an element's) or two (a string header or
			// small struct copied whole), written out as in accessWord:
			// each word's cell in place must be of the batch's epoch, on
			// the access's bytes in the word, and of its kind, which for
			// a plain access is its write bit, or a plain write, which
			// stands for a read. (An access of Size 0, which changes
			// nothing, ends here or in accessAt.)
			var checked *entry // the one word whose fast path failed here
			if off, woff := a.Addr&7, a.Addr&^7-l.lo; woff < l.size && off+a.Size-1 < 16 {
				w := (*entry)(unsafe.Add(nil, l.base+woff>>3*unsafe.Sizeof(entry{})))
				k := uint64(a.Kind & 1)
				if end := off + a.Size; end <= 8 {
					mask := uint8(0xff>>((8-a.Size)&7)) << off // Size 1 to 8: no shift of 8 to guard
					if x := w.a.Load(); x&^0xff == ea && uint8(x)&mask == mask {
						if wk := w.b.Load() & kindMask; wk == k || wk == fWrite {
							continue
						}
					}
					checked = w
				} else if woff+8 < l.size {
					mask, mask2 := uint8(0xff)<<off, uint8(0xff>>((16-end)&7))
					w2 := (*entry)(unsafe.Add(unsafe.Pointer(w), unsafe.Sizeof(entry{})))
					if x := w.a.Load(); x&^0xff == ea && uint8(x)&mask == mask {
						if x2 := w2.a.Load(); x2&^0xff == ea && uint8(x2)&mask2 == mask2 {
							wk, wk2 := w.b.Load()&kindMask, w2.b.Load()&kindMask
							if (wk == k || wk == fWrite) && (wk2 == k || wk2 == fWrite) {
								continue
							}
						}
					}
				}
			}
			// Everything else, in one call, so that the loop above
			// keeps its few values in registers.
			var carry bool
			if i, carry = d.accessAt(g, &buf, i, n, more, &l, checked); carry {
				// A read that may pair with a write in the next
				// chunk: it starts the next chunk.
				buf[0] = buf[i]
				carried = 1
				break
			}
		}
		if !more {
			return
		}
	}
}

// An accessLoop is what OnAccesses keeps for a batch: the batch's epoch,
// and the window of shadow the last word looked up was in, as a
// shadow.Cursor has it, and the cursor.
type accessLoop struct {
	e  vclock.Epoch
	ea uint64 // e as a cell stores it
	// The window's first address, its size (0: none) and the address of
	// its first entry.
	lo, size, base uintptr
	cursor         shadow.Cursor
}

// wordAt returns the shadow of the word at base, outside l's window, and
// moves the window to base's.
func (l *accessLoop) wordAt(d *detector, base uintptr) *entry {
	w := d.shadow.WordAt(&l.cursor, base)
	if w == nil {
		panic("fasttrack: the system refused to reserve shadow memory")
	}
	// The window is linear: its first entry is the word's less the
	// words before it.
	l.lo, l.size = base&^(shadow.WindowSize-1), shadow.WindowSize
	l.base = uintptr(unsafe.Pointer(w)) - (base-l.lo)>>3*unsafe.Sizeof(entry{})
	return w
}

// accessAt applies buf[i], an access of a batch by g that OnAccesses did
// not end at its fast path, with buf[:n] read so far (more: the batch may
// go on past buf). An access within one or two words goes to each word's
// record directly: a repeat of the word's last recorded access, in this
// epoch, ends at the epoch fast path; a repeat of another access of the
// batch (the word read-shared, or its cell in place another's) ends at the
// batch's table of the words that went past the fast path (package
// repeat), before the word's lock. It returns the index of the last
// access applied (i+1 when a read and the write that follows it went
// together), or i and true for a read that ends a full buf, which the
// caller carries over to the next chunk. checked is the shadow of the
// access's word if the access is within one word and the caller found it
// past the word's epoch fast path, or nil.
func (d *detector) accessAt(g *gstate, buf *[fillChunk]race.Access, i, n int, more bool, l *accessLoop, checked *entry) (int, bool) {
	a := &buf[i]
	write := a.Kind&1 != 0 // a.Kind.IsWrite(), in one instruction
	if !write && i+1 == n && more {
		return i, true
	}
	kind := uint64(a.Kind & 1) // kindOf(write, false)
	e, ea := l.e, l.ea
	// The access's part in its first word, base and mask, and the bytes
	// it has in the next word, rest (0: none).
	base := a.Addr &^ 7
	var mask uint8
	var rest uintptr
	if a.Size == 1 {
		mask = 1 << (a.Addr & 7)
	} else {
		off := a.Addr & 7
		end := off + a.Size
		if a.Size == 0 {
			return i, false
		}
		if end > 16 {
			cur := curAccess{a: a, kind: kind, e: e, ea: ea}
			// The cursor may move; l's window stays reserved, and
			// stays l's.
			d.accessWords(&cur, g, &l.cursor)
			return i, false
		}
		// Within one word, or two (a string header or small struct
		// copied whole): each word is filtered, and goes straight to
		// its record, on its own.
		if end > 8 {
			rest, end = end-8, 8
		}
		mask = shadow.ByteMask(uint8(off), uint8(end))
	}
	for {
		w := checked
		if w == nil {
			if off := base - l.lo; off < l.size {
				// The shadow is outside the Go heap (as in
				// shadow.Cursor.Word).
				w = (*entry)(unsafe.Add(nil, l.base+off>>3*unsafe.Sizeof(entry{})))
			} else {
				w = l.wordAt(d, base)
			}
			// The epoch fast path (repeats), written out as in
			// accessWord.
			if x := w.a.Load(); x&^0xff == ea && uint8(x)&mask == mask {
				if k := w.b.Load() & kindMask; k == kind || k == fWrite {
					goto next
				}
			}
		}
		if g.repeats.RepeatWord(base>>3, mask, write) {
			goto next
		}
		if !write && rest == 0 && i+1 < n {
			// A write of the read's bytes next: one record for both.
			nx := &buf[i+1]
			if nx.Kind&1 != 0 && nx.Addr&^7 == base && nx.Size != 0 && nx.Addr&7+nx.Size <= 8 {
				noff := nx.Addr & 7
				if wmask := shadow.ByteMask(uint8(noff), uint8(noff+nx.Size)); wmask&mask == mask && !g.repeats.RepeatWord(base>>3, wmask, true) {
					r := curAccess{a: a, kind: kind, e: e, ea: ea}
					wr := curAccess{a: nx, kind: fWrite, e: e, ea: ea}
					d.readThenWrite(w, base, mask, wmask, g, &r, &wr)
					return i + 1, false
				}
			}
		}
		{
			cur := curAccess{a: a, kind: kind, e: e, ea: ea}
			d.accessSlow(w, base, mask, g, &cur)
		}
	next:
		if rest == 0 {
			return i, false
		}
		base += 8
		mask = shadow.ByteMask(0, uint8(rest))
		rest = 0
	}
}

// OnAccesses takes an access's kind's low bit for IsWrite, and for a
// plain access's kind.
var _ = [1]struct{}{}[fWrite^1]

// OnAccesses takes an access's kind's low bit for IsWrite.
var _ = [1]struct{}{}[race.AccessRead&1|race.AccessReadRange&1|(race.AccessWrite&race.AccessWriteRange&1^1)]

// fillChunk is the number of accesses OnAccesses reads from a batch at a
// time.
const fillChunk = 32

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
// the access is checked, as a load happens after the store it observes;
// the OnAcquire that follows for the same operation then finds g's clock
// known to hold it, unless another goroutine released into it in between.
// A failed CompareAndSwap (a.Failed) is such an acquire and a write, as
// ThreadSanitizer has it; no release follows it.
//
// An atomic within one word (every aligned one) goes to its record
// directly, and an
// atomic that supersedes the word's only cell, one of its own kind
// ordered before it (a mutex word's or a counter's last operation, by the
// goroutine that released to this one), replaces it in place: there is
// nothing to check, atomics conflicting only with plain accesses.
func (d *detector) OnAtomic(a race.AtomicAccess) {
	if a.G == nil || a.Width == 0 {
		return
	}
	d.atomic(d.state(a.G), &a)
}

// OnAtomicSync implements race.AtomicSyncDetector: OnAtomic(a) and then
// the edges of a on a.Addr (OnAcquire for a load or a failed
// CompareAndSwap, OnRelease for a store, both for another
// read-modify-write), for g's state looked up once. The acquire that
// follows the atomic, which the atomic has joined already, is skipped
// as OnAcquire would skip it (acquireAt's look at g's syncRef), unless
// another goroutine released into the address in between.
func (d *detector) OnAtomicSync(a race.AtomicAccess) {
	if a.G == nil {
		return
	}
	g := d.state(a.G)
	if a.Width != 0 {
		d.atomic(g, &a)
	}
	if a.Op != race.AtomicStore {
		d.acquireAt(g, a.Addr)
	}
	if a.Op != race.AtomicLoad && !a.Failed {
		d.releaseBy(g, a.Addr, false)
	}
}

// atomic is OnAtomic for g's state.
func (d *detector) atomic(g *gstate, a *race.AtomicAccess) {
	a.Size = uintptr(a.Width)
	if a.Op != race.AtomicStore {
		d.acquireAt(g, a.Addr)
	}
	write := a.Op != race.AtomicLoad
	off := a.Addr & 7
	if off+a.Size > 8 {
		d.accessAs(g, &a.Access, write, true)
		return
	}
	w := d.shadow.Word(a.Addr)
	if w == nil {
		panic("fasttrack: the system refused to reserve shadow memory")
	}
	cur := curAccess{a: &a.Access, kind: kindOf(write, true), e: g.Epoch()}
	cur.ea = epochBits(cur.e)
	mask := shadow.ByteMask(uint8(off), uint8(off+a.Size))
	if repeats(w, mask, &cur) {
		return
	}
	base := a.Addr &^ 7
	d.lockWord(w, base, &cur)
	if c := w.get(); w.ovf() == 0 && c.kind() == cur.kind && !c.isVec() && c.mask()&^mask == 0 && c.epoch().Before(g.C) {
		// What accessLocked would do: no conflict to check, and the
		// cell, of the access's kind, ordered before it and on no
		// other byte, gives all its bytes to the access's.
		w.set(d.ownCell(g, &cur, mask))
	} else if w.isPair() {
		// A pair takes no atomic cell: accessLocked expands it.
		d.accessLocked(w, base, mask, g, &cur)
	} else if ovf := d.ovfOf(w); ovf == nil || ovf.inline() || d.generalAtomics || !d.atomicCells(w, ovf, base, mask, g, &cur) {
		d.accessLocked(w, base, mask, g, &cur)
	}
	w.unlock()
}

// atomicOn applies the atomic cur, of the bytes m, whose own cell is own,
// by a goroutine of clock cv, to c, a cell of the word at base (atomics
// conflict only with plain accesses), as accessLocked does: it reports
// a race with c, or merges the access into c (same epoch and site:
// merged), or the access takes c's bytes if c is of its kind and ordered
// before it. It returns c as the access leaves it (a zero a: dropped).
func (d *detector) atomicOn(c cell, m uint64, own cell, cv vclock.Clock, base uintptr, cur *curAccess) (_ cell, merged bool) {
	if c.epochBits() == cur.ea && c.b == own.b {
		c.a |= m
		return c, true
	}
	if c.a&m != 0 {
		k := cur.kind
		if c.b&fAtomic == 0 && (c.b|k)&fWrite != 0 && c.b&fReported == 0 && !c.epoch().Before(cv) {
			c.b |= fReported
			d.race(c, base, cur)
		} else if c.b&kindMask == k && c.epoch().Before(cv) {
			if c.a &^= m; uint8(c.a) == 0 {
				c = cell{}
			}
		}
	}
	return c, false
}

// atomicCells applies the atomic cur by g to the bytes mask of the word at
// base, whose shadow w (locked) has an overflow slice without a read
// clock, as accessLocked and compact would, and reports whether it did
// (false: there is a read clock, and nothing was done). It checks,
// records and packs the cells in one pass, in place, without the
// general loops' per-cell calls and compact's second pass: a contended
// mutex's state word keeps a cell for each goroutine whose failed
// CompareAndSwap is not ordered before the others', dozens of them, and
// each of its atomics passes them all. The pass keeps the cells' order
// (cellOrder), and the cell in place that the access's own cell
// displaces goes to its place in that order, found by binary search.
func (d *detector) atomicCells(w *entry, ovf *ovfBlock, base uintptr, mask uint8, g *gstate, cur *curAccess) bool {
	cells := ovf.cells()
	if len(cells) > 0 && cells[len(cells)-1].isVec() {
		// Plain reads kept as a read clock, that an atomic write checks
		// (checkVec).
		return false
	}
	own := d.ownCell(g, cur, mask)
	m := uint64(mask)
	merged := false
	// The cell in place, then the overflow's (atomicOn).
	p := w.get()
	if p.a != 0 {
		q, mg := d.atomicOn(p, m, own, g.C, base, cur)
		merged = mg
		if q != p {
			w.set(q)
			p = q
		}
	}
	n, writes := 0, 0
	for _, c := range cells {
		c, mg := d.atomicOn(c, m, own, g.C, base, cur)
		merged = merged || mg
		if c.a == 0 {
			continue
		}
		cells[n] = c
		n++
		writes += int(c.b & fWrite)
	}
	switch {
	case !merged:
		d.shadow.Mark(base)
		w.set(own)
		if p.a == 0 {
			break
		}
		// The displaced cell goes to its place in the order.
		key := p.orderKey()
		lo, hi := 0, n
		for lo < hi {
			h := int(uint(lo+hi) >> 1)
			if cells[h].orderKey() <= key {
				lo = h + 1
			} else {
				hi = h
			}
		}
		if n < len(cells) {
			copy(cells[lo+1:n+1], cells[lo:n])
			cells[lo] = p
		} else {
			cells = slices.Insert(d.ovf.room(ovf, cells), lo, p)
		}
		n++
		writes += int(p.b & fWrite)
	case p.a == 0 && n > 0:
		// Merged into an overflow cell, and the place is free: the
		// first overflow cell takes it, as compact does.
		w.set(cells[0])
		writes -= int(cells[0].b & fWrite)
		copy(cells, cells[1:n])
		n--
	}
	clear(cells[n:])
	if n == 0 {
		d.ovf.release(w, ovf)
		return true
	}
	cells = d.ovf.shrink(ovf, cells[:n])
	ovf.setCells(cells)
	ovf.setWrites(writes)
	return true
}

// A siteMemo is a site, its PC and stack, and its number (gstate.sites):
// 16 bytes.
type siteMemo struct {
	pc    uintptr
	stack race.StackID
	id    uint32
}

func (d *detector) access(a *race.Access, write bool) {
	if a.G == nil || a.Size == 0 {
		return
	}
	d.accessAs(d.state(a.G), a, write, false)
}

// accessAs applies a plain or atomic access by g.
func (d *detector) accessAs(g *gstate, a *race.Access, write, atomic bool) {
	cur := curAccess{a: a, kind: kindOf(write, atomic), e: g.Epoch()}
	cur.ea = epochBits(cur.e)
	d.accessWords(&cur, g, nil)
}

// accessWords applies the access cur by g word by word, finding their
// shadow through c (nil: none).
func (d *detector) accessWords(cur *curAccess, g *gstate, c *shadow.Cursor) {
	if c == nil {
		c = new(shadow.Cursor)
	}
	addr, end := cur.a.Addr, shadow.End(cur.a.Addr, cur.a.Size)
	for addr < end {
		ws, next := d.shadow.WordsAt(c, addr, end)
		if ws == nil {
			// The detector is disabled, and the runtime says so.
			panic("fasttrack: the system refused to reserve shadow memory")
		}
		for i := 0; i < len(ws); i++ {
			base := addr &^ 7
			if base&(shadow.UniformSize-1) == 0 && next-base >= shadow.UniformSize && cur.kind&fAtomic == 0 {
				// A page the range covers whole: once for all its
				// words, if they share one entry.
				if r := d.uniform.Begin(&d.shadow, base); r != nil {
					cur.uniform = true
					d.accessWord(r, base, 0xff, g, cur)
					cur.uniform = false
					d.uniform.End(base)
					i += shadow.UniformSize/8 - 1
					addr = base + shadow.UniformSize
					continue
				}
			}
			lo, hi := addr-base, min(next-base, 8)
			d.accessWord(&ws[i], base, shadow.ByteMask(uint8(lo), uint8(hi)), g, cur)
			addr = base + 8
		}
		addr = next
	}
}

func kindOf(write, atomic bool) uint64 {
	k := uint64(0)
	if write {
		k |= fWrite
	}
	if atomic {
		k |= fAtomic
	}
	return k
}

// A curAccess is the access being applied.
type curAccess struct {
	a    *race.Access
	kind uint64
	e    vclock.Epoch
	ea   uint64 // e as a cell stores it
	site uint32 // 0 until looked up
	// uniform is set while the access is applied to a uniform page's
	// entry (shadow.Uniform) rather than a word's.
	uniform bool
}

// accessWord applies the FastTrack rules to the bytes mask of the word at
// base, whose shadow is w:
//
//   - Same epoch: a cell in place of this epoch that covers the bytes
//     and is of the access's kind (plain or atomic, read or write), or a
//     plain write standing for a plain read, makes the access a repeat; it
//     is skipped without the lock.
//   - Check: every cell on the bytes whose kind conflicts (one a write, at
//     most one atomic) must happen before the access; each that does not
//     is a race, reported once per cell.
//   - Record: a plain write takes the bytes from every cell (its
//     accesses happen before it or were reported: [FT WRITE SHARED]);
//     another access takes them from the cells of its own kind that
//     happen before it ([FT READ EXCLUSIVE]), leaving the concurrent ones
//     ([FT READ SHARED]). Then the access's own cell (epoch, kind, site)
//     gets the bytes.
func (d *detector) accessWord(w *entry, base uintptr, mask uint8, g *gstate, cur *curAccess) {
	// repeats(w, mask, cur), written out: in a race build the inliner
	// prices each atomic load as a call, and leaves repeats out of line.
	if a := w.a.Load(); a&^0xff == cur.ea && uint8(a)&mask == mask {
		if k := w.b.Load() & kindMask; k == cur.kind || k == fWrite && cur.kind == 0 {
			return
		}
	}
	d.accessSlow(w, base, mask, g, cur)
}

// accessSlow is accessWord past the epoch fast path.
func (d *detector) accessSlow(w *entry, base uintptr, mask uint8, g *gstate, cur *curAccess) {
	d.lockWord(w, base, cur)
	d.accessLocked(w, base, mask, g, cur)
	w.unlock()
}

// repeats reports whether the cell in place of w makes the access cur to
// the bytes mask a repeat (the epoch fast path), without w's lock.
func repeats(w *entry, mask uint8, cur *curAccess) bool {
	if a := w.a.Load(); a&^0xff == cur.ea && uint8(a)&mask == mask {
		if k := w.b.Load() & kindMask; k == cur.kind || k == fWrite && cur.kind == 0 {
			return true
		}
	}
	return false
}

// lockWord takes the lock of w, the shadow of the word at base, for the
// access cur; if the word has no cell and its page is uniform, it gives
// the page's words their own entries first.
func (d *detector) lockWord(w *entry, base uintptr, cur *curAccess) {
	w.lock()
	if w.a.Load() == 0 && w.ovf() == 0 && !cur.uniform {
		d.shadow.Mark(base)
		if d.uniform.Active(base) {
			// The word's page has one entry for all its words: give
			// each its own, then go on with this one's.
			w.unlock()
			d.uniform.Expand(&d.shadow, base, d.copyEntry, d.dropEntry)
			w.lock()
		}
	}
}

// readThenWrite applies a plain read of the bytes rmask of the word at base
// and the plain write that follows it in the same batch (so in the same
// epoch), of bytes wmask covering them, under one hold of the word's
// lock: the read is checked, and not recorded, as the write would take
// its bytes at once and no other access can see the word in between. A
// read and then a write of a variable (x++, a field updated under a
// mutex) so costs one record, where the read's would move the word's
// cell to an overflow block that the write then frees.
func (d *detector) readThenWrite(w *entry, base uintptr, rmask, wmask uint8, g *gstate, r, wr *curAccess) {
	if repeats(w, rmask, r) {
		d.accessWord(w, base, wmask, g, wr)
		return
	}
	d.lockWord(w, base, r)
	if w.isPair() {
		if w.pairSlot() == r.e.Slot() {
			// Both cells the read's slot's, so ordered before it:
			// nothing to check (and the pair stays one for the write
			// to take).
			d.accessLocked(w, base, wmask, g, wr)
			w.unlock()
			return
		}
		d.expand(w)
	}
	cv := g.C
	ovf := d.ovfOf(w)
	for i := 0; i < 1+ovfLen(ovf); i++ {
		c := d.cellAt(w, ovf, i)
		if c.isVec() || c.mask()&rmask == 0 || c.b&fWrite == 0 || c.b&fReported != 0 || c.epoch().Before(cv) {
			continue
		}
		c.b |= fReported
		d.setCell(w, ovf, i, c)
		d.race(c, base, r)
	}
	d.accessLocked(w, base, wmask, g, wr)
	w.unlock()
}

// accessLocked is accessWord past the epoch fast path, w locked.
func (d *detector) accessLocked(w *entry, base uintptr, mask uint8, g *gstate, cur *curAccess) {
	if w.a.Load() == 0 && w.ovf() == 0 {
		// No cell: nothing to check or supersede (fresh memory, as
		// most words of a large range access are).
		w.set(d.ownCell(g, cur, mask))
		return
	}
	if w.isPair() {
		if d.pairAccess(w, mask, g, cur) {
			return
		}
		d.expand(w)
	}
	ovf := d.ovfOf(w)
	// The two commonest ways a word's second cell comes and goes, as the
	// general path below would apply them, without its loops: data
	// written in one epoch and read in a later one, most often by the
	// same goroutine (a plain read of a word whose one cell is a plain
	// write ordered before it: the write moves to the overflow block),
	// and the next write of all of it (ordered after both cells, covering
	// their bytes: they go, and the block with them).
	if ovf == nil && cur.kind == 0 {
		if c := w.get(); c.b&(kindMask|fVector) == fWrite && c.epoch().Before(g.C) {
			own := d.ownCell(g, cur, mask)
			if !cur.uniform {
				d.shadow.Mark(base)
			}
			if pairable(c, own) {
				// The same slot's: both in place, a pair.
				d.storePair(w, g, c, own, 0)
				return
			}
			w.set(own)
			b := d.ovf.alloc(w)
			b.x, b.y = c.a, c.b
			return
		}
	}
	if ovf == nil && cur.kind == fWrite {
		// A plain write of a word whose one cell is ordered before it
		// and on no byte outside it (a variable updated under a mutex:
		// its last writer released the mutex to this goroutine): nothing
		// to check, and the write takes the cell's bytes, as the general
		// path below would, without its loops.
		if c := w.get(); !c.isVec() && c.mask()&^mask == 0 && c.epoch().Before(g.C) {
			own := d.ownCell(g, cur, mask)
			if !cur.uniform {
				d.shadow.Mark(base)
			}
			w.set(own)
			return
		}
	}
	if ovf != nil && cur.kind == fWrite && ovf.inline() {
		c, o := w.get(), cell{ovf.x, ovf.y}
		if !c.isVec() && !o.isVec() && c.mask()&^mask == 0 && o.mask()&^mask == 0 && c.epoch().Before(g.C) && o.epoch().Before(g.C) {
			own := d.ownCell(g, cur, mask)
			if !cur.uniform {
				d.shadow.Mark(base)
			}
			d.ovf.release(w, ovf)
			w.set(own)
			return
		}
	}
	if ovf != nil && cur.kind == 0 && (!ovf.inline() || ovf.y&fVector != 0) {
		// Read-shared mode: more cells than a write and a read, or a
		// read clock.
		if !d.readClockOnly(w, ovf, mask, g, cur) {
			d.readShared(w, ovf, base, mask, g, cur)
		}
		return
	}
	cv := g.C
	// Check.
	for i := 0; i < 1+ovfLen(ovf); i++ {
		c := d.cellAt(w, ovf, i)
		if c.isVec() {
			if c.mask()&mask != 0 && cur.kind&fWrite != 0 {
				d.checkVec(ovf, i-1, base, cur, cv)
			}
			continue
		}
		if c.mask()&mask == 0 || (c.b|cur.kind)&fWrite == 0 || c.b&cur.kind&fAtomic != 0 {
			continue
		}
		if c.b&fReported != 0 || c.epoch().Before(cv) {
			continue
		}
		c.b |= fReported
		d.setCell(w, ovf, i, c)
		d.race(c, base, cur)
	}
	// Record.
	own := d.ownCell(g, cur, mask)
	merged := false
	for i := 0; i < 1+ovfLen(ovf); i++ {
		c := d.cellAt(w, ovf, i)
		if c.mask() == 0 {
			continue
		}
		if c.isVec() {
			// Plain reads: a plain write takes their bytes.
			if c.mask()&mask != 0 && cur.kind == fWrite {
				if c.a &^= uint64(mask); c.mask() == 0 {
					d.ovf.freeVec(c)
					c = cell{}
				}
				d.setCell(w, ovf, i, c)
			}
			continue
		}
		if c.epochBits() == cur.ea && c.b == own.b {
			c.a |= uint64(mask)
			d.setCell(w, ovf, i, c)
			merged = true
			continue
		}
		if c.mask()&mask == 0 {
			continue
		}
		if cur.kind == fWrite || c.kind() == cur.kind && c.epoch().Before(cv) {
			c.a &^= uint64(mask)
			if c.mask() == 0 {
				c = cell{}
			}
			d.setCell(w, ovf, i, c)
		}
	}
	if !merged {
		if !cur.uniform {
			d.shadow.Mark(base)
		}
		if c := w.get(); ovf == nil && c.a != 0 && pairable(c, own) {
			// Two cells of the same slot: a pair, not an overflow block.
			d.storePair(w, g, c, own, 0)
			return
		}
		d.addCell(w, &ovf, own)
	}
	d.compact(w, ovf)
}

// ownCell returns the cell of the access cur by g to the bytes mask of a
// word, looking its site up on the first word that records it.
func (d *detector) ownCell(g *gstate, cur *curAccess, mask uint8) cell {
	if cur.site == 0 {
		cur.site = d.siteOf(g, cur.a)
	}
	return cell{cur.ea | uint64(mask), uint64(cur.site)<<32 | cur.kind}
}

// siteOf returns the site of a, g's access, from g's cache: an access
// takes the slow path, and needs its site, at least once per epoch, and
// an epoch is as long as the code between two releases, so that a goroutine that synchronises often (a Mutex's
// Unlock, a channel send, an atomic add) would otherwise look up the same
// few sites in the shared table again and again.
//
// g comes from the caller, not from a.G: a batch's accesses have no G
// (AccessBatch.Fill leaves it), and they are most of the slow path's.
//
// The cache is two-way: a site is looked for at its place and its
// neighbour's (the place's index with its low bit flipped), and a new one
// takes its place, the site there moving to the neighbour's. A mutex's
// critical section records its accesses, its Lock's compare-and-swap and
// its Unlock's addition at a handful of code locations, and at one place
// per site two of them often met: each evicted the other at every turn.
func (d *detector) siteOf(g *gstate, a *race.Access) uint32 {
	i := (a.PC ^ a.PC>>3 ^ a.PC>>7 ^ uintptr(a.Stack)) % siteCache
	m := &g.sites[i]
	if m.pc == a.PC && m.stack == a.Stack && m.id != 0 {
		return m.id
	}
	n := &g.sites[i^1]
	if n.pc == a.PC && n.stack == a.Stack && n.id != 0 {
		return n.id
	}
	id := d.sites.ID(site.Key{PC: a.PC, Stack: a.Stack})
	*n = *m
	*m = siteMemo{a.PC, a.Stack, id}
	return id
}

// ovfOf returns w's overflow block, or nil. The entry's lock (w locked)
// guards it. w must not be a pair: the general paths expand a pair first
// (expand). (A pair's ovf is past the chunks of maxOvf blocks, so that
// at panics on it.)
func (d *detector) ovfOf(w *entry) *ovfBlock {
	n := w.ovf()
	if n == 0 {
		return nil
	}
	return d.ovf.at(uint32(n - 1))
}

func ovfLen(o *ovfBlock) int {
	if o == nil {
		return 0
	}
	return o.len()
}

// cellAt returns w's cell i: in place for 0, then in the overflow.
func (d *detector) cellAt(w *entry, ovf *ovfBlock, i int) cell {
	if i == 0 {
		return w.get()
	}
	return ovf.cells()[i-1]
}

func (d *detector) setCell(w *entry, ovf *ovfBlock, i int, c cell) {
	if i == 0 {
		w.set(c)
		return
	}
	ovf.cells()[i-1] = c
}

// addCell adds c to w (locked) in place, where the epoch fast path finds
// it: a repeat of the word's latest access is the common one. The cell it
// displaces goes to the overflow block, made if needed.
func (d *detector) addCell(w *entry, ovf **ovfBlock, c cell) {
	old := w.get()
	w.set(c)
	if old.a == 0 {
		return
	}
	if *ovf == nil {
		*ovf = d.ovf.alloc(w)
	}
	cells := (*ovf).cells()
	for i := range cells {
		if cells[i].a == 0 {
			cells[i] = old
			return
		}
	}
	(*ovf).setCells(append(d.ovf.room(*ovf, cells), old))
}

// compact moves an overflow cell into the free place of w (locked), sorts
// the rest, writes first, each part by slot (cellOrder), counts their
// writes (see readShared), and frees the overflow block once it is empty.
func (d *detector) compact(w *entry, ovf *ovfBlock) {
	if ovf == nil {
		return
	}
	cells := ovf.cells()
	n, writes := 0, 0
	for _, c := range cells {
		if c.a == 0 {
			continue
		}
		if w.a.Load() == 0 && !c.isVec() {
			w.set(c)
			continue
		}
		cells[n] = c
		n++
		if c.b&fWrite != 0 {
			writes++
		}
	}
	clear(cells[n:])
	if n == 0 {
		d.ovf.release(w, ovf)
		return
	}
	cells = d.ovf.shrink(ovf, cells[:n])
	for i := 1; i < len(cells); i++ {
		if cells[i].orderKey() < cells[i-1].orderKey() {
			sortCells(cells)
			break
		}
	}
	ovf.setCells(cells)
	ovf.setWrites(writes)
}

// sortCells sorts cells by cellOrder, stably: an insertion sort, as the
// cells compact finds out of order are almost sorted (a record moves
// the cell in place into the place of a cell it dropped, or after the
// rest), so that it costs O(n) moves, where the word's atomics by many
// goroutines (a contended mutex's) keep dozens of cells.
func sortCells(cells []cell) {
	for i := 1; i < len(cells); i++ {
		c := cells[i]
		k := c.orderKey()
		j := i
		for ; j > 0 && cells[j-1].orderKey() > k; j-- {
			cells[j] = cells[j-1]
		}
		cells[j] = c
	}
}

// cellOrder is the order of a word's overflow cells: its writes (plain or
// atomic) first, so that a read finds them without looking at the reads,
// then the rest; each part by slot, so that a read finds its own slot's
// cells by binary search; and the read clock, if any, last.
func cellOrder(x, y cell) int { return cmp.Compare(x.orderKey(), y.orderKey()) }

func (c cell) orderKey() uint64 {
	if c.isVec() {
		return 1<<32 | 1<<24 // after every read
	}
	k := uint64(c.slot())
	if c.b&fWrite == 0 {
		k |= 1 << 32
	}
	return k
}

// firstOfSlot returns the index of the first of cells[from:] (sorted by
// slot) whose slot is at least slot, or len(cells): a binary search,
// written out so that the slot comparison is inlined.
func firstOfSlot(cells []cell, from int, slot uint32) int {
	lo, hi := from, len(cells)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cells[m].slot() < slot {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// readShared applies a plain read to the word at base, whose shadow w
// (locked) has an overflow slice: FastTrack's read-shared mode, where
// a word read by many goroutines has a cell per reader, or an entry per
// reader in its read clock (see readclock.go) for the readers at one code
// location. Reads conflict only with writes, so a read checks only the
// overflow's writes, kept first (cellOrder), ovf.writes of them (mostly
// none, or the one write the readers all follow). A read of the read
// clock's bytes at its site, by a slot it covers, stores its clock there;
// another replaces its own slot's cells, found by binary search among the
// overflow's reads, sorted by slot, and may move them and the other
// readers' at its site into a read clock (gatherVec). Cells and entries of
// other slots that happen before the read stay until the next write or
// another access clears them, as FastTrack's read clock keeps its entries
// (unless the read is seen to follow the first and the last of them): the
// cost of a read is then independent of the number of readers.
func (d *detector) readShared(w *entry, ovf *ovfBlock, base uintptr, mask uint8, g *gstate, cur *curAccess) {
	cv := g.C
	// Check.
	conflicts := func(c cell) bool {
		return c.mask()&mask != 0 && c.b&fWrite != 0 && c.b&fReported == 0 && !c.epoch().Before(cv)
	}
	if c := w.get(); conflicts(c) {
		c.b |= fReported
		w.set(c)
		d.race(c, base, cur)
	}
	// The overflow's writes, then its reads: a read adds and removes only
	// reads, so nw stays the number of writes.
	nw := ovf.writes()
	for i, c := range ovf.cells()[:nw] {
		if conflicts(c) {
			ovf.cells()[i].b |= fReported
			d.race(c, base, cur)
		}
	}
	// Record.
	own := d.ownCell(g, cur, mask)
	// update merges the read into c, or takes its bytes from c if c is a
	// read that happens before it; it reports whether it merged.
	update := func(c *cell) bool {
		if c.epochBits() == cur.ea && c.b == own.b {
			c.a |= uint64(mask)
			return true
		}
		if c.mask()&mask != 0 && c.kind() == 0 && c.epoch().Before(cv) {
			if c.a &^= uint64(mask); c.mask() == 0 {
				*c = cell{}
			}
		}
		return false
	}
	merged := false
	if c := w.get(); c.mask() != 0 {
		before := c
		merged = update(&c) || merged
		if c != before {
			w.set(c)
		}
	}
	// The reads are cells[nw:end], then the read clock, if any, last.
	cells := ovf.cells()
	end := len(cells)
	var vc cell
	if end > nw && cells[end-1].isVec() {
		end--
		vc = cells[end]
	}
	slot := cur.e.Slot()
	vi := -1
	if vc.a != 0 && vc.mask() == mask && vc.site() == own.site() {
		vi = vc.vecEntry(slot)
	}
	toVec := vi >= 0
	// The read's own slot's cells: those that stay are moved down over
	// those emptied, [n, hi).
	lo := firstOfSlot(cells[:end], nw, slot)
	hi, n := lo, lo
	for ; hi < end && cells[hi].slot() == slot; hi++ {
		c := cells[hi]
		merged = update(&c) || merged
		if c.a != 0 {
			cells[n] = c
			n++
		}
	}
	if toVec {
		merged = readVec(vc, d.ovf.vec(vc), vi, cur, cv) || merged
	} else if !merged {
		d.shadow.Mark(base)
		switch {
		case w.a.Load() == 0:
			w.set(own)
		case n < hi:
			cells[n] = own
			n++
		default:
			cells = slices.Insert(d.ovf.room(ovf, cells), hi, own)
			n, hi, end = n+1, hi+1, end+1
		}
	}
	if n < hi {
		cells = append(cells[:n], cells[hi:]...)
		end -= hi - n
	}
	if !merged && !toVec && end > nw+1 && cells[nw].epoch().Before(cv) && cells[end-1].epoch().Before(cv) {
		// The reader happens after the first and the last reader: likely
		// after them all (it joined them, as after a WaitGroup's Wait).
		// Clear the reads that happen before it, as the other access
		// kinds do, so that a read-shared set does not outlive its
		// readers until the next write. A read that joined no one, the
		// usual one in read-shared mode, does not pay for the scan.
		n = nw
		for _, c := range cells[nw:end] {
			if update(&c); c.a != 0 {
				cells[n] = c
				n++
			}
		}
		end = n
		if vc.a != 0 {
			cells[n] = vc
			n++
		}
		clear(cells[n:])
		cells = cells[:n]
	}
	if k := end - nw; !merged && !toVec && k > 0 && k&(k-1) == 0 && (vc.a != 0 || k*int(unsafe.Sizeof(cell{})) >= vecMinCap*4 || !cur.uniform && (k >= groupMinReaders || k >= 2 && d.ovf.hasGroup(base))) {
		// Enough readers at the read's site for a read clock, or one
		// more for the word's, or for a column of the group block of
		// the word's neighbours (readclock.go): groupMinReaders to
		// make one, two to join it.
		reads, nvc := d.ovf.gatherVec(cells[nw:end], vc, own, w, base, !cur.uniform)
		if nvc != vc {
			m := nw + len(reads)
			cells[m] = nvc
			clear(cells[m+1:])
			d.settleVec(w, ovf, cells[:m+1], nw, own)
			return
		}
	}
	if ovf.setCells(cells); len(cells) == 0 {
		d.ovf.release(w, ovf)
	}
}

// settleVec sets the overflow cells of w (locked) after gatherVec made or
// grew their read clock, the last of cells, nw of them being writes, first:
// the cell in place joins the read clock if it is a read the read clock
// stands for, and then a single write among the cells (the one the
// readers all follow, typically) takes its place, so that a word read by
// many goroutines after one write is that write in place and the read
// clock alone, in the overflow block itself: one cache line fewer for each
// read. Otherwise the cells stay in a slice, moved to a smaller one if
// they fill a quarter of it or less.
func (d *detector) settleVec(w *entry, ovf *ovfBlock, cells []cell, nw int, own cell) {
	vc := cells[len(cells)-1]
	if c := w.get(); c.mask() == own.mask() && c.b == own.b {
		if i := vc.vecEntry(c.slot()); i >= 0 {
			v := vc.vec()
			v.set(i, max(v.get(i), c.epoch().Clock()))
			w.set(cell{})
		}
	}
	if w.a.Load() == 0 && nw == 1 {
		w.set(cells[0])
		copy(cells, cells[1:])
		cells[len(cells)-1] = cell{}
		cells = cells[:len(cells)-1]
		nw = 0
	}
	if len(cells) == 1 && unsafe.Pointer(unsafe.SliceData(cells)) != unsafe.Pointer(&ovf.x) {
		// In a slice: ovf's, or one that readShared moved ovf's own
		// cell into to add the read (room) before it grew the read
		// clock, which ovf does not point to yet.
		d.ovf.cells.Free(cells)
		ovf.x, ovf.y = vc.a, vc.b
		return
	}
	ovf.setCells(d.ovf.fit(cells))
	ovf.setWrites(nw)
}

// checkVec checks a write by cur against the readers of the read clock
// cells[i] of ovf: each that does not happen before it is reported, and
// leaves the read clock for a read cell of its own, marked reported, at
// the end of the cells (compact restores their order). The read clock is
// freed (its cell cleared) if no reader is left.
func (d *detector) checkVec(ovf *ovfBlock, i int, base uintptr, cur *curAccess, cv vclock.Clock) {
	c := ovf.cells()[i]
	v := d.ovf.vec(c)
	vecCellsOf(c, v, func(j int, r cell) {
		if r.epoch().Before(cv) {
			return
		}
		v.set(j, 0)
		r.b |= fReported
		ovf.setCells(append(d.ovf.room(ovf, ovf.cells()), r))
		d.race(r, base, cur)
	})
	if vecCount(v) == 0 {
		d.ovf.freeVec(c)
		ovf.cells()[i] = cell{}
	}
}

// A sitePair is the code locations of the two accesses of a race, in a
// canonical order, for suppressing reports of a race between the same two
// code locations (as ThreadSanitizer's suppress_equal_stacks).
type sitePair struct{ a, b site.Key }

// race reports the race of the current access with the earlier access
// recorded in c, in the word at base.
func (d *detector) race(c cell, base uintptr, cur *curAccess) {
	a := cur.a
	prev := d.sites.Key(c.site())
	e := c.epoch()
	gid := d.gs.Holders.Goroutine(e)
	// The current access's goroutine: a batch's accesses have no G
	// (AccessBatch.Fill leaves it), and the goroutine holds its epoch's
	// slot as it makes the access.
	nowG := int64(0)
	if a.G != nil {
		nowG = a.G.ID
	} else {
		nowG = d.gs.Holders.Goroutine(cur.e)
	}
	now := site.Key{PC: a.PC, Stack: a.Stack}
	key := sitePair{now, prev}
	if prev.PC < now.PC || prev.PC == now.PC && prev.Stack < now.Stack {
		key = sitePair{prev, now}
	}
	off, size := span(c.mask())
	d.repMu.Lock()
	defer d.repMu.Unlock()
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.reports = append(d.reports, race.Report{
		Kind: "DATA RACE",
		Accesses: []race.ReportAccess{
			{Write: cur.kind&fWrite != 0, Atomic: cur.kind&fAtomic != 0, Addr: a.Addr, Size: a.Size, G: nowG, Stack: a.Stack, PC: a.PC},
			{Previous: true, Write: c.b&fWrite != 0, Atomic: c.b&fAtomic != 0, Addr: base + off, Size: size, G: gid, Stack: prev.Stack, PC: prev.PC},
		},
	})
}

// span returns the bytes from the first to the last of mask.
func span(mask uint8) (off, size uintptr) {
	lo, hi := uintptr(bits.TrailingZeros8(mask)), uintptr(8-bits.LeadingZeros8(mask))
	return lo, hi - lo
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
	d.acquireAt(d.state(s.G), s.Addr)
}

// acquireAt joins the clock of addr, if it has one, into g's, unless g's
// clock is known to hold it.
func (d *detector) acquireAt(g *gstate, addr uintptr) {
	r := g.ref(addr)
	if v := r.v; v != nil && r.addr == addr && r.rel == v.rel.Load() && !v.dead.Load() {
		// Held without the page's lock: as if the acquire came before a
		// release into the clock that another goroutine is making, or
		// before the clock is dropped. A dropped clock is looked up:
		// the address may have a new one.
		return
	}
	p := d.lockPage(g, addr>>pageShift, false)
	if p == nil {
		return
	}
	if v := lookup(r, p, addr); v != nil {
		acquire(g, v, r)
	}
	p.mu.Unlock()
}

// lookup returns the clock of addr in p, locked, or nil: g's last one if
// it is addr's.
func lookup(r *syncRef, p *page, addr uintptr) *syncVar {
	if v := r.v; v != nil && r.addr == addr && !v.dead.Load() {
		// A clock not dropped is in the page of its address that is
		// not dead, which p is: its page dies only once it has none.
		return v
	}
	v := p.syncs[addr]
	if v != nil {
		*r = syncRef{addr: addr, v: v}
	}
	return v
}

// acquire joins v into g's clock (v's page locked), unless g's clock is
// known to hold it, and records in r, g's syncRef of v, that it does.
func acquire(g *gstate, v *syncVar, r *syncRef) {
	rel := v.rel.Load()
	if r.rel != rel && v.known != g.id {
		g.C.Join(v.vc)
		g.ver++
		v.known = g.id
	}
	r.rel = rel
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
	d.gs.AcquireAll(&g.Goroutine)
	g.ver++
}

// OnRelease implements race.SyncDetector: L_m = C_t; C_t[t]++.
func (d *detector) OnRelease(s race.Sync) { d.release(s, false) }

// OnReleaseMerge implements race.SyncDetector: L_m ⊔= C_t; C_t[t]++.
func (d *detector) OnReleaseMerge(s race.Sync) { d.release(s, true) }

func (d *detector) release(s race.Sync, merge bool) {
	if s.G == nil {
		return
	}
	d.releaseBy(d.state(s.G), s.Addr, merge)
}

// releaseBy is release for g's state: L_addr = C_g (or L_addr ⊔= C_g if
// merge); C_g[g]++.
func (d *detector) releaseBy(g *gstate, addr uintptr, merge bool) {
	p := d.lockPage(g, addr>>pageShift, true)
	d.releaseIn(p, g, addr, merge)
	p.mu.Unlock()
	d.tick(g)
}

// releaseIn is L_addr = C_g (or L_addr ⊔= C_g if merge), addr's page p
// locked, but for the tick of g that follows.
func (d *detector) releaseIn(p *page, g *gstate, addr uintptr, merge bool) {
	r := g.ref(addr)
	v := lookup(r, p, addr)
	if v == nil {
		if p.syncs == nil {
			p.syncs = make(map[uintptr]*syncVar)
		}
		v = new(syncVar)
		p.syncs[addr] = v
		*r = syncRef{addr: addr, v: v}
	}
	rel := v.rel.Load() + 1
	r.rel = rel // g's clock holds vc from here on, but after a merge
	switch {
	case v.owner == g.id && v.ownerVer == g.ver:
		// L_m = C_t but for t's own entry (so L_m ⊑ C_t, and a merge
		// is a copy too): store it.
		t := g.Slot()
		v.vc[t] = g.C[t]
		v.known = g.id
	case merge && v.known != g.id:
		if t := g.Slot(); r.mver == g.ver+1 && r.mgen == v.gen && int(t) < len(v.vc) {
			// L_m holds C_t but for t's own entry (syncRef).
			v.vc[t] = max(v.vc[t], g.C[t])
		} else {
			v.vc.Join(g.C)
		}
		r.mver, r.mgen = g.ver+1, v.gen
		v.known = 0
		v.owner = 0
		r.rel = 0
	default:
		// L_m = C_t, or L_m ⊔ C_t when L_m ⊑ C_t: the same.
		v.vc.Assign(g.C)
		v.gen++
		v.known = g.id
		v.owner, v.ownerVer = g.id, g.ver
	}
	v.rel.Store(rel)
}

// OnHandoff implements race.HandoffDetector: an unbuffered channel's
// hand-off between s.G and partner, parked on it, is s.G's release of
// s.Addr, partner's acquire and release, and s.G's acquire, made here
// under one lock of the address's page. The ticks that follow the
// releases come after the last acquire: s.G's own entry in the clock
// partner acquires, and in its own after the join, is the same either
// way (the join takes the larger).
func (d *detector) OnHandoff(s race.Sync, partner *race.Goroutine) {
	q := race.Sync{G: partner, Addr: s.Addr}
	if s.G == nil || partner == nil {
		d.OnRelease(s)
		d.OnAcquire(q)
		d.OnRelease(q)
		d.OnAcquire(s)
		return
	}
	g, h := d.state(s.G), d.state(partner)
	p := d.lockPage(g, s.Addr>>pageShift, true)
	d.releaseIn(p, g, s.Addr, false)
	r := h.ref(s.Addr)
	acquire(h, lookup(r, p, s.Addr), r)
	d.releaseIn(p, h, s.Addr, false)
	r = g.ref(s.Addr)
	acquire(g, lookup(r, p, s.Addr), r)
	p.mu.Unlock()
	d.tick(h)
	d.tick(g)
}

// OnMalloc implements race.MemoryDetector: newly allocated memory starts
// with no history. As in ThreadSanitizer, the shadow is reset here rather
// than when memory is freed: what is freed is either allocated again
// (reset then) or, past the heap's high-water mark, never used, and
// resetting twice costs twice.
func (d *detector) OnMalloc(addr, size uintptr) {
	d.shadow.Reset(addr, size, d.clipEntry, d.dropEntry)
	d.uniform.Reset(addr, size, d.dropEntry)
	d.pages.Drop(addr, size)
}

// OnFree implements race.MemoryDetector: freed memory's synchronisation
// clocks are dropped (its shadow is reset when it is allocated again).
func (d *detector) OnFree(addr, size uintptr) { d.pages.Drop(addr, size) }

// dropEntry frees the overflow block of w, whose shadow Reset is about to
// clear.
func (d *detector) dropEntry(w *entry) {
	if w.ovf() == 0 {
		return
	}
	w.lock()
	if w.isPair() {
		w.b.Store(lockBit) // Reset clears the rest
	} else if ovf := d.ovfOf(w); ovf != nil {
		d.ovf.release(w, ovf)
	}
	w.unlock()
}

// copyEntry gives the zero entry dst the cells of src, a uniform page's
// entry (Uniform.Expand): its cell in place and a copy of its overflow.
func (d *detector) copyEntry(dst, src *entry) {
	dst.lock()
	if src.isPair() {
		dst.b.Store(src.b.Load() | lockBit)
		dst.a.Store(src.a.Load())
		dst.unlock()
		return
	}
	dst.set(src.get())
	if sovf := d.ovfOf(src); sovf != nil {
		ovf := d.ovf.alloc(dst)
		if sovf.inline() {
			ovf.x, ovf.y = sovf.x, sovf.y
			if c := ovf.cells(); len(c) == 1 && c[0].isVec() {
				c[0] = d.ovf.copyVec(c[0])
			}
		} else {
			s := sovf.cells()
			ns := d.ovf.cells.Alloc(cap(s))
			if ns == nil {
				panic("fasttrack: the system refused memory for overflow cells")
			}
			ns = append(ns, s...)
			for i, c := range ns {
				if c.isVec() {
					ns[i] = d.ovf.copyVec(c)
				}
			}
			ovf.setCells(ns)
			ovf.setWrites(sovf.writes())
		}
	}
	dst.unlock()
}

// clipEntry drops the state of bytes [lo, hi) of the word whose shadow is w.
func (d *detector) clipEntry(w *entry, lo, hi uint8) {
	m := uint64(shadow.ByteMask(lo, hi))
	w.lock()
	if w.isPair() {
		// Clipped in place: what is left of the two cells is a pair
		// still, of the same sites, or one cell, or none.
		o, n := w.unpair(nil)
		cs := [2]cell{o, n}
		for i := range cs {
			if cs[i].a &^= m; cs[i].mask() == 0 {
				cs[i] = cell{}
			}
		}
		d.storeCells(w, nil, cs[:], uint32(w.b.Load()>>32))
		w.unlock()
		return
	}
	ovf := d.ovfOf(w)
	for i := 0; i < 1+ovfLen(ovf); i++ {
		c := d.cellAt(w, ovf, i)
		if c.a&m == 0 {
			continue
		}
		if c.a &^= m; c.mask() == 0 {
			if c.isVec() {
				d.ovf.freeVec(c)
			}
			c = cell{}
		}
		d.setCell(w, ovf, i, c)
	}
	d.compact(w, ovf)
	w.unlock()
}

// Drop implements pages.Page: it drops the synchronisation clocks of p in
// [lo, hi] (inclusive), and marks p dead if it is left empty, for the
// goroutines that hold it in their cache. It runs inside the allocator, so
// it must not allocate.
func (p *page) Drop(start, lo, hi uintptr) bool {
	p.mu.Lock()
	for a, v := range p.syncs {
		if lo <= a && a <= hi {
			v.dead.Store(true)
			delete(p.syncs, a)
		}
	}
	if len(p.syncs) > 0 {
		p.mu.Unlock()
		return false
	}
	p.dead = true
	p.mu.Unlock()
	return true
}
