// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// chanEdgeOffset is where an unbuffered channel's edges are: the
// runtime's race address of the channel (&hchan.buf, after qcount and
// dataqsiz), which chanbuf(c, 0) is too when the buffer is empty.
const chanEdgeOffset = 16

// A chanOp is a send or receive on an unbuffered channel, as the trace
// has it: its events, contiguous in its goroutine from first to last,
// are its ChanSend or ChanRecv record (rec), a send's read of the
// channel's race address (first), and the four edges of the rendezvous
// on that address, two in each goroutine: Release, Acquire, Release,
// Acquire under the channel's lock, the side that arrived second
// releasing first. partner is the operation it paired with in the trace.
// A close (closing) is its write of the race address, a release there
// and its record; a receive from the closed channel (closed) an acquire
// there and its record: neither pairs (partner -1), and block's
// reorderings run neither.
//
// On a buffered channel, a send's events are its read of the race
// address, its record and an acquire and release of a buffer slot (the
// slot's address), in the order chanExtent says; a receive's, the
// acquire and release of a slot and its record. commit is the acquire:
// when the value enters the buffer (a send; for a send that waited on
// the full buffer, when the receiver that made room put it there, an
// event the runtime gives the sender's goroutine) or leaves it (a
// receive). A send's partner is -1 if no receive took its value.
type chanOp struct {
	first, last, rec uint64
	commit           uint64
	send             bool
	closing, closed  bool
	partner          int32
}

// paired reports whether the operation is a send or a receive of a value.
func (o *chanOp) paired() bool { return !o.closing && !o.closed }

// A chanModel is a channel whose sends and receives block can pair
// otherwise than the trace did: every event on its race address (and,
// buffered, every edge on its slots) from its make to the next make at
// its address is one of its operations', and it was not used in a
// select.
type chanModel struct {
	addr, edge uint64
	end        uint64 // the last event of its operations
	// selects: the channel is a case of a select (a select chose it,
	// or names it among its cases). Receive hangs are not predicted on
	// it (the select could take another case); select leaks are.
	selects bool
	// cut: a send's record is missing, the trace ending after its
	// rendezvous (see buildChan). Receive hangs are not predicted on it.
	cut  bool
	ops  []chanOp
	opOf map[uint64]int32 // an operation's event → the operation
	// size is a buffered channel's capacity (0: unbuffered), slots the
	// race addresses of its buffer slots its operations used.
	size  uint64
	slots map[uint64]bool
}

// chanEdge notes an edge on address a, if a is a channel's race address.
func (x *traceIndex) chanEdge(a, n uint64) {
	if len(x.chanWord) > 0 {
		if c, ok := x.chanWord[a]; ok {
			x.chanEvents[c] = append(x.chanEvents[c], n)
		}
	}
}

// freeOp returns the operation of the channel x.free that event i is
// part of.
func (x *traceIndex) freeOp(i uint64) (int32, bool) {
	m := x.free
	if m == nil {
		return 0, false
	}
	e := &x.events[i]
	if e.Addr != m.edge && e.Addr != m.addr && !m.slots[e.Addr] {
		return 0, false
	}
	op, ok := m.opOf[i]
	return op, ok
}

// chanModel returns the model of the channel whose record is k (from
// the last make at its address before k to the next), nil if block does
// not model it (used in a select, its make not in the trace, its events
// not all in the shapes chanOp describes).
func (x *traceIndex) chanModel(k uint64) *chanModel {
	c := x.events[k].Addr
	all := x.chanRecs[c]
	// The channel's records: from its make to the next make.
	from := countBefore(all, k+1) - 1
	for from >= 0 && x.events[all[from]].Op != ChanMake {
		from--
	}
	if from < 0 {
		return nil
	}
	to := from + 1
	for to < len(all) && x.events[all[to]].Op != ChanMake {
		to++
	}
	if m, ok := x.chans[all[from]]; ok {
		return m
	}
	var next uint64 = none
	if to < len(all) {
		next = all[to]
	}
	m := x.buildChan(c, all[from:to], next)
	x.chans[all[from]] = m
	return m
}

