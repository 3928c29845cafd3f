// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// A Witness shows that a race is real: a reordering of the trace's events
// (Schedule, model event numbers) that is a valid execution, after which
// both racing accesses are the next events of their goroutines.
type Witness struct {
	Race     Race
	Schedule []uint64
}

// none stands for "no write" in reads-from: a read of the word's initial
// value.
const none = ^uint64(0)

type wordWrite struct {
	word, write uint64
}

// A traceIndex is what witnesses and the checker need to know of the
// model's events, computed once.
type traceIndex struct {
	events []Event
	perG   [][]uint64 // event numbers by tid, in program order
	pos    []uint32   // event number → position in its goroutine
	// forkPoint[i] of a Start: how many of its parent's events precede it.
	forkPoint map[uint64]int
	// readsFrom[i] of a read: per word, the write it read (none for the
	// initial value).
	readsFrom map[uint64][]wordWrite
	// releases and acquires on each fixed-edge address, in trace order.
	releases, acquires map[uint64][]uint64
	// unlockOf[i] of a Lock: its Unlock, or none while held at the end.
	unlockOf map[uint64]uint64
	lockOf   map[uint64]uint64 // the reverse
	// condSignals and wgAdds: per Cond its Signals and Broadcasts, per
	// WaitGroup its Adds, in trace order (for the block algorithm).
	condSignals, wgAdds map[uint64][]uint64
	// For block's receives: per channel address its records
	// (chanRecs), per address of a channel the events on its
	// edge word after its first make (chanEvents; chanWord maps the word
	// to the address), the channels modelled so far by their make
	// (chans, nil for one block does not model), and the
	// channel whose edges are replaced by its semantics (free, while a
	// receive is predicted or checked).
	chanRecs, chanEvents map[uint64][]uint64
	chanWord             map[uint64]uint64
	// selCases: per channel address the ChanSelectCase records on it.
	selCases map[uint64][]uint64
	chans    map[uint64]*chanModel
	free     *chanModel
}

func newTraceIndex(events []Event) *traceIndex {
	x := &traceIndex{
		events:      events,
		pos:         make([]uint32, len(events)),
		forkPoint:   make(map[uint64]int),
		readsFrom:   make(map[uint64][]wordWrite),
		releases:    make(map[uint64][]uint64),
		acquires:    make(map[uint64][]uint64),
		unlockOf:    make(map[uint64]uint64),
		lockOf:      make(map[uint64]uint64),
		condSignals: make(map[uint64][]uint64),
		wgAdds:      make(map[uint64][]uint64),
		chanRecs:    make(map[uint64][]uint64),
		chanEvents:  make(map[uint64][]uint64),
		chanWord:    make(map[uint64]uint64),
		selCases:    make(map[uint64][]uint64),
		chans:       make(map[uint64]*chanModel),
	}
	lastWriter := make(map[uint64]uint64)
	type lockKey struct {
		addr   uint64
		shared bool
	}
	open := make(map[lockKey][]uint64)
	for i := range events {
		e := &events[i]
		n := uint64(i)
		x.perG = growTo(x.perG, int(e.G))
		x.pos[i] = uint32(len(x.perG[e.G]))
		x.perG[e.G] = append(x.perG[e.G], n)
		switch e.Op {
		case Start:
			if e.Parent != 0 && int(e.Parent) < len(x.perG) {
				x.forkPoint[n] = len(x.perG[e.Parent])
			}
		case Read, Write:
			first, last := e.words()
			for w := first; ; w += wordSize {
				if len(x.chanWord) > 0 {
					if c, ok := x.chanWord[w]; ok {
						x.chanEvents[c] = append(x.chanEvents[c], n)
					}
				}
				if e.Op == Write {
					lastWriter[w] = n
				} else {
					from, ok := lastWriter[w]
					if !ok {
						from = none
					}
					x.readsFrom[n] = append(x.readsFrom[n], wordWrite{w, from})
				}
				if w == last {
					break
				}
			}
		case CondSignal:
			x.condSignals[e.Addr] = append(x.condSignals[e.Addr], n)
		case WaitGroupAdd:
			x.wgAdds[e.Addr] = append(x.wgAdds[e.Addr], n)
		case Acquire:
			x.acquires[e.Addr] = append(x.acquires[e.Addr], n)
			x.chanEdge(e.Addr, n)
		case Release, ReleaseMerge:
			x.releases[e.Addr] = append(x.releases[e.Addr], n)
			x.chanEdge(e.Addr, n)
		case ChanMake, ChanSend, ChanRecv, ChanClose, ChanSelect:
			x.chanRecs[e.Addr] = append(x.chanRecs[e.Addr], n)
			if e.Op == ChanMake {
				x.chanWord[e.Addr+chanEdgeOffset] = e.Addr
			}
		case ChanSelectCase:
			x.selCases[e.Addr] = append(x.selCases[e.Addr], n)
		case Lock:
			x.unlockOf[n] = none
			k := lockKey{e.Addr, e.Shared}
			open[k] = append(open[k], n)
		case Unlock:
			k := lockKey{e.Addr, e.Shared}
			q := open[k]
			if len(q) == 0 {
				break
			}
			// The goroutine's own open lock, else the oldest (Go lets
			// another goroutine unlock).
			j := 0
			for k := len(q) - 1; k >= 0; k-- {
				if events[q[k]].G == e.G {
					j = k
					break
				}
			}
			x.unlockOf[q[j]] = n
			x.lockOf[n] = q[j]
			open[k] = append(q[:j], q[j+1:]...)
		}
	}
	return x
}

