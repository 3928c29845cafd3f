// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"errors"
	"fmt"
	"slices"
)

// A BlockKind is a kind of predicted blocking bug.
type BlockKind uint8

const (
	// LostSignal is a sync.Cond's Wait that a reordering runs after
	// every Signal and Broadcast that could wake it.
	LostSignal BlockKind = iota + 1
	// WaitGroupHang is a WaitGroup's Wait that a reordering runs after
	// an Add it ran before, with the Dones that would release it left
	// behind the Wait.
	WaitGroupHang
	// RecvHang is a receive on a channel (unbuffered or buffered) that
	// a reordering runs after another receiver took the value it took,
	// every send left on the channel coming only after the receive
	// returns (and, buffered, no value left in the buffer).
	RecvHang
	// SelectLeak is a send on an unbuffered channel left blocked for
	// good by a select that a reordering lets take another case (a
	// timer's, or a channel's closed before it) instead of the receive
	// that took the value in the run.
	SelectLeak
)

func (k BlockKind) String() string {
	switch k {
	case LostSignal:
		return "lost signal"
	case WaitGroupHang:
		return "waitgroup hang"
	case RecvHang:
		return "receive hang"
	case SelectLeak:
		return "select leak"
	}
	return "block?"
}

// A Block is a predicted blocking bug: a goroutine that a valid
// reordering of the trace leaves blocked for good, though it did not
// block for good in the run. Its witness, Schedule (model event numbers,
// checked with CheckBlock), is the reordering up to the hang: after it,
// the goroutine is in its Wait and no event of the trace left out can
// wake it (each depends on the Wait returning).
type Block struct {
	Kind BlockKind
	// Wait is the model event number of the Wait's record (CondWait or
	// WaitGroupWait; ChanRecv for RecvHang; for SelectLeak the ChanSend
	// of the send left blocked), whose goroutine the witness leaves in
	// the Wait (at the receive, at the send).
	Wait uint64
	// Cause is, for LostSignal, the Signals and Broadcasts the witness
	// runs before the Wait; for WaitGroupHang, the Add it runs before it;
	// for RecvHang, the ChanRecv record of the receive that takes the
	// value instead; for SelectLeak, the select's ChanSelect record, the
	// ChanSelectCase record of the case it takes instead, and, unless
	// that is a timer's, the ChanClose that made it ready.
	Cause    []uint64
	Schedule []uint64
}

// maxBlockTries bounds the Waits tried per call site (stack) and kind:
// each try costs time linear in the trace.
const maxBlockTries = 2

// Blocks returns the blocking bugs predicted on the events so far (the
// block algorithm; nil without it): each with a witness that passed
// CheckBlock. It is meant to run once the whole trace is in: a Signal
// or Done after the trace's end is not known.
func (p *Predictor) Blocks() []Block {
	if !p.block {
		return nil
	}
	if p.blocks != nil && p.blocksAt == p.count {
		return p.blocks
	}
	if !slices.ContainsFunc(p.events, func(e Event) bool {
		return e.Op == CondWait || e.Op == WaitGroupWait || e.Op == ChanRecv || e.Op == ChanSelect
	}) {
		p.blocks, p.blocksAt = []Block{}, p.count
		return p.blocks // no Wait or receive returned: no index to build
	}
	p.indexEvents()
	x := p.index
	p.blocks, p.blocksAt = []Block{}, p.count
	type site struct {
		op    Op
		stack uint32
		pc    uint64
	}
	tries := make(map[site]int)
	found := make(map[site]bool)
	for i := range x.events {
		e := &x.events[i]
		switch e.Op {
		case CondWait, WaitGroupWait, ChanSelect:
		case ChanRecv:
			if m := x.chanModel(uint64(i)); m == nil || m.selects || m.cut {
				continue
			}
		default:
			continue
		}
		st := site{e.Op, e.Stack, e.PC}
		if found[st] || tries[st] >= maxBlockTries {
			continue
		}
		tries[st]++
		var b *Block
		switch e.Op {
		case CondWait:
			b = x.lostSignal(uint64(i))
		case WaitGroupWait:
			b = x.waitGroupHang(uint64(i))
		case ChanSelect:
			b = x.selectLeak(uint64(i))
		default:
			b = x.recvHang(uint64(i))
		}
		if b == nil {
			continue
		}
		if err := x.checkBlock(b); err != nil {
			continue // a heuristic's miss, never reported
		}
		found[st] = true
		p.blocks = append(p.blocks, *b)
	}
	return p.blocks
}

