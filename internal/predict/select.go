// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"errors"
	"fmt"
	"runtime/race"
	"slices"
)

// A select's case, as its ChanSelectCase record has it.
func caseIndex(e *Event) int64  { return int64(e.Size) & race.SelectCaseIndex }
func caseSends(e *Event) bool   { return int64(e.Size)&race.SelectCaseSend != 0 }
func caseIsTimer(e *Event) bool { return int64(e.Size)&race.SelectCaseTimer != 0 }

// selectShape returns, for the ChanSelect record k, its ChanSelectCase
// records (just before it in its goroutine) and the record of the
// operation of the case it chose (just before them), none if the select
// has no case records (default chosen, a trace before version 5, a
// select of one case and a default).
func (x *traceIndex) selectShape(k uint64) (cases []uint64, chosen uint64) {
	e := &x.events[k]
	evs, p := x.perG[e.G], int(x.pos[k])
	q := p - 1
	for q >= 0 && x.events[evs[q]].Op == ChanSelectCase {
		q--
	}
	if q < 0 || q == p-1 || e.Addr == 0 {
		return nil, none
	}
	return evs[q+1 : p], evs[q]
}

// inBigSelect reports whether the channel operation op (of a model) is a
// case of a select with more than one case: the select could take
// another case, so the operation may never block for good.
func (x *traceIndex) inBigSelect(op *chanOp) bool {
	evs := x.perG[x.events[op.last].G]
	for q := int(x.pos[op.last]) + 1; q < len(evs); q++ {
		switch x.events[evs[q]].Op {
		case ChanSelectCase:
			continue
		case ChanSelect:
			cases, _ := x.selectShape(evs[q])
			return len(cases) != 1 // none: a trace without cases, assume more
		}
		return false // the operation's events end with no select
	}
	return false
}

// selectLeak tries to predict that the select whose ChanSelect record is
// k leaves the sender of the value it received blocked for good: the
// select chose a receive on an unbuffered channel, another of its cases
// (a timer's channel, or a channel a close not ordered after the select
// can close first) could have been chosen instead, and then no receiver
// but those that depend on the select is left for the send.
func (x *traceIndex) selectLeak(k uint64) *Block {
	cases, rec := x.selectShape(k)
	if len(cases) < 2 || x.events[rec].Op != ChanRecv || x.events[rec].Addr != x.events[k].Addr {
		return nil
	}
	m := x.chanModel(rec)
	if m == nil {
		return nil
	}
	v := &m.ops[m.opOf[rec]]
	if !v.paired() {
		return nil
	}
	p := &m.ops[v.partner]
	gS, gP := x.events[k].G, x.events[p.first].G
	if gS == gP || x.inBigSelect(p) {
		return nil
	}
	chosen := x.events[k].Slot()
	for _, c := range cases {
		ce := &x.events[c]
		if caseIndex(ce) == chosen || caseSends(ce) || ce.Addr == m.addr {
			continue
		}
		if caseIsTimer(ce) {
			if b := x.selectLeakWith(k, c, none, m, v, p); b != nil {
				return b
			}
			continue
		}
		for _, cl := range x.closesOf(ce.Addr, k) {
			if b := x.selectLeakWith(k, c, cl, m, v, p); b != nil {
				return b
			}
			break // the first close only: a channel is closed once
		}
	}
	return nil
}

// closesOf returns the ChanClose records of the channel at addr that the
// select record k names: those with no make at the address between them
// and k.
func (x *traceIndex) closesOf(addr, k uint64) []uint64 {
	var out []uint64
	recs := x.chanRecs[addr]
	for _, r := range recs {
		if x.events[r].Op != ChanClose {
			continue
		}
		lo, hi := min(r, k), max(r, k)
		made := false
		for _, q := range recs[countBefore(recs, lo):countBefore(recs, hi)] {
			made = made || q != r && x.events[q].Op == ChanMake
		}
		if !made {
			out = append(out, r)
		}
	}
	return out
}

// selectLeakWith builds and checks the witness of a select leak: the
// select k takes case c (made ready by the close cl, none for a timer's)
// while the sender p waits at its send.
func (x *traceIndex) selectLeakWith(k, c, cl uint64, m *chanModel, v, p *chanOp) *Block {
	gS, gP := x.events[k].G, x.events[p.first].G
	cutS, cutP := int(x.pos[v.first]), int(x.pos[p.first])
	need := make([]int, len(x.perG))
	need[gS], need[gP] = cutS, cutP
	if cl != none {
		x.through(need, cl, 1)
	}
	limit := x.limits(gS, cutS)
	limit[gP] = cutP
	in := func(i uint64) bool { return int(x.pos[i]) < need[x.events[i].G] }
	for {
		x.depends(need)
		x.close(need, limit)
		grown := false
		for j := range m.ops {
			if o := &m.ops[j]; in(o.first) && !in(o.last) {
				x.through(need, o.last, 1)
				grown = true
			}
		}
		if !grown {
			break
		}
	}
	if need[gS] != cutS || need[gP] != cutP || cl != none && !in(cl) {
		return nil // the close depends on the select, or the send on it
	}
	sched, err := x.schedule(need, nil)
	if err != nil {
		return nil
	}
	cause := []uint64{k, c}
	if cl != none {
		cause = append(cause, cl)
	}
	return &Block{Kind: SelectLeak, Wait: p.rec, Cause: cause, Schedule: sched}
}