// countBefore returns how many of the sorted numbers in list are below i.
func countBefore(list []uint64, i uint64) int {
	return sort.Search(len(list), func(k int) bool { return list[k] >= i })
}

// A schedState is a reordering being run: what each goroutine has done,
// the last write to each word, the locks held and the fixed edges taken.
// valid says whether an event may run next in a valid execution; both
// the witness search and the checker run events through it.
type schedState struct {
	x      *traceIndex
	inSet  func(i uint64) bool
	done   []int // by tid: events run
	writer map[uint64]uint64
	excl   map[uint64]bool // lock held in write mode
	shared map[uint64]int  // read-mode holders
	rels   map[uint64]int  // releases run, per address
	acqs   map[uint64]int  // acquires run, per address
	wg     map[wgKey]int64 // WaitGroup counters
	// partner, with x.free: per operation of the channel, the one it
	// paired with (-1 before); queue, if it is buffered, the sends whose
	// value is in the buffer, oldest first.
	partner []int32
	queue   []int32
}

// A wgKey is a WaitGroup: its address and generation (Event.Parent).
type wgKey struct {
	addr uint64
	gen  uint32
}

func newSchedState(x *traceIndex, inSet func(uint64) bool) *schedState {
	s := &schedState{
		x: x, inSet: inSet,
		done:   make([]int, len(x.perG)),
		writer: make(map[uint64]uint64),
		excl:   make(map[uint64]bool), shared: make(map[uint64]int),
		rels: make(map[uint64]int), acqs: make(map[uint64]int),
		wg: make(map[wgKey]int64),
	}
	if x.free != nil {
		s.partner = make([]int32, len(x.free.ops))
		for k := range s.partner {
			s.partner[k] = -1
		}
	}
	return s
}

// valid returns why event i may not run next, or nil.
func (s *schedState) valid(i uint64) error {
	x := s.x
	e := &x.events[i]
	if s.done[e.G] != int(x.pos[i]) {
		return fmt.Errorf("event %d out of program order", i)
	}
	if op, ok := x.freeOp(i); ok {
		return s.validChan(i, op)
	}
	switch e.Op {
	case Start:
		if fp, ok := x.forkPoint[i]; ok && s.done[e.Parent] < fp {
			return fmt.Errorf("goroutine %d starts before its go statement", e.G)
		}
	case Read:
		for _, rf := range x.readsFrom[i] {
			w, ok := s.writer[rf.word]
			if !ok {
				w = none
			}
			if w != rf.write {
				return fmt.Errorf("read %d of %#x would see another write", i, rf.word)
			}
		}
	case Acquire:
		// It must take in exactly the releases it took in.
		if s.rels[e.Addr] != countBefore(x.releases[e.Addr], i) {
			return fmt.Errorf("acquire %d on %#x would see other releases", i, e.Addr)
		}
	case Release, ReleaseMerge:
		acqs := x.acquires[e.Addr]
		n := 0
		for _, a := range acqs[:countBefore(acqs, i)] {
			if s.inSet(a) {
				n++
			}
		}
		if s.acqs[e.Addr] != n {
			return fmt.Errorf("release %d on %#x before an acquire that did not see it", i, e.Addr)
		}
	case AcquireAll:
		for g, evs := range x.perG {
			for _, j := range evs[s.done[g]:] {
				if j >= i {
					break
				}
				if s.inSet(j) {
					return fmt.Errorf("acquire-all %d before event %d", i, j)
				}
			}
		}
	case Lock:
		if s.excl[e.Addr] || !e.Shared && s.shared[e.Addr] > 0 {
			return fmt.Errorf("lock %d of %#x while held", i, e.Addr)
		}
	case Unlock:
		if e.Shared && s.shared[e.Addr] == 0 || !e.Shared && !s.excl[e.Addr] {
			return fmt.Errorf("unlock %d of %#x not held", i, e.Addr)
		}
	case WaitGroupAdd:
		if n := s.wg[wgKey{e.Addr, e.Parent}] + e.Delta(); n < 0 {
			return fmt.Errorf("waitgroup-add %d would make the counter of %#x %d", i, e.Addr, n)
		}
	case WaitGroupWait:
		if n := s.wg[wgKey{e.Addr, e.Parent}]; n != 0 {
			return fmt.Errorf("waitgroup-wait %d returns with the counter of %#x at %d", i, e.Addr, n)
		}
	}
	return nil
}