// condWaitShape returns, for the CondWait record k, the events of its
// goroutine before it: the Lock that re-took the Cond's lock (l), the
// Unlock with which the Wait let it go (u), and the event before that
// (pre), after which the Wait put itself on the Cond's list. Between
// the Unlock and the Lock come only the mutex's own atomics.
func (x *traceIndex) condWaitShape(k uint64) (l, u, pre uint64, err error) {
	e := &x.events[k]
	evs, pk := x.perG[e.G], int(x.pos[k])
	bad := errors.New("a Cond's Wait without its Unlock and Lock")
	// Between them, only the mutex's own atomics on its state word.
	back := func(p int, op Op, addr uint64) int {
		for p--; p >= 0; p-- {
			ev := &x.events[evs[p]]
			if ev.Op == op && (addr == none || ev.Addr == addr) {
				return p
			}
			if !ev.Atomic || addr != none && ev.Addr&^(wordSize-1) != addr&^(wordSize-1) {
				return -1
			}
		}
		return -1
	}
	pl := back(pk, Lock, none)
	if pl < 0 {
		return 0, 0, 0, bad
	}
	el := &x.events[evs[pl]]
	pu := back(pl, Unlock, el.Addr)
	if pu < 1 || x.events[evs[pu]].Shared != el.Shared {
		return 0, 0, 0, bad
	}
	return evs[pl], evs[pu], evs[pu-1], nil
}

// waitGroupAcquire returns the acquire of the WaitGroupWait record k.
func (x *traceIndex) waitGroupAcquire(k uint64) (uint64, error) {
	e := &x.events[k]
	evs, pk := x.perG[e.G], int(x.pos[k])
	if pk < 1 {
		return 0, errors.New("a WaitGroup's Wait without its acquire")
	}
	a := evs[pk-1]
	if ea := &x.events[a]; ea.Op != Acquire || ea.Addr != e.Addr {
		return 0, errors.New("a WaitGroup's Wait without its acquire")
	}
	return a, nil
}

// after returns, per event number, whether the event depends on event
// i (the edges of the channel x.free left out): i itself, and what follows it in its goroutine, the goroutines it
// starts, the acquires that take in a release that depends on it, the
// reads of a write that does, and an acquire-all after any of them. In
// every valid reordering these run after i. Only events up to until are
// looked at (the rest stay false).
func (x *traceIndex) after(i, until uint64) []bool {
	dep := make([]bool, len(x.events))
	dep[i] = true
	gDep := make([]bool, len(x.perG))
	gDep[x.events[i].G] = true
	relDep := make(map[uint64]bool) // per address: a release depends on i
	some := false
	for j := i; j < uint64(len(x.events)) && j <= until; j++ {
		e := &x.events[j]
		d := gDep[e.G]
		if !d {
			switch e.Op {
			case Start:
				if fp, ok := x.forkPoint[j]; ok && fp > 0 {
					d = dep[x.perG[e.Parent][fp-1]]
				}
			case Acquire:
				if _, free := x.freeOp(j); !free {
					d = relDep[e.Addr]
				}
			case AcquireAll:
				d = some
			case Read:
				for _, rf := range x.readsFrom[j] {
					if rf.write != none && dep[rf.write] {
						d = true
						break
					}
				}
			}
		}
		if !d {
			continue
		}
		dep[j], gDep[e.G], some = true, true, true
		if _, free := x.freeOp(j); !free && (e.Op == Release || e.Op == ReleaseMerge) {
			relDep[e.Addr] = true
		}
	}
	return dep
}