// buildChan models the channel at c whose records are recs, from its
// make, up to the event next (none: the trace's end).
func (x *traceIndex) buildChan(c uint64, recs []uint64, next uint64) *chanModel {
	if x.events[recs[0]].Slot() != 0 {
		return x.buildBufChan(c, recs, next)
	}
	m := &chanModel{addr: c, edge: c + chanEdgeOffset, opOf: make(map[uint64]int32)}
	if cs := x.selCases[c]; countBefore(cs, next) > countBefore(cs, recs[0]) {
		m.selects = true
	}
	for _, r := range recs[1:] {
		e := &x.events[r]
		if e.Op == ChanSelect {
			m.selects = true
			continue
		}
		switch {
		case e.Op == ChanSend && e.Slot() == -1, e.Op == ChanRecv && (e.Slot() == -1 || e.Slot() == -2), e.Op == ChanClose:
		default:
			return nil // a select, a buffer slot
		}
		op, ok := x.chanExtent(r, m.edge)
		if !ok {
			return nil
		}
		if !x.addOp(m, e.G, op) {
			return nil
		}
	}
	// The events on the address while the channel lived.
	evs := x.chanEvents[c]
	evs = evs[countBefore(evs, recs[0]):countBefore(evs, next)]
	// A send that waited and was woken records its send only once it
	// runs again: if the trace ended first, its read of the address and
	// the two edges its receiver gave it are its goroutine's last
	// events, with no record. The read stands for the record.
	for _, j := range evs {
		if _, ok := m.opOf[j]; ok {
			continue
		}
		e := &x.events[j]
		gevs, p := x.perG[e.G], int(x.pos[j])
		at := func(q int, op Op) bool {
			ev := &x.events[gevs[q]]
			return ev.Op == op && ev.Addr == m.edge && !ev.Atomic
		}
		if e.Op != Read || e.Atomic || e.Addr != m.edge || p+3 != len(gevs) || !at(p+1, Acquire) || !at(p+2, Release) {
			continue
		}
		k := int32(len(m.ops))
		for _, q := range gevs[p:] {
			m.opOf[q] = k
		}
		m.ops = append(m.ops, chanOp{first: j, last: gevs[p+2], rec: j, send: true})
		m.end = max(m.end, gevs[p+2])
		m.cut = true
	}
	for _, j := range evs {
		if _, ok := m.opOf[j]; !ok {
			return nil // an access or edge on the address that no operation explains
		}
	}
	// The trace's pairs: the edges on the address come four by four,
	// Release, Acquire, Release, Acquire, the first and last of one
	// operation, the middle two of an operation of the other kind.
	var edges []uint64
	npaired := 0
	for k := range m.ops {
		if m.ops[k].paired() {
			npaired++
		}
	}
	for _, j := range evs {
		if !m.ops[m.opOf[j]].paired() {
			continue
		}
		if op := x.events[j].Op; op == Acquire || op == Release {
			edges = append(edges, j)
		} else if op != Read {
			return nil
		}
	}
	if len(edges) != 2*npaired || len(edges)%4 != 0 {
		return nil
	}
	for k := 0; k < len(edges); k += 4 {
		want := [4]Op{Release, Acquire, Release, Acquire}
		for d := range 4 {
			if x.events[edges[k+d]].Op != want[d] {
				return nil
			}
		}
		a, p := m.opOf[edges[k]], m.opOf[edges[k+1]]
		if m.opOf[edges[k+3]] != a || m.opOf[edges[k+2]] != p || m.ops[a].send == m.ops[p].send ||
			m.ops[a].partner != 0 || m.ops[p].partner != 0 {
			return nil
		}
		m.ops[a].partner, m.ops[p].partner = p+1, a+1 // +1 until all are set
	}
	for k := range m.ops {
		if m.ops[k].partner == 0 && m.ops[k].paired() {
			return nil
		}
		m.ops[k].partner--
	}
	return m
}

// addOp adds op, an operation of goroutine g, to m; false if one of its
// events is already another operation's.
func (x *traceIndex) addOp(m *chanModel, g uint32, op chanOp) bool {
	k := int32(len(m.ops))
	for _, j := range x.perG[g][x.pos[op.first] : x.pos[op.last]+1] {
		if _, dup := m.opOf[j]; dup {
			return false
		}
		m.opOf[j] = k
	}
	m.ops = append(m.ops, op)
	m.end = max(m.end, op.last)
	return true
}