// run runs event i, which must be valid.
func (s *schedState) run(i uint64) {
	e := &s.x.events[i]
	if op, ok := s.x.freeOp(i); ok {
		s.runChan(i, op)
		s.done[e.G]++
		return
	}
	s.done[e.G]++
	switch e.Op {
	case Write:
		first, last := e.words()
		for w := first; ; w += wordSize {
			s.writer[w] = i
			if w == last {
				break
			}
		}
	case Acquire:
		s.acqs[e.Addr]++
	case Release, ReleaseMerge:
		s.rels[e.Addr]++
	case Lock:
		if e.Shared {
			s.shared[e.Addr]++
		} else {
			s.excl[e.Addr] = true
		}
	case Unlock:
		if e.Shared {
			s.shared[e.Addr]--
		} else {
			s.excl[e.Addr] = false
		}
	case WaitGroupAdd:
		s.wg[wgKey{e.Addr, e.Parent}] += e.Delta()
	}
}

// checkRace returns why r's accesses are not both next after the
// schedule run so far, or not a race.
func (s *schedState) checkRace(r *Race) error {
	x := s.x
	if r.FirstIndex >= uint64(len(x.events)) || r.SecondIndex >= uint64(len(x.events)) {
		return errors.New("race events out of range")
	}
	e1, e2 := &x.events[r.FirstIndex], &x.events[r.SecondIndex]
	if r.Kind == NegativeWaitGroup {
		return s.checkNegative(r, e1, e2)
	}
	if r.Kind != "" {
		return fmt.Errorf("unknown prediction %q", r.Kind)
	}
	if e1.G == e2.G || !e1.IsAccess() || !e2.IsAccess() || e1.Op != Write && e2.Op != Write || e1.Atomic && e2.Atomic {
		return errors.New("the events do not conflict")
	}
	a1, b1 := e1.words()
	a2, b2 := e2.words()
	if b1 < a2 || b2 < a1 {
		return errors.New("the accesses touch no common word")
	}
	if s.done[e1.G] != int(x.pos[r.FirstIndex]) || s.done[e2.G] != int(x.pos[r.SecondIndex]) {
		return errors.New("the racing accesses are not both next")
	}
	return nil
}

// checkNegative returns why running r's Done next after the schedule
// does not make its WaitGroup's counter negative while r's Add, which
// it needs, has not run.
func (s *schedState) checkNegative(r *Race, add, done *Event) error {
	x := s.x
	if add.Op != WaitGroupAdd || done.Op != WaitGroupAdd || add.Addr != done.Addr || add.Parent != done.Parent || add.G == done.G || add.Delta() <= 0 || done.Delta() >= 0 {
		return errors.New("the events are not an Add and a Done of one WaitGroup")
	}
	if s.done[done.G] != int(x.pos[r.SecondIndex]) {
		return errors.New("the Done is not next")
	}
	if s.done[add.G] > int(x.pos[r.FirstIndex]) {
		return errors.New("the Add has run")
	}
	if n := s.wg[wgKey{done.Addr, done.Parent}] + done.Delta(); n >= 0 {
		return fmt.Errorf("the Done leaves the counter at %d", n)
	}
	return nil
}

// Check verifies that w is a valid execution of the trace whose model
// events are events (program order, goroutine starts, fixed edges each
// seeing the same releases, mutual exclusion, every read reading the
// write it read, no WaitGroup counter below zero, each Wait returning at
// zero) after which w's racing accesses are both enabled, or, for a
// negative WaitGroup counter, after which its Done is enabled and would
// take the counter below zero, its Add not run.
func Check(events []Event, w *Witness) error {
	return check(newTraceIndex(events), w)
}