// depends raises need (per goroutine, how many of its first events are
// in the set) until the set holds what its events depend on (program
// order, starts, acquires' releases, acquire-alls, reads' writes; not
// the lock rule).
func (x *traceIndex) depends(need []int) {
	c := x.newClosure(need)
	nop := func(uint64, *Event) {}
	for c.step(nop, nop) {
	}
}

// through returns a need vector holding event i and the next events of
// its goroutine, n in all (fewer at its end).
func (x *traceIndex) through(need []int, i uint64, n int) {
	g := x.events[i].G
	need[g] = max(need[g], min(int(x.pos[i])+n, len(x.perG[g])))
}

// limits returns the per-goroutine limits for close: every event, but
// only the first n of goroutine g.
func (x *traceIndex) limits(g uint32, n int) []int {
	limit := make([]int, len(x.perG))
	for h := range limit {
		limit[h] = len(x.perG[h])
	}
	limit[g] = n
	return limit
}

// lostSignal tries to predict that the Cond Wait whose record is k
// waits for good: a reordering that runs every Signal and Broadcast of
// the Cond that does not depend on the Wait returning before the Wait
// began, the waiter's reads still reading the writes they read.
func (x *traceIndex) lostSignal(k uint64) *Block {
	w := &x.events[k]
	l, u, pre, err := x.condWaitShape(k)
	if err != nil {
		return nil
	}
	// The last event looked at: a Signal's or the event after it.
	var last uint64
	for _, sg := range x.signals(w.Addr) {
		last = max(last, sg)
		if next, ok := x.next(sg); ok {
			last = max(last, next)
		}
	}
	afterL, afterPre := x.after(l, last), x.after(pre, last)
	first := make([]int, len(x.perG))
	var moved []uint64
	for _, s := range x.signals(w.Addr) {
		if afterL[s] {
			continue // only after the waiter woke
		}
		next, ok := x.next(s)
		if !ok || afterPre[s] || afterPre[next] {
			return nil // not before the Wait began
		}
		x.through(first, s, 2)
		moved = append(moved, s)
	}
	if len(moved) == 0 {
		return nil
	}
	x.depends(first)
	need := append([]int(nil), first...)
	x.through(need, u, 1)
	x.close(need, x.limits(w.G, int(x.pos[u])+1))
	if need[w.G] != int(x.pos[u])+1 || first[w.G] > int(x.pos[pre]) {
		return nil
	}
	sched, err := x.schedule(need, first)
	if err != nil {
		return nil
	}
	return &Block{Kind: LostSignal, Wait: k, Cause: moved, Schedule: sched}
}

// waitGroupHang tries to predict that the WaitGroup Wait whose record
// is k waits for good: a reordering that runs, before the Wait, an Add
// of another goroutine that came after it in the trace, and every Done
// that does not depend on the Wait returning, leaving the counter above
// zero.
func (x *traceIndex) waitGroupHang(k uint64) *Block {
	w := &x.events[k]
	a, err := x.waitGroupAcquire(k)
	if err != nil {
		return nil
	}
	adds := x.wgAdds[w.Addr]
	if len(adds) == 0 || adds[len(adds)-1] < a {
		return nil // no Add after the Wait
	}
	// The first later Add of another goroutine that does not depend on
	// the Wait: one is enough to leave the counter above zero.
	afterA := x.after(a, x.lastOf(adds))
	var add uint64 = none
	for _, i := range adds {
		if i > a && !afterA[i] && x.events[i].Delta() > 0 {
			add = i
			break
		}
	}
	if add == none {
		return nil
	}
	need := make([]int, len(x.perG))
	need[w.G] = int(x.pos[a])
	x.through(need, add, 2)
	for _, i := range x.wgAdds[w.Addr] {
		if x.events[i].Delta() < 0 && !afterA[i] {
			x.through(need, i, 2)
		}
	}
	x.depends(need)
	x.close(need, x.limits(w.G, int(x.pos[a])))
	if need[w.G] != int(x.pos[a]) || x.counterIn(w.Addr, need) <= 0 {
		return nil // before the costly schedule: the Wait would return
	}
	sched, err := x.schedule(need, nil)
	if err != nil {
		return nil
	}
	return &Block{Kind: WaitGroupHang, Wait: k, Cause: []uint64{add}, Schedule: sched}
}

