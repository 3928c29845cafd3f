// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import "runtime/race/toolkit/vclock"

// shb is schedulable happens-before (Mathur, Kini, Viswanathan,
// OOPSLA'18): happens-before over program order, lock and fixed edges,
// and an edge from each write to every read that reads from it. A read
// is so ordered after what it saw, and every race reported after the
// first is still a real one.
type shb struct {
	common[noExtra]
	gs    []*shbGoroutine // by tid
	locks map[uint64]*lockClocks
	// wgs are the WaitGroups' counters; reportWG reports a negative one
	// (Done i, e, and the Add it needs).
	wgs      waitGroups
	reportWG func(need wgAdd, i uint64, e *Event)
}

type shbGoroutine struct {
	t     *vclock.Thread
	snap  snapshot // of t.C, for the goroutine's writes
	check accessCheck[noExtra]
}

// lockClocks are a mutex's release clocks: of its last (write-mode)
// Unlock, and the join of its read-mode RUnlocks.
type lockClocks struct {
	excl, shared vclock.Clock
}

func newSHB(report func(prev, cur *access[noExtra], word uint64)) *shb {
	return &shb{common: newCommon(report), gs: []*shbGoroutine{nil}, locks: make(map[uint64]*lockClocks)}
}

func (a *shb) name() string { return "shb" }

func (a *shb) reset(addr, size uint64) {
	a.common.reset(addr, size)
	a.wgs.reset(addr, size)
}

func (g *shbGoroutine) joined()                     { g.snap.stale() }
func (g *shbGoroutine) ordered(e vclock.Epoch) bool { return e.Before(g.t.C) }

func (a *shb) lock(addr uint64) *lockClocks {
	return entry(a.locks, addr, func() *lockClocks { return new(lockClocks) })
}

func (a *shb) event(i uint64, e *Event) {
	if e.Op == Start {
		g := &shbGoroutine{}
		var parent *vclock.Thread
		if int(e.Parent) < len(a.gs) && a.gs[e.Parent] != nil {
			parent = a.gs[e.Parent].t
		}
		g.t = a.start(parent)
		g.check = accessCheck[noExtra]{
			ordered: g.ordered,
			report:  a.report,
			readsFrom: func(lw *lastWrite[noExtra]) {
				lw.order(&g.t.C)
				g.joined()
			},
		}
		a.gs = growTo(a.gs, int(e.G))
		a.gs[e.G] = g
		return
	}
	g := a.gs[e.G]
	switch e.Op {
	case End:
		a.slots.Detach(g.t)
	case Read, Write:
		g.check.writer = nil
		if e.Op == Write {
			g.check.writer = g.snap.of(g.t.C)
		}
		a.mem.access(e, newAccess(e, g.t.Epoch(), i, noExtra{}), &g.check)
		if e.Op == Write {
			// Later events of the goroutine are not ordered before
			// the write's readers.
			a.slots.Tick(g.t)
		}
	case Lock:
		l := a.lock(e.Addr)
		g.t.C.Join(l.excl)
		if !e.Shared {
			g.t.C.Join(l.shared)
		}
		g.joined()
	case Unlock:
		l := a.lock(e.Addr)
		if e.Shared {
			l.shared.Join(g.t.C)
		} else {
			l.excl.Assign(g.t.C)
		}
		a.slots.Tick(g.t)
	case Acquire, Release, ReleaseMerge:
		if c := a.fixed(e, g.t); c != nil {
			g.t.C.Join(c)
			g.joined()
		}
	case AcquireAll:
		a.slots.AcquireAll(g.t)
		g.joined()
	case WaitGroupAdd:
		if need, ok := a.wgs.add(i, e, g.t); ok && a.reportWG != nil {
			a.reportWG(need, i, e)
		}
	}
}

// growTo extends s to index i.
func growTo[T any](s []T, i int) []T {
	for len(s) <= i {
		var zero T
		s = append(s, zero)
	}
	return s
}