// chanExtent returns the operation whose record is r, on the unbuffered
// channel whose race address is edge. A send that found its receiver
// waiting reads the address, records, then releases and acquires; one
// that waited reads it, is given the acquire and release by its
// receiver, then records. A receive's two edges come before its record.
func (x *traceIndex) chanExtent(r, edge uint64) (chanOp, bool) {
	e := &x.events[r]
	evs, p := x.perG[e.G], int(x.pos[r])
	is := func(q int, op Op) bool {
		if q < 0 || q >= len(evs) {
			return false
		}
		ev := &x.events[evs[q]]
		return ev.Op == op && ev.Addr == edge && !ev.Atomic
	}
	op := chanOp{rec: r, send: e.Op == ChanSend, closing: e.Op == ChanClose, closed: e.Op == ChanRecv && e.Slot() == -2}
	switch {
	case op.closing && is(p-2, Write) && is(p-1, Release):
		op.first, op.last = evs[p-2], r
	case op.closing:
		return op, false
	case op.closed && is(p-1, Acquire):
		op.first, op.last = evs[p-1], r
	case op.closed:
		return op, false
	case op.send && is(p-1, Read) && is(p+1, Release) && is(p+2, Acquire):
		op.first, op.last = evs[p-1], evs[p+2]
	case op.send && is(p-3, Read) && is(p-2, Acquire) && is(p-1, Release):
		op.first, op.last = evs[p-3], r
	case !op.send && (is(p-2, Acquire) && is(p-1, Release) || is(p-2, Release) && is(p-1, Acquire)):
		op.first, op.last = evs[p-2], r
	case !op.send && (is(p-3, Acquire) && is(p-2, Release) || is(p-3, Release) && is(p-2, Acquire)) && x.elemWrite(evs[p-1], edge):
		// A select's receive that waited: its write of the value
		// between the edges its sender gave it and its record.
		op.first, op.last = evs[p-3], r
	default:
		return op, false
	}
	return op, true
}

// elemWrite reports whether event i is a select's write of a received
// value: a plain write, not of the channel's race address.
func (x *traceIndex) elemWrite(i, edge uint64) bool {
	e := &x.events[i]
	return e.Op == Write && !e.Atomic && e.Addr != edge
}

// validChan returns why event i of operation op of the channel x.free
// may not run next. The first of an operation's events is the
// rendezvous: the operations of both goroutines take place there, so
// the other goroutine must be at an operation of the other kind (its
// previous event run, none of the operation's). Its other events need
// the rendezvous done.
func (s *schedState) validChan(i uint64, op int32) error {
	if !s.x.free.ops[op].paired() {
		return fmt.Errorf("channel event %d: a close or a receive from the closed channel, which block does not reorder", i)
	}
	if m := s.x.free; m.size > 0 {
		// Buffered: the commit needs room (a send) or a value (a
		// receive); the other events, nothing.
		o := &m.ops[op]
		switch {
		case i != o.commit:
		case o.send && uint64(len(s.queue)) >= m.size:
			return fmt.Errorf("channel event %d: a send on the full buffer", i)
		case !o.send && len(s.queue) == 0:
			return fmt.Errorf("channel event %d: a receive from the empty buffer", i)
		}
		return nil
	}
	if s.partner[op] >= 0 {
		return nil
	}
	if i != s.x.free.ops[op].first {
		return fmt.Errorf("channel event %d before its operation's rendezvous", i)
	}
	if s.chanPeer(op) < 0 {
		return fmt.Errorf("channel operation at %d with no goroutine at an operation to pair with", i)
	}
	return nil
}

// chanPeer returns the operation op would pair with now: its partner in
// the trace if its goroutine is at it, else the first such operation of
// the other kind in the set; -1 if none.
func (s *schedState) chanPeer(op int32) int32 {
	m := s.x.free
	at := func(k int32) bool {
		o := &m.ops[k]
		return o.paired() && o.send != m.ops[op].send && s.partner[k] < 0 && s.inSet(o.first) &&
			s.done[s.x.events[o.first].G] == int(s.x.pos[o.first])
	}
	if p := m.ops[op].partner; at(p) {
		return p
	}
	for k := range m.ops {
		if k := int32(k); k != op && at(k) {
			return k
		}
	}
	return -1
}

func (s *schedState) runChan(i uint64, op int32) {
	if m := s.x.free; m.size > 0 {
		// Buffered: first in, first out.
		if o := &m.ops[op]; i == o.commit {
			if o.send {
				s.queue = append(s.queue, op)
			} else {
				p := s.queue[0]
				s.queue = s.queue[1:]
				s.partner[op], s.partner[p] = p, op
			}
		}
		return
	}
	if s.partner[op] < 0 {
		p := s.chanPeer(op)
		s.partner[op], s.partner[p] = p, op
	}
}