// lastOf returns the last of the sorted event numbers list, 0 if none.
func (x *traceIndex) lastOf(list []uint64) uint64 {
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1]
}

// counterIn returns the counter of the WaitGroup at addr after the set
// need selects (per goroutine, its first need[g] events): its Adds, a
// positive one once the event after it is in the set too, as
// CheckBlock counts them.
func (x *traceIndex) counterIn(addr uint64, need []int) int64 {
	in := func(i uint64) bool { return int(x.pos[i]) < need[x.events[i].G] }
	counter := int64(0)
	for _, i := range x.wgAdds[addr] {
		d := x.events[i].Delta()
		if !in(i) {
			continue
		}
		if d < 0 {
			counter += d
		} else if next, ok := x.next(i); ok && in(next) {
			counter += d
		}
	}
	return counter
}

// signals returns the Signals and Broadcasts on the Cond at addr.
func (x *traceIndex) signals(addr uint64) []uint64 { return x.condSignals[addr] }

// next returns the event after i in its goroutine.
func (x *traceIndex) next(i uint64) (uint64, bool) {
	evs := x.perG[x.events[i].G]
	p := int(x.pos[i]) + 1
	if p >= len(evs) {
		return 0, false
	}
	return evs[p], true
}

// waitsWoken returns why a Wait that returns in the schedule (its
// CondWait or WaitGroupWait record in it) could not have returned there:
// a Cond's Wait needs a Signal (each wakes one Wait) or a Broadcast
// between the event before its Unlock and its CondWait record; a
// WaitGroup's Wait needs the counter at zero at its acquire (a positive
// Add counted from its record, a Done from the event after it, its
// edge), counted per WaitGroup (address and generation, as schedState's
// counter). The edges Check verifies do not say this.
func (x *traceIndex) waitsWoken(sched []uint64, order map[uint64]int) error {
	used := make(map[uint64]bool) // Signals that woke a Wait
	counter := make(map[wgKey]int64)
	pendingDone := make(map[uint64]uint64) // the event after a Done → the Done
	for k, i := range sched {
		e := &x.events[i]
		if d, ok := pendingDone[i]; ok {
			done := &x.events[d]
			counter[wgKey{done.Addr, done.Parent}] += done.Delta()
			delete(pendingDone, i)
		}
		switch e.Op {
		case WaitGroupAdd:
			if e.Delta() >= 0 {
				counter[wgKey{e.Addr, e.Parent}] += e.Delta()
			} else if next, ok := x.next(i); ok {
				pendingDone[next] = i
			}
		case WaitGroupWait:
			if n := counter[wgKey{e.Addr, e.Parent}]; n != 0 {
				return fmt.Errorf("block: Wait %d returns with the counter at %d", i, n)
			}
		case CondWait:
			_, _, pre, err := x.condWaitShape(i)
			if err != nil {
				return err
			}
			woken := false
			for _, sg := range x.signals(e.Addr) {
				o, ok := order[sg]
				if !ok || o <= order[pre] || o >= k || used[sg] {
					continue
				}
				if !x.events[sg].Shared {
					used[sg] = true
				}
				woken = true
				break
			}
			if !woken {
				return fmt.Errorf("block: Wait %d returns with no Signal after it began", i)
			}
		}
	}
	return nil
}

