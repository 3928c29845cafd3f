// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"slices"
	"sort"

	"runtime/race/toolkit/vclock"
)

// syncp finds sync-preserving races (Mathur, Pavlogiannis, Viswanathan,
// POPL'21): two conflicting accesses e1, e2 race when some valid
// reordering in which the critical sections of each mutex keep their
// observed order runs both next. That holds exactly when neither is in
// the sync-preserving closure of the events before them in their
// goroutines: the smallest set that holds them and is closed under
// program order, goroutine starts, fixed edges (an acquire needs every
// release it took in), reads-from (a read needs the write it read), and
// the lock rule (if two conflicting critical sections of a mutex have
// their Locks in the set, the earlier one's Unlock is in it too). Such a
// closed set, run in trace order, is the witness.
//
// A closed set (an ideal) is a vector clock over the goroutines' slots,
// event e being in it when e's epoch is at most the clock's entry, and
// the list of its open critical sections (Lock in, Unlock out; at most
// one per mutex but read-mode ones). Each goroutine keeps the ideal of
// its events so far, grown incrementally; each access records its
// goroutine's ideal (shared while it does not change), and a pair that
// the later access's ideal does not already order is decided by joining
// both ideals and closing the join under the lock rule: the earlier of
// two conflicting Locks in the ideal has its Unlock's ideal joined.
type syncp struct {
	common[*spView]
	gs    []*spGoroutine // by tid
	locks map[uint64]*spLock
	edges map[uint64]*spIdeal // fixed-edge addresses: the join of their releases
	// live lists the goroutines that have not ended, for AcquireAll.
	live map[uint32]*spGoroutine
}

// An spView is an ideal as stored: a clock shared by the accesses of a
// goroutine until its ideal grows (its own entry is not used: the
// epoch of the event it is stored for gives it) and its open critical
// sections, never modified.
type spView struct {
	c    *vclock.Clock
	open []*spSection
}

// An spIdeal is an ideal being built.
type spIdeal struct {
	c    vclock.Clock
	open []*spSection
}

// An spSection is a critical section.
type spSection struct {
	lock   *spLock
	shared bool
	index  uint64 // the Lock's model event number: the trace's order
	owner  uint32 // tid of the locking goroutine
	// rel is the Unlock's epoch (0 while open) and relView the ideal of
	// the Unlock (its own entry is rel's).
	rel     vclock.Epoch
	relView *spView
}

// An spLock is a mutex: its Locks per slot in trace order, to find the
// latest of an ideal, and the sections held now.
type spLock struct {
	acquires map[uint32][]spAcquire
	held     []*spSection
}

// An spAcquire is a Lock in a slot: its clock there, its event number,
// and the number of the latest write-mode Lock of the slot up to it
// (none if none).
type spAcquire struct {
	clock     uint32
	index     uint64
	lastExcl  uint64
	exclusive bool
}

type spGoroutine struct {
	tid   uint32
	t     *vclock.Thread
	open  []*spSection // of the goroutine's ideal; replaced, not modified
	view  *spView      // of the current ideal, nil when stale
	check accessCheck[*spView]
}

func newSyncP(report func(prev, cur *access[*spView], word uint64)) *syncp {
	return &syncp{
		common: newCommon(report),
		gs:     []*spGoroutine{nil},
		locks:  make(map[uint64]*spLock),
		edges:  make(map[uint64]*spIdeal),
		live:   make(map[uint32]*spGoroutine),
	}
}

func (a *syncp) name() string       { return "syncp" }
func (a *syncp) forget(addr uint64) { delete(a.edges, addr) }

func (a *syncp) lock(addr uint64) *spLock {
	return entry(a.locks, addr, func() *spLock { return &spLock{acquires: make(map[uint32][]spAcquire)} })
}

// viewOf returns g's ideal as a view, shared until it changes.
func (g *spGoroutine) viewOf() *spView {
	if g.view == nil {
		c := append(vclock.Clock(nil), g.t.C...)
		g.view = &spView{c: &c, open: g.open}
	}
	return g.view
}