// recvHang tries to predict that the receive whose record is k waits for
// good: a reordering in which another receiver, not ordered with it,
// takes the value it took, and every send left on the channel depends on
// the receive returning.
func (x *traceIndex) recvHang(k uint64) *Block {
	m := x.chanModel(k)
	if m == nil || m.selects || m.cut {
		return nil
	}
	x.free = m
	defer func() { x.free = nil }()
	v := &m.ops[m.opOf[k]]
	if !v.paired() {
		return nil
	}
	gv := x.events[k].G
	afterV := x.after(v.first, m.end) // only the operations' are looked at
	for j := range m.ops {
		if o := &m.ops[j]; o.closing && !afterV[o.first] {
			return nil // a close that could wake the receive
		}
	}
	// The thief: a receive of another goroutine that does not depend on
	// this one, whose value in the trace came from a send that does, at
	// other code than this one (see checkRecvHang).
	thief := int32(-1)
	for j := range m.ops {
		o := &m.ops[j]
		if !o.send && o.paired() && x.events[o.first].G != gv && !afterV[o.first] && afterV[m.ops[o.partner].first] &&
			x.events[o.rec].PC != x.events[k].PC {
			thief = int32(j)
			break
		}
	}
	if thief < 0 {
		return nil
	}
	th := &m.ops[thief]
	need := make([]int, len(x.perG))
	need[gv] = int(x.pos[v.first])
	x.through(need, th.last, 1)
	for j := range m.ops {
		o := &m.ops[j]
		if o.send && o.paired() && !afterV[o.first] {
			x.through(need, o.last, 1)
			if o.partner >= 0 {
				if r := &m.ops[o.partner]; r != v {
					x.through(need, r.last, 1)
				}
			}
		}
	}
	limit := x.limits(gv, int(x.pos[v.first]))
	limit[x.events[th.last].G] = int(x.pos[th.last]) + 1
	in := func(i uint64) bool { return int(x.pos[i]) < need[x.events[i].G] }
	for {
		x.close(need, limit)
		grown := false
		for j := range m.ops {
			o := &m.ops[j]
			if in(o.first) && !in(o.last) {
				x.through(need, o.last, 1)
				grown = true
			}
		}
		if !grown {
			break
		}
	}
	if need[gv] != int(x.pos[v.first]) || need[x.events[th.last].G] != int(x.pos[th.last])+1 {
		return nil
	}
	sends := 0
	for j := range m.ops {
		if o := &m.ops[j]; in(o.first) {
			if !o.paired() {
				return nil // the close is not reordered
			}
			if o.send {
				sends++
			} else {
				sends--
			}
		}
	}
	if sends != 0 {
		return nil // a send or receive left over
	}
	sched, err := x.schedule(need, nil)
	if err != nil {
		return nil
	}
	return &Block{Kind: RecvHang, Wait: k, Cause: []uint64{th.rec}, Schedule: sched}
}

// checkRecvHang verifies, after the schedule ran in s (the channel's
// rendezvous included), that the receive whose record is b.Wait waits
// for good.
func (x *traceIndex) checkRecvHang(b *Block, s *schedState, in func(uint64) bool) error {
	m := x.free
	v := &m.ops[m.opOf[b.Wait]]
	if !v.paired() {
		return errors.New("block: a receive from the closed channel")
	}
	gv := x.events[b.Wait].G
	if s.done[gv] != int(x.pos[v.first]) {
		return errors.New("block: the goroutine is not at its receive")
	}
	if len(s.queue) > 0 {
		return errors.New("block: a value left in the buffer for the receive")
	}
	afterV := x.after(v.first, m.end) // only the operations' are looked at
	for j := range m.ops {
		o := &m.ops[j]
		g := x.events[o.first].G
		switch {
		case in(o.first) && !in(o.last):
			return fmt.Errorf("block: channel operation at %d left unfinished", o.first)
		case !in(o.first) && o.send && !afterV[o.first]:
			return fmt.Errorf("block: send %d, left out, could reach the receive", o.rec)
		case !in(o.first) && o.closing && !afterV[o.first]:
			return fmt.Errorf("block: close %d, left out, could wake the receive", o.rec)
		case in(o.first) && !o.send && o.paired() && s.partner[j] != o.partner && x.events[o.rec].PC == x.events[b.Wait].PC:
			// The same code as the receive's, with another value: it
			// may go on as the receive did in the trace (a token taken
			// and put back), which the trace does not show for it.
			return fmt.Errorf("block: receive %d, at the receive's own code, takes another value", o.rec)
		case in(o.first) && !o.send && o.paired() && s.partner[j] != o.partner && s.done[g] != int(x.pos[o.last])+1:
			// Its value came from another send: what it does with
			// it is not known.
			return fmt.Errorf("block: receive %d takes another value and goes on", o.rec)
		}
	}
	return nil
}

