// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import "runtime/race/toolkit/vclock"

// wcp is weak causal precedence (Kini, Mathur, Viswanathan, PLDI'17), by
// the paper's vector-clock algorithm: each goroutine keeps its
// happens-before clock H and the clock P of its WCP predecessors, and
// compares accesses against C = P with its own entry from H. Lock edges
// order only through rules (a) and (b) and composition with
// happens-before; fixed edges and goroutine starts order like
// happens-before.
type wcp struct {
	common[noExtra]
	gs    []*wcpGoroutine // by tid
	locks map[uint64]*wcpLock
}

type wcpGoroutine struct {
	tid   uint32
	h     *vclock.Thread
	p     vclock.Clock
	snap  snapshot // of h.C, for the goroutine's writes
	check accessCheck[noExtra]
	held  []*criticalSection
}

// A criticalSection is an open critical section: the words it read and
// wrote, for rule (a).
type criticalSection struct {
	lock   *wcpLock
	shared bool
	reads  map[uint64]bool
	writes map[uint64]bool
	entry  *wcpEntry // in lock.log; nil for read mode
}

// A wcpLock is a mutex's WCP state.
type wcpLock struct {
	// h and p are the H and P clocks of the last write-mode release and
	// the joins of the read-mode ones.
	h, hShared, p, pShared vclock.Clock
	// Rule (a): per word, the join of the H clocks of the releases whose
	// critical sections read (r) or wrote (w) it, write mode and read
	// mode apart.
	r, w, rShared, wShared map[uint64]*vclock.Clock
	// Rule (b): the write-mode critical sections in order, and per
	// goroutine the first one it has not yet compared its releases with.
	log    []*wcpEntry
	cursor map[uint32]int
}

type wcpEntry struct {
	tid uint32
	acq vclock.Clock  // C at the acquire
	rel *vclock.Clock // H at the release; nil while open
}

func newWCP(report func(prev, cur *access[noExtra], word uint64)) *wcp {
	return &wcp{common: newCommon(report), gs: []*wcpGoroutine{nil}, locks: make(map[uint64]*wcpLock)}
}

func (a *wcp) name() string { return "wcp" }

// ordered reports whether epoch e is WCP-before g's current event: e ⪯ C.
func (g *wcpGoroutine) ordered(e vclock.Epoch) bool {
	if e.Slot() == g.h.Slot() {
		return e.Clock() <= g.h.C[e.Slot()]
	}
	return e.Clock() <= g.p.Get(e.Slot())
}

// c returns a copy of C = P with g's own entry from H.
func (g *wcpGoroutine) c() vclock.Clock {
	c := append(vclock.Clock(nil), g.p...)
	s := g.h.Slot()
	c.Grow(int(s) + 1)
	c[s] = g.h.C[s]
	return c
}

// leqC reports whether v ⊑ C.
func (g *wcpGoroutine) leqC(v vclock.Clock) bool {
	for i, x := range v {
		if x > 0 && !g.ordered(vclock.MakeEpoch(uint32(i), x)) {
			return false
		}
	}
	return true
}

func (a *wcp) lock(addr uint64) *wcpLock {
	return entry(a.locks, addr, func() *wcpLock {
		return &wcpLock{
			r: make(map[uint64]*vclock.Clock), w: make(map[uint64]*vclock.Clock),
			rShared: make(map[uint64]*vclock.Clock), wShared: make(map[uint64]*vclock.Clock),
			cursor: make(map[uint32]int),
		}
	})
}

func (a *wcp) event(i uint64, e *Event) {
	if e.Op == Start {
		g := &wcpGoroutine{tid: e.G}
		var parent *vclock.Thread
		if int(e.Parent) < len(a.gs) && a.gs[e.Parent] != nil {
			parent = a.gs[e.Parent].h
			// The go statement is a fixed edge: WCP too.
			g.p = append(vclock.Clock(nil), parent.C...)
		}
		g.h = a.start(parent)
		g.check = accessCheck[noExtra]{
			ordered: g.ordered,
			report:  a.report,
			// Not in the paper: the reads-from edge, which every
			// reordering keeps (see doc.go).
			readsFrom: func(lw *lastWrite[noExtra]) {
				lw.order(&g.h.C, &g.p)
				g.snap.stale()
			},
		}
		a.gs = growTo(a.gs, int(e.G))
		a.gs[e.G] = g
		return
	}
	g := a.gs[e.G]
	switch e.Op {
	case End:
		a.slots.Detach(g.h)
	case Read, Write:
		a.access(i, e, g)
	case Lock:
		a.acquireLock(g, e)
	case Unlock:
		a.releaseLock(g, e)
	case Acquire, Release, ReleaseMerge:
		if c := a.fixed(e, g.h); c != nil {
			g.h.C.Join(c)
			g.p.Join(c)
			g.snap.stale()
		}
	case AcquireAll:
		a.slots.AcquireAll(g.h)
		g.p.Join(g.h.C)
		g.snap.stale()
	}
}