func check(x *traceIndex, w *Witness) error {
	in := make(map[uint64]bool, len(w.Schedule))
	for _, i := range w.Schedule {
		if i >= uint64(len(x.events)) || in[i] {
			return fmt.Errorf("schedule: bad or repeated event %d", i)
		}
		in[i] = true
	}
	s := newSchedState(x, func(i uint64) bool { return in[i] })
	for _, i := range w.Schedule {
		if err := s.valid(i); err != nil {
			return err
		}
		s.run(i)
	}
	return s.checkRace(&w.Race)
}

// Witness returns a witness for r, built from the events Options.Keep
// kept, checked with Check; an error if none is found. It needs the
// events up to r's second access only.
func (p *Predictor) Witness(r Race) (*Witness, error) {
	if !p.keep {
		return nil, errors.New("witness: the predictor keeps no events")
	}
	p.indexEvents()
	witness := p.index.witness
	if r.Algorithm == "syncp" {
		witness = p.index.spWitness
	}
	w, err := witness(r)
	if err != nil {
		return nil, err
	}
	if err := check(p.index, w); err != nil {
		return nil, fmt.Errorf("witness fails the check: %v", err)
	}
	return w, nil
}

// indexEvents (re)builds the index of the kept events.
func (p *Predictor) indexEvents() {
	if p.index == nil || len(p.index.events) != len(p.events) {
		p.index = newTraceIndex(p.events)
	}
}

// witness builds a reordering for r: the events r's accesses depend on
// (closure), then a schedule of them in trace order as far as it is
// valid, deferring what must wait (an event whose turn has not come, a
// critical section left open at the end until the closed ones of its
// lock have run, a write until the reads of the value it overwrites
// have run).
func (x *traceIndex) witness(r Race) (*Witness, error) {
	e1, e2 := x.events[r.FirstIndex], x.events[r.SecondIndex]
	need := make([]int, len(x.perG))
	if r.Kind != NegativeWaitGroup {
		// For a negative WaitGroup counter, the Done's closure alone:
		// the events before the Add could bring other Adds in.
		need[e1.G] = int(x.pos[r.FirstIndex])
	}
	need[e2.G] = int(x.pos[r.SecondIndex])
	limit := make([]int, len(x.perG))
	for g := range limit {
		limit[g] = len(x.perG[g])
	}
	limit[e1.G] = int(x.pos[r.FirstIndex])
	limit[e2.G] = min(limit[e2.G], int(x.pos[r.SecondIndex]))
	x.close(need, limit)
	if need[e1.G] > int(x.pos[r.FirstIndex]) || need[e2.G] > int(x.pos[r.SecondIndex]) {
		return nil, errors.New("witness: one access must precede the other")
	}
	sched, err := x.schedule(need, nil)
	if err != nil {
		return nil, err
	}
	return &Witness{Race: r, Schedule: sched}, nil
}

// schedule runs the events need selects (per goroutine, its first
// need[g]) in trace order as far as that is valid, deferring what must
// wait (an event whose turn has not come, a critical section left open
// at the end until the closed ones of its lock have run, a write until
// the reads of the value it overwrites have run). If first is set (per
// goroutine, at most need[g]), the events it selects run first, then
// the others.
func (x *traceIndex) schedule(need, first []int) ([]uint64, error) {
	inSet := func(i uint64) bool { return int(x.pos[i]) < need[x.events[i].G] }

	// What the heuristics wait for: reads not yet run per word and
	// write read, and closed critical sections not yet started per lock.
	pending := make(map[wordWrite]int)
	closedLeft := make(map[uint64]int)
	for g, evs := range x.perG {
		for _, i := range evs[:need[g]] {
			switch x.events[i].Op {
			case Read:
				for _, rf := range x.readsFrom[i] {
					pending[rf]++
				}
			case Lock:
				if u := x.unlockOf[i]; u != none && inSet(u) {
					closedLeft[x.events[i].Addr]++
				}
			}
		}
	}
	s := newSchedState(x, inSet)
	ready := func(i uint64) bool {
		if s.valid(i) != nil {
			return false
		}
		e := &x.events[i]
		switch e.Op {
		case Write:
			first, last := e.words()
			for w := first; ; w += wordSize {
				cur, ok := s.writer[w]
				if !ok {
					cur = none
				}
				if pending[wordWrite{w, cur}] > 0 {
					return false
				}
				if w == last {
					break
				}
			}
		case Lock:
			if u := x.unlockOf[i]; (u == none || !inSet(u)) && closedLeft[e.Addr] > 0 {
				return false
			}
		}
		return true
	}
	var sched []uint64
	for _, target := range [][]int{first, need} {
		if target == nil {
			continue
		}
		var heads eventHeap
		for g, evs := range x.perG {
			if k := s.done[g]; k < target[g] {
				heads = append(heads, evs[k])
			}
		}
		heap.Init(&heads)
		if err := x.runHeads(s, heads, target, ready, func(i uint64) {
			sched = append(sched, i)
			e := &x.events[i]
			switch e.Op {
			case Read:
				for _, rf := range x.readsFrom[i] {
					pending[rf]--
				}
			case Lock:
				if u := x.unlockOf[i]; u != none && inSet(u) {
					closedLeft[e.Addr]--
				}
			}
		}); err != nil {
			return nil, err
		}
	}
	return sched, nil
}