// checkSelectLeak verifies, after the schedule ran in s (the channel's
// edges as fixed ones), that b's send waits for good: the select is at
// its chosen receive and its sender at the send, the other case is
// ready (a timer's, or its channel closed in the schedule), every
// operation of the channel in the schedule is whole, every receive,
// close and select case of the channel left out depends on the select
// and is another goroutine's.
func (x *traceIndex) checkSelectLeak(b *Block, s *schedState, in func(uint64) bool) error {
	if len(b.Cause) < 2 || len(b.Cause) > 3 {
		return errors.New("block: a select leak names the select, its case and the close")
	}
	k, c := b.Cause[0], b.Cause[1]
	for _, i := range b.Cause {
		if i >= uint64(len(x.events)) {
			return errors.New("block: cause out of range")
		}
	}
	if x.events[k].Op != ChanSelect {
		return errors.New("block: not a select")
	}
	cases, rec := x.selectShape(k)
	if len(cases) < 2 || x.events[rec].Op != ChanRecv || x.events[rec].Addr != x.events[k].Addr {
		return errors.New("block: the select did not receive on one of its cases")
	}
	ce := &x.events[c]
	if !containsEvent(cases, c) || ce.Op != ChanSelectCase || caseSends(ce) || caseIndex(ce) == x.events[k].Slot() || ce.Addr == x.events[k].Addr {
		return errors.New("block: not another receive case of the select")
	}
	m := x.chanModel(rec)
	if m == nil {
		return errors.New("block: a channel block does not model (buffered, or of another shape)")
	}
	v := &m.ops[m.opOf[rec]]
	if !v.paired() {
		return errors.New("block: the select received from the closed channel")
	}
	p := &m.ops[v.partner]
	if p.rec != b.Wait || !p.send {
		return errors.New("block: not the send the select received from")
	}
	if x.inBigSelect(p) {
		return errors.New("block: the send is a case of a select")
	}
	gS, gP := x.events[k].G, x.events[p.first].G
	if s.done[gS] != int(x.pos[v.first]) {
		return errors.New("block: the select's goroutine is not at its receive")
	}
	if s.done[gP] != int(x.pos[p.first]) {
		return errors.New("block: the goroutine is not at its send")
	}
	switch {
	case caseIsTimer(ce):
		if len(b.Cause) != 2 {
			return errors.New("block: a timer's case with a close")
		}
	case len(b.Cause) != 3:
		return errors.New("block: the case is not ready")
	default:
		cl := b.Cause[2]
		if e := &x.events[cl]; e.Op != ChanClose || e.Addr != ce.Addr || !in(cl) {
			return errors.New("block: the case's channel is not closed in the schedule")
		}
		if !containsEvent(x.closesOf(ce.Addr, k), cl) {
			return errors.New("block: the close is of another channel at the address")
		}
	}
	until := m.end
	for _, q := range x.selCases[m.addr] {
		until = max(until, q)
	}
	// What depends on the select, the channel's edges counting for
	// nothing (as for a receive hang): a later receiver's acquire of
	// the select's release does not make it wait for the select.
	x.free = m
	afterS := x.after(v.first, until)
	x.free = nil
	for j := range m.ops {
		o := &m.ops[j]
		switch {
		case in(o.first) && !in(o.last):
			return fmt.Errorf("block: channel operation at %d left unfinished", o.first)
		case in(o.first) && o.paired() && !in(m.ops[o.partner].first):
			return fmt.Errorf("block: channel operation at %d without its partner", o.first)
		case !in(o.first) && o != v && !o.send && (!afterS[o.first] || x.events[o.first].G == gS):
			// Another goroutine's receive that does not wait for the
			// select, or the select's goroutine's own later receive
			// (a loop around the select), could take the value.
			return fmt.Errorf("block: receive %d, left out, could take the send", o.rec)
		case !in(o.first) && o.closing && !afterS[o.first]:
			return fmt.Errorf("block: close %d, left out, could end the send", o.rec)
		}
	}
	for _, q := range x.selCases[m.addr] {
		e := &x.events[q]
		if !in(q) && !caseSends(e) && (!afterS[q] || e.G == gS) && !containsEvent(cases, q) {
			return fmt.Errorf("block: select case %d, left out, could take the send", q)
		}
	}
	return nil
}

func containsEvent(list []uint64, i uint64) bool { return slices.Contains(list, i) }