func (a *wcp) access(i uint64, e *Event, g *wcpGoroutine) {
	write := e.Op == Write
	if len(g.held) > 0 {
		a.ruleA(e, g)
	}
	g.check.writer = nil
	if write {
		g.check.writer = g.snap.of(g.h.C)
	}
	a.mem.access(e, newAccess(e, g.h.Epoch(), i, noExtra{}), &g.check)
	if write {
		a.slots.Tick(g.h)
	}
}

// ruleA orders g after the earlier critical sections on the locks it
// holds that made an access conflicting with e (rule (a)), and records
// e's words in its critical sections.
func (a *wcp) ruleA(e *Event, g *wcpGoroutine) {
	write := e.Op == Write
	first, last := e.words()
	for w := first; ; w += wordSize {
		for _, cs := range g.held {
			l := cs.lock
			g.p.Join(clockOf(l.w[w]))
			if write {
				g.p.Join(clockOf(l.r[w]))
			}
			if !cs.shared {
				g.p.Join(clockOf(l.wShared[w]))
				if write {
					g.p.Join(clockOf(l.rShared[w]))
				}
			}
			if write {
				cs.writes[w] = true
			} else {
				cs.reads[w] = true
			}
		}
		if w == last {
			break
		}
	}
}

func clockOf(c *vclock.Clock) vclock.Clock {
	if c == nil {
		return nil
	}
	return *c
}

func (a *wcp) acquireLock(g *wcpGoroutine, e *Event) {
	l := a.lock(e.Addr)
	g.snap.stale()
	g.h.C.Join(l.h)
	g.p.Join(l.p)
	if !e.Shared {
		g.h.C.Join(l.hShared)
		g.p.Join(l.pShared)
	}
	cs := &criticalSection{lock: l, shared: e.Shared, reads: make(map[uint64]bool), writes: make(map[uint64]bool)}
	if !e.Shared {
		cs.entry = &wcpEntry{tid: g.tid, acq: g.c()}
		l.log = append(l.log, cs.entry)
	}
	g.held = append(g.held, cs)
}

func (a *wcp) releaseLock(g *wcpGoroutine, e *Event) {
	l := a.lock(e.Addr)
	// The critical section: the unlocking goroutine's, or another's
	// (Go lets any goroutine unlock a locked Mutex).
	owner, k := g, findHeld(g.held, l, e.Shared)
	for _, o := range a.gs {
		if k >= 0 {
			break
		}
		if o != nil && o != g {
			owner, k = o, findHeld(o.held, l, e.Shared)
		}
	}
	if k < 0 {
		// Locked before the trace began: nothing to order.
		a.slots.Tick(g.h)
		return
	}
	cs := owner.held[k]
	owner.held = append(owner.held[:k], owner.held[k+1:]...)
	if !e.Shared {
		// Rule (b): an earlier critical section whose acquire is
		// WCP-before this release has its release WCP-before it too.
		n := l.cursor[g.tid]
		for ; n < len(l.log); n++ {
			en := l.log[n]
			if en == cs.entry || en.tid == g.tid {
				continue
			}
			if en.rel == nil || !g.leqC(en.acq) {
				break
			}
			g.p.Join(*en.rel)
		}
		l.cursor[g.tid] = n
	}
	rel := append(vclock.Clock(nil), g.h.C...)
	r, w := l.r, l.w
	p := &l.p
	if e.Shared {
		l.hShared.Join(g.h.C)
		l.pShared.Join(g.p)
		r, w, p = l.rShared, l.wShared, &l.pShared
	} else {
		l.h.Assign(g.h.C)
		l.p.Assign(g.p)
		cs.entry.rel = &rel
	}
	if owner != g {
		// Unlocked by another goroutine than the one that locked it
		// (a mutex as a semaphore): WCP's rules assume one goroutine
		// per critical section, so the hand-off is a fixed edge.
		p.Join(g.h.C)
	}
	for word := range cs.reads {
		r[word] = joinInto(r[word], rel)
	}
	for word := range cs.writes {
		w[word] = joinInto(w[word], rel)
	}
	a.slots.Tick(g.h)
}

// joinInto returns old ⊔ c, reusing c when old is ⊑ c (a later release
// of the lock usually is).
func joinInto(old *vclock.Clock, c vclock.Clock) *vclock.Clock {
	if old == nil || old.Leq(c) {
		return &c
	}
	j := append(vclock.Clock(nil), *old...)
	j.Join(c)
	return &j
}

func findHeld(held []*criticalSection, l *wcpLock, shared bool) int {
	for k := len(held) - 1; k >= 0; k-- {
		if held[k].lock == l && held[k].shared == shared {
			return k
		}
	}
	return -1
}