// CheckBlock verifies b's witness on the trace whose model events are
// events: a valid execution (as Check has it) that leaves b's goroutine
// in its Wait, blocked, with every event of the trace that could wake
// it either run before it could (a Signal or Broadcast whose call
// returned before the Wait put itself on the Cond's list) or dependent
// on the Wait returning; for a WaitGroup, the counter above zero. For a
// RecvHang, with the channel's rendezvous in place of its edges (see
// validChan): the goroutine at its receive, every operation of the
// channel in the schedule whole, every send and close left out dependent on the
// receive, every receiver that paired otherwise than in the trace
// stopped after its receive (checkRecvHang). Every other Wait that
// returns in the schedule must have been woken there (waitsWoken).
func CheckBlock(events []Event, b *Block) error {
	return newTraceIndex(events).checkBlock(b)
}

func (x *traceIndex) checkBlock(b *Block) error {
	if b.Wait >= uint64(len(x.events)) {
		return errors.New("block: wait event out of range")
	}
	if b.Kind == RecvHang {
		e := &x.events[b.Wait]
		if e.Op != ChanRecv {
			return errors.New("block: not a channel's receive")
		}
		m := x.chanModel(b.Wait)
		if m == nil || m.selects || m.cut {
			return errors.New("block: a channel block does not model (in a select, its make not in the trace, cut by the trace's end, or of another shape)")
		}
		x.free = m
		defer func() { x.free = nil }()
	}
	order := make(map[uint64]int, len(b.Schedule))
	for k, i := range b.Schedule {
		if i >= uint64(len(x.events)) {
			return fmt.Errorf("schedule: bad event %d", i)
		}
		if _, dup := order[i]; dup {
			return fmt.Errorf("schedule: repeated event %d", i)
		}
		order[i] = k
	}
	in := func(i uint64) bool { _, ok := order[i]; return ok }
	s := newSchedState(x, in)
	for _, i := range b.Schedule {
		if err := s.valid(i); err != nil {
			return err
		}
		s.run(i)
	}
	if err := x.waitsWoken(b.Schedule, order); err != nil {
		return err
	}
	w := &x.events[b.Wait]
	switch b.Kind {
	case LostSignal:
		if w.Op != CondWait {
			return errors.New("block: not a Cond's Wait")
		}
		l, u, pre, err := x.condWaitShape(b.Wait)
		if err != nil {
			return err
		}
		if s.done[w.G] != int(x.pos[u])+1 {
			return errors.New("block: the goroutine is not in its Wait")
		}
		afterL := x.after(l, x.lastOf(x.signals(w.Addr)))
		for _, sg := range x.signals(w.Addr) {
			if !in(sg) {
				if !afterL[sg] {
					return fmt.Errorf("block: signal %d, left out, could wake the Wait", sg)
				}
				continue
			}
			next, ok := x.next(sg)
			if !ok || !in(next) || order[next] > order[pre] {
				return fmt.Errorf("block: signal %d does not return before the Wait begins", sg)
			}
		}
	case WaitGroupHang:
		if w.Op != WaitGroupWait {
			return errors.New("block: not a WaitGroup's Wait")
		}
		a, err := x.waitGroupAcquire(b.Wait)
		if err != nil {
			return err
		}
		if s.done[w.G] != int(x.pos[a]) {
			return errors.New("block: the goroutine is not in its Wait")
		}
		afterA := x.after(a, x.lastOf(x.wgAdds[w.Addr]))
		counter := int64(0)
		for _, i := range x.wgAdds[w.Addr] {
			d := x.events[i].Delta()
			switch {
			case d < 0 && !in(i) && !afterA[i]:
				return fmt.Errorf("block: Done %d, left out, could release the Wait", i)
			case d < 0 && in(i):
				counter += d // counted even if not done yet
			case d > 0 && in(i):
				// Done once the goroutine went on.
				if next, ok := x.next(i); ok && in(next) {
					counter += d
				}
			}
		}
		if counter <= 0 {
			return fmt.Errorf("block: the counter is %d at the Wait", counter)
		}
	case RecvHang:
		return x.checkRecvHang(b, s, in)
	case SelectLeak:
		return x.checkSelectLeak(b, s, in)
	default:
		return errors.New("block: unknown kind")
	}
	return nil
}