func (a *syncp) event(i uint64, e *Event) {
	if e.Op == Start {
		g := &spGoroutine{tid: e.G}
		var parent *spGoroutine
		if int(e.Parent) < len(a.gs) {
			parent = a.gs[e.Parent]
		}
		if parent != nil {
			g.t = a.start(parent.t)
			g.open = parent.open
			parent.view = nil // its own entry moved on
		} else {
			g.t = a.start(nil)
		}
		g.check = accessCheck[*spView]{
			ordered: func(ep vclock.Epoch) bool { return ep.Before(g.t.C) },
			report:  a.race,
			keep:    keepEarlier,
			readsFrom: func(lw *lastWrite[*spView]) {
				if lw.x == nil {
					return
				}
				a.join(g, lw.x, lw.epoch)
			},
		}
		a.gs = growTo(a.gs, int(e.G))
		a.gs[e.G] = g
		a.live[e.G] = g
		return
	}
	g := a.gs[e.G]
	switch e.Op {
	case End:
		a.slots.Detach(g.t)
		delete(a.live, e.G)
	case Read, Write:
		cur := newAccess(e, g.t.Epoch(), i, g.viewOf())
		g.check.writer = cur.x.c
		a.mem.access(e, cur, &g.check)
		if e.Op == Write {
			a.slots.Tick(g.t)
		}
	case Lock:
		a.acquireLock(g, e, i)
	case Unlock:
		a.releaseLock(g, e)
	case Release, ReleaseMerge:
		// Every release on the address: the checker has an acquire
		// take in all the releases before it, so the closure does.
		ed := entry(a.edges, e.Addr, func() *spIdeal { return new(spIdeal) })
		ed.add(g.viewOf(), g.t.Epoch())
		a.close(ed)
		a.slots.Tick(g.t)
	case Acquire:
		if ed := a.edges[e.Addr]; ed != nil {
			c := ed.c
			a.join(g, &spView{c: &c, open: ed.open}, 0)
		}
	case AcquireAll:
		// Every earlier event: every goroutine's ideal, and their
		// later events in new epochs.
		id := a.ideal(g)
		for _, o := range a.live {
			if o != g {
				id.add(o.viewOf(), o.t.Epoch())
				a.slots.Tick(o.t)
				o.view = nil
			}
		}
		a.setIdeal(g, id)
	}
}

// ideal returns a copy of g's ideal.
func (a *syncp) ideal(g *spGoroutine) *spIdeal {
	return &spIdeal{c: append(vclock.Clock(nil), g.t.C...), open: g.open}
}

// setIdeal closes id and makes it g's.
func (a *syncp) setIdeal(g *spGoroutine, id *spIdeal) {
	a.close(id)
	g.t.C.Assign(id.c)
	g.open = id.open
	g.view = nil
}

// join adds the ideal v (own entry from self, unless 0) to g's and
// closes it.
func (a *syncp) join(g *spGoroutine, v *spView, self vclock.Epoch) {
	if g.holds(v, self) {
		return
	}
	id := a.ideal(g)
	id.add(v, self)
	a.setIdeal(g, id)
}

// holds reports whether g's ideal holds v already.
func (g *spGoroutine) holds(v *spView, self vclock.Epoch) bool {
	c := g.t.C
	for k, x := range *v.c {
		if x > c.Get(uint32(k)) && (self == 0 || uint32(k) != self.Slot()) {
			return false
		}
	}
	if self != 0 && !self.Before(c) {
		return false
	}
	for _, s := range v.open {
		if !slices.Contains(g.open, s) && (s.rel == 0 || !s.rel.Before(c)) {
			return false
		}
	}
	return true
}

// add joins v into id, v's own entry being self's (none if 0).
func (id *spIdeal) add(v *spView, self vclock.Epoch) {
	if self == 0 {
		id.c.Join(*v.c)
	} else {
		id.joinExcept(*v.c, self.Slot())
		id.raise(self.Slot(), self.Clock())
	}
	id.addOpen(v.open)
}

func (id *spIdeal) joinExcept(c vclock.Clock, slot uint32) {
	id.c.Grow(len(c))
	for k, x := range c {
		if uint32(k) != slot && x > id.c[k] {
			id.c[k] = x
		}
	}
}

func (id *spIdeal) raise(slot, clock uint32) {
	id.c.Grow(int(slot) + 1)
	id.c[slot] = max(id.c[slot], clock)
}

// addOpen adds sections to the open ones, copying the list first.
func (id *spIdeal) addOpen(list []*spSection) {
	var fresh []*spSection
	for _, s := range list {
		if !slices.Contains(id.open, s) && !slices.Contains(fresh, s) {
			fresh = append(fresh, s)
		}
	}
	if len(fresh) > 0 {
		id.open = append(slices.Clip(id.open), fresh...)
	}
}

// close closes id under the lock rule: an open section whose Unlock the
// ideal holds, or that a later conflicting Lock in the ideal follows,
// is closed, with its Unlock's ideal joined.
func (a *syncp) close(id *spIdeal) {
	var closed []*spSection // in this call: their Unlocks' ideals are in
	for changed := true; changed; {
		changed = false
		for k := 0; k < len(id.open); k++ {
			s := id.open[k]
			if s.rel == 0 {
				continue // held now: nothing later can need its Unlock
			}
			again := slices.Contains(closed, s)
			if !again && !s.rel.Before(id.c) && !a.followed(s, id) {
				continue
			}
			id.open = slices.Delete(slices.Clone(id.open), k, k+1)
			if !again {
				// Another section's Unlock ideal may list s open
				// again: it is dropped then.
				closed = append(closed, s)
				id.add(s.relView, s.rel)
			}
			changed = true
			break
		}
	}
}