// runHeads runs the events of each goroutine up to target, starting
// from heads (each goroutine's next), earliest first among those ready,
// calling ran after each.
func (x *traceIndex) runHeads(s *schedState, heads eventHeap, target []int, ready func(uint64) bool, ran func(uint64)) error {
	var blocked []uint64
	for heads.Len() > 0 {
		i := heap.Pop(&heads).(uint64)
		if !ready(i) {
			blocked = append(blocked, i)
			continue
		}
		s.run(i)
		ran(i)
		e := &x.events[i]
		if k := s.done[e.G]; k < target[e.G] {
			heap.Push(&heads, x.perG[e.G][k])
		}
		for _, b := range blocked {
			heap.Push(&heads, b)
		}
		blocked = blocked[:0]
	}
	if len(blocked) > 0 {
		return fmt.Errorf("witness: no valid order found (%d goroutines stuck, first at event %d: %v)", len(blocked), blocked[0], s.valid(blocked[0]))
	}
	return nil
}

// A closure grows a set of events closed under what events depend on:
// need is, per goroutine, how many of its first events the set holds.
type closure struct {
	x          *traceIndex
	need, done []int          // done: the events step has looked at
	covered    map[uint64]int // per address: releases already required
}

func (x *traceIndex) newClosure(need []int) *closure {
	return &closure{x: x, need: need, done: make([]int, len(need)), covered: make(map[uint64]int)}
}

// require puts event i, and the events before it in its goroutine, in the set.
func (c *closure) require(i uint64) {
	g := c.x.events[i].G
	c.need[g] = max(c.need[g], int(c.x.pos[i])+1)
}

// in reports whether event i is in the set.
func (c *closure) in(i uint64) bool { return int(c.x.pos[i]) < c.need[c.x.events[i].G] }

// step looks at the events added to the set since the last step, until
// there are no more, and requires what they depend on: a goroutine's
// start its go statement, an acquire the releases it saw (every one
// before it on its address), an acquire-all every earlier event, a read
// the write it read. Locks and Unlocks go to lock and unlock, the
// caller's rule for critical sections. It reports whether it looked at
// any event.
func (c *closure) step(lock, unlock func(i uint64, e *Event)) bool {
	x, need, done := c.x, c.need, c.done
	changed := false
	for g := range need {
		for ; done[g] < need[g]; done[g]++ {
			changed = true
			i := x.perG[g][done[g]]
			e := &x.events[i]
			switch e.Op {
			case Start:
				if fp, ok := x.forkPoint[i]; ok {
					need[e.Parent] = max(need[e.Parent], fp)
				}
			case Acquire:
				if _, free := x.freeOp(i); free {
					break // the channel's semantics, not its edges
				}
				rels := x.releases[e.Addr]
				// The releases below covered are required already, by
				// a later acquire met first.
				if n := countBefore(rels, i); c.covered[e.Addr] < n {
					for _, r := range rels[c.covered[e.Addr]:n] {
						c.require(r)
					}
					c.covered[e.Addr] = n
				}
			case AcquireAll:
				for h, evs := range x.perG {
					need[h] = max(need[h], countBefore(evs, i))
				}
			case Read:
				for _, rf := range x.readsFrom[i] {
					if rf.write != none {
						c.require(rf.write)
					}
				}
			case Lock:
				lock(i, e)
			case Unlock:
				unlock(i, e)
			}
		}
	}
	return changed
}