// buildBufChan models the buffered channel at c whose records are recs,
// from its make, up to the event next (none: the trace's end): its
// operations, their slots, and the trace's pairs (first in, first out,
// by commit).
func (x *traceIndex) buildBufChan(c uint64, recs []uint64, next uint64) *chanModel {
	m := &chanModel{addr: c, edge: c + chanEdgeOffset, opOf: make(map[uint64]int32),
		size: uint64(x.events[recs[0]].Slot()), slots: make(map[uint64]bool)}
	if cs := x.selCases[c]; countBefore(cs, next) > countBefore(cs, recs[0]) {
		return nil // a case of a select that took another: it could take this one's values
	}
	for _, r := range recs[1:] {
		e := &x.events[r]
		if e.Op != ChanSend && e.Op != ChanRecv && e.Op != ChanClose {
			return nil // a select
		}
		op, ok := x.bufExtent(r, m)
		if !ok {
			return nil
		}
		if !x.addOp(m, e.G, op) {
			return nil
		}
	}
	// Every event on the race address and every edge on a slot while
	// the channel lived is an operation's.
	evs := x.chanEvents[c]
	evs = evs[countBefore(evs, recs[0]):countBefore(evs, next)]
	for _, j := range evs {
		if _, ok := m.opOf[j]; !ok {
			return nil
		}
	}
	for a := range m.slots {
		for _, list := range [][]uint64{x.acquires[a], x.releases[a]} {
			for _, j := range list[countBefore(list, recs[0]):countBefore(list, next)] {
				if _, ok := m.opOf[j]; !ok {
					return nil
				}
			}
		}
	}
	// The trace's pairs: the k-th receive to commit took the value of
	// the k-th send to commit.
	var sends, recvs []int32
	for k := range m.ops {
		if o := &m.ops[k]; o.paired() {
			o.partner = -1
			if o.send {
				sends = append(sends, int32(k))
			} else {
				recvs = append(recvs, int32(k))
			}
		} else {
			o.partner = -1
		}
	}
	byCommit := func(a, b int32) int { return cmp.Compare(m.ops[a].commit, m.ops[b].commit) }
	slices.SortFunc(sends, byCommit)
	slices.SortFunc(recvs, byCommit)
	if len(recvs) > len(sends) {
		return nil
	}
	for k, r := range recvs {
		sd := sends[k]
		if m.ops[sd].commit > m.ops[r].commit {
			return nil // received before it was sent: another shape
		}
		m.ops[r].partner, m.ops[sd].partner = sd, r
	}
	return m
}

// bufExtent returns the operation whose record is r on the buffered
// channel m, adding the slot it used to m.slots. A send that found room,
// or waited on the full buffer, reads the race address, acquires and
// releases its slot, then records; one that handed its value to a
// waiting receiver reads the race address, records, then acquires and
// releases the slot (the receiver's acquire and release come next, in
// the receiver's goroutine). A receive acquires and releases its slot,
// then records. A close and a receive from the closed channel are as on
// an unbuffered channel.
func (x *traceIndex) bufExtent(r uint64, m *chanModel) (chanOp, bool) {
	e := &x.events[r]
	evs, p := x.perG[e.G], int(x.pos[r])
	at := func(q int) *Event {
		if q < 0 || q >= len(evs) {
			return nil
		}
		return &x.events[evs[q]]
	}
	is := func(q int, op Op, addr uint64) bool {
		ev := at(q)
		return ev != nil && ev.Op == op && ev.Addr == addr && !ev.Atomic
	}
	// slot reports whether q and q+1 are the acquire and release of a
	// slot.
	slot := func(q int) bool {
		ev := at(q)
		if ev == nil || ev.Op != Acquire || ev.Atomic || !is(q+1, Release, ev.Addr) {
			return false
		}
		m.slots[ev.Addr] = true
		return true
	}
	op := chanOp{rec: r, send: e.Op == ChanSend, closing: e.Op == ChanClose, closed: e.Op == ChanRecv && e.Slot() == -2}
	switch {
	case op.closing && is(p-2, Write, m.edge) && is(p-1, Release, m.edge):
		op.first, op.last = evs[p-2], r
	case op.closing:
		return op, false
	case op.closed && is(p-1, Acquire, m.edge):
		op.first, op.last = evs[p-1], r
	case op.closed:
		return op, false
	case op.send && is(p-3, Read, m.edge) && slot(p-2):
		op.first, op.last, op.commit = evs[p-3], r, evs[p-2]
	case op.send && e.Slot() == -1 && is(p-1, Read, m.edge) && slot(p+1):
		op.first, op.last, op.commit = evs[p-1], evs[p+2], evs[p+1]
	case !op.send && slot(p-2):
		op.first, op.last, op.commit = evs[p-2], r, evs[p-2]
	default:
		return op, false
	}
	return op, true
}