// followed reports whether id holds a Lock of s's mutex after s's that
// conflicts with it.
func (a *syncp) followed(s *spSection, id *spIdeal) bool {
	for _, o := range id.open {
		if o != s && o.lock == s.lock && o.index > s.index && !(s.shared && o.shared) {
			return true
		}
	}
	for slot, list := range s.lock.acquires {
		c := id.c.Get(slot)
		// The slot's last Lock in the ideal.
		n := sort.Search(len(list), func(k int) bool { return list[k].clock > c })
		if n == 0 {
			continue
		}
		last := &list[n-1]
		if s.shared {
			if last.lastExcl != none && last.lastExcl > s.index {
				return true
			}
		} else if last.index > s.index {
			return true
		}
	}
	return false
}

func (a *syncp) acquireLock(g *spGoroutine, e *Event, i uint64) {
	l := a.lock(e.Addr)
	s := &spSection{lock: l, shared: e.Shared, index: i, owner: g.tid}
	slot := g.t.Slot()
	list := l.acquires[slot]
	lastExcl := none
	if len(list) > 0 {
		lastExcl = list[len(list)-1].lastExcl
	}
	if !e.Shared {
		lastExcl = i
	}
	l.acquires[slot] = append(list, spAcquire{clock: g.t.C[slot], index: i, lastExcl: lastExcl, exclusive: !e.Shared})
	l.held = append(l.held, s)
	id := a.ideal(g)
	id.open = append(slices.Clip(id.open), s)
	a.setIdeal(g, id)
}

func (a *syncp) releaseLock(g *spGoroutine, e *Event) {
	l := a.lock(e.Addr)
	// The goroutine's own section, else the oldest (Go lets another
	// goroutine unlock a locked Mutex): as the witness's index pairs
	// them.
	k := -1
	for j := len(l.held) - 1; j >= 0; j-- {
		if l.held[j].shared == e.Shared && l.held[j].owner == g.tid {
			k = j
			break
		}
	}
	if k < 0 {
		k = slices.IndexFunc(l.held, func(s *spSection) bool { return s.shared == e.Shared })
	}
	if k < 0 {
		// Locked before the trace began: nothing to order.
		a.slots.Tick(g.t)
		g.view = nil
		return
	}
	s := l.held[k]
	l.held = slices.Delete(l.held, k, k+1)
	id := a.ideal(g)
	if s.owner != g.tid {
		// The Unlock needs its Lock: the owner's ideal now, a
		// superset.
		if o := a.gs[s.owner]; o != nil && o.t.Holds() {
			id.add(o.viewOf(), o.t.Epoch())
			a.slots.Tick(o.t)
		}
	}
	if j := slices.Index(id.open, s); j >= 0 {
		id.open = slices.Delete(slices.Clone(id.open), j, j+1)
	}
	a.setIdeal(g, id)
	s.rel = g.t.Epoch()
	s.relView = g.viewOf()
	a.slots.Tick(g.t)
}

// keepEarlier keeps an access of cur's goroutine that holds a mutex
// less than cur: a later Lock of that mutex in another access's closure
// closes cur's section, cur in it, where prev can still race.
func keepEarlier(prev, cur *access[*spView]) bool {
	if prev.g != cur.g {
		return false
	}
	for _, s := range cur.x.open {
		if s.owner == cur.g && s.rel == 0 && !slices.ContainsFunc(prev.x.open, func(p *spSection) bool { return p.owner == prev.g && p.lock == s.lock }) {
			return true
		}
	}
	return false
}

// race decides whether prev and cur, conflicting and not ordered by
// cur's goroutine's ideal, race: whether the closure of both
// goroutines' ideals before them leaves both out.
func (a *syncp) race(prev, cur *access[*spView], word uint64) {
	p1, p2 := prev.epoch, cur.epoch
	id := &spIdeal{c: append(vclock.Clock(nil), *prev.x.c...), open: prev.x.open}
	id.c.Grow(int(p1.Slot()) + 1)
	id.c[p1.Slot()] = p1.Clock() - 1
	id.joinExcept(*cur.x.c, p2.Slot())
	id.raise(p2.Slot(), p2.Clock()-1)
	id.addOpen(cur.x.open)
	a.close(id)
	if p1.Before(id.c) || p2.Before(id.c) {
		return
	}
	a.report(prev, cur, word)
}