// close raises need (per goroutine, how many of its first events the
// reordering runs) until it is closed under what events depend on: a
// goroutine's start on its go statement, an acquire on the releases it
// saw, an acquire-all on every earlier event, a read on the write it
// read, and a lock on the critical sections of the same mutex that are
// left open: at most one may stay open (more, all in read mode), so the
// others are closed, preferring those whose Unlock is within limit (per
// goroutine: the racing accesses' positions), then the earliest.
func (x *traceIndex) close(need, limit []int) {
	c := x.newClosure(need)
	require := c.require
	open := make(map[uint64][]uint64) // per mutex: Locks whose Unlock is not required
	closable := func(lock uint64) bool {
		u := x.unlockOf[lock]
		return u != none && int(x.pos[u]) < limit[x.events[u].G]
	}
	closeExtra := func(addr uint64) {
		for {
			list := open[addr]
			exclusive := slices.ContainsFunc(list, func(l uint64) bool { return !x.events[l].Shared })
			if len(list) < 2 || !exclusive {
				return
			}
			k := slices.IndexFunc(list, closable)
			if k < 0 {
				return // no valid order: the search will say so
			}
			require(x.unlockOf[list[k]])
			open[addr] = slices.Delete(list, k, k+1)
		}
	}
	lock := func(i uint64, e *Event) {
		list := open[e.Addr]
		k, _ := slices.BinarySearch(list, i)
		open[e.Addr] = slices.Insert(list, k, i)
		closeExtra(e.Addr)
	}
	unlock := func(i uint64, e *Event) {
		if l, ok := x.lockOf[i]; ok {
			list := open[x.events[l].Addr]
			if k, found := slices.BinarySearch(list, l); found {
				open[x.events[l].Addr] = slices.Delete(list, k, k+1)
			}
		}
	}
	for c.step(lock, unlock) {
	}
}

// eventHeap orders event numbers, smallest (earliest in the trace) first.
type eventHeap []uint64

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(v any)        { *h = append(*h, v.(uint64)) }
func (h *eventHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// spWitness builds the witness of a sync-preserving race: the
// sync-preserving closure of the events before r's accesses in their
// goroutines, run in trace order. The closure holds every event's
// dependencies (program order, a goroutine's start on its go statement,
// an acquire on every release before it on its address, an acquire-all
// on every earlier event, a read on the write it read, an Unlock on its
// Lock) and, when two conflicting critical sections of a mutex have
// their Locks in it, the earlier one's Unlock: so in trace order no
// section is open when another of its mutex starts, and each read sees
// the write it saw.
func (x *traceIndex) spWitness(r Race) (*Witness, error) {
	e1, e2 := x.events[r.FirstIndex], x.events[r.SecondIndex]
	need := make([]int, len(x.perG))
	need[e1.G] = int(x.pos[r.FirstIndex])
	need[e2.G] = max(need[e2.G], int(x.pos[r.SecondIndex]))
	c := x.newClosure(need)
	require, in := c.require, c.in
	locks := make(map[uint64][]uint64) // per mutex: the Locks in the closure
	var missing error
	lock := func(i uint64, e *Event) { locks[e.Addr] = append(locks[e.Addr], i) }
	unlock := func(i uint64, e *Event) {
		if l, ok := x.lockOf[i]; ok {
			require(l)
		}
	}
	for changed := true; changed; {
		changed = c.step(lock, unlock)
		// The lock rule.
		for _, list := range locks {
			var last, lastExcl uint64
			for _, l := range list {
				last = max(last, l+1)
				if !x.events[l].Shared {
					lastExcl = max(lastExcl, l+1)
				}
			}
			for _, l := range list {
				later := last > l+1
				if x.events[l].Shared {
					later = lastExcl > l+1
				}
				if !later {
					continue
				}
				u := x.unlockOf[l]
				if u == none {
					missing = fmt.Errorf("witness: lock %d is never unlocked", l)
					continue
				}
				if !in(u) {
					require(u)
					changed = true
				}
			}
		}
	}
	if missing != nil {
		return nil, missing
	}
	if in(r.FirstIndex) || in(r.SecondIndex) {
		return nil, errors.New("witness: the sync-preserving closure holds a racing access")
	}
	w := &Witness{Race: r}
	for g, evs := range x.perG {
		w.Schedule = append(w.Schedule, evs[:need[g]]...)
	}
	slices.Sort(w.Schedule)
	return w, nil
}
