// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockorder

import (
	"runtime/race"
	"slices"
	"strconv"
	"strings"

	"drace/toolkit/code"
	"drace/toolkit/pages"
)

// Channels in the lock-order graph. A channel has two nodes, one per
// blocked side: dirSend stands for "blocked sending on the
// channel, waiting for a receiver", dirRecv for "blocked receiving,
// waiting for a sender or a close". Two kinds of edge reach them:
//
//   - L→C (a holder edge): a goroutine performed a send (or receive) on C
//     while it held L. In another schedule its peer is not there yet, and
//     it blocks on C with L held.
//   - C→L (a peer edge): a goroutine that served that side of C (received
//     from it, for dirSend; sent on it or closed it, for dirRecv) had
//     acquired L since its previous channel operation, or held it: it
//     needs L before it can reach its operation on C.
//
// A cycle through C is a deadlock only if the goroutine blocked on C and
// the peer differ and the peer is the only goroutine that ever served that
// side of C (but the blocked one): chooseMixed checks it.
//
// An operation on a buffered channel blocks only on a full buffer (a
// send) or an empty one (a receive). A holder edge is added for one that
// waited in this run (race.ChanWaited), and for a send that found room
// when the channel's senders can fill its buffer without any receive in
// between (fillable): the sum over its senders of their longest run of
// sends on it with no wait for another goroutine between them (burst)
// exceeds its capacity. A receive that found a value is never an edge:
// the value may have been sent before the receiver could lock.

// A chanDir is the blocked side of a channel a node stands for.
type chanDir uint8

const (
	dirSend chanDir = 1 // blocked sending: waits for a receiver
	dirRecv chanDir = 2 // blocked receiving: waits for a sender or a close
)

// maxRecent bounds the locks a goroutine remembers acquiring since its
// last channel operation.
const maxRecent = 8

// A chanInfo is a channel, known from its ChanMake event.
type chanInfo struct {
	addr uintptr
	size int64 // the buffer's capacity, 0 if unbuffered

	mu    race.SpinLock // guards dead, peers, nodes and the bursts
	dead  bool          // freed
	peers [2]peerSet    // by the side served (dir-1): receivers for dirSend, senders and closers for dirRecv
	nodes [2]*lockNode  // by side (dir-1), made when an edge first needs one

	// For a buffered channel: its senders' bursts, made at its first
	// send, and whether they can fill the buffer.
	bursts   *bursts
	fillable bool
}

// The bursts of a buffered channel's first senders, and the sends of
// later ones (each counted alone).
type bursts struct {
	b     [maxBursts]burst
	n     int
	extra int64
}

// maxBursts bounds the senders whose bursts a buffered channel keeps.
const maxBursts = 8

// A burst is a goroutine's run of sends on a buffered channel: those it
// made since it last waited for another goroutine (gstate.epoch), and the
// longest such run.
type burst struct {
	gid          int64
	epoch        uint64
	run, longest int64
}

// noteSend counts a send on the buffered channel c by g, and reports
// whether c's senders can fill its buffer: the sum of their longest
// bursts exceeds its capacity.
func (c *chanInfo) noteSend(g *gstate) bool {
	c.mu.Lock()
	fillable, none := c.fillable, c.bursts == nil
	c.mu.Unlock()
	if fillable {
		return true
	}
	var nb *bursts
	if none {
		nb = new(bursts) // allocate outside the lock
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fillable {
		return true // meanwhile (bursts dropped)
	}
	if c.bursts == nil {
		c.bursts = nb
	}
	t := c.bursts
	i := 0
	for i < t.n && t.b[i].gid != g.id {
		i++
	}
	if i == t.n {
		if i == maxBursts {
			t.extra++
			i = -1
		} else {
			t.b[i] = burst{gid: g.id, epoch: g.epoch}
			t.n++
		}
	}
	if i >= 0 {
		b := &t.b[i]
		if b.epoch != g.epoch {
			b.epoch, b.run = g.epoch, 0
		}
		b.run++
		b.longest = max(b.longest, b.run)
	}
	fill := t.extra
	for _, b := range t.b[:t.n] {
		fill += b.longest
	}
	if fill > c.size {
		c.fillable, c.bursts = true, nil // the bursts are no longer needed
	}
	return c.fillable
}

// A peerSet counts the distinct goroutines that served a side of a
// channel, keeping the first few.
type peerSet struct {
	n   int // distinct goroutines, len(ids)+1 meaning more than are kept
	ids [2]int64
}

func (p *peerSet) add(gid int64) {
	if p.n > len(p.ids) || slices.Contains(p.ids[:p.n], gid) {
		return
	}
	if p.n < len(p.ids) {
		p.ids[p.n] = gid
	}
	p.n++
}

// only reports whether peer is the only goroutine but blocked that served
// the side.
func (p *peerSet) only(blocked, peer int64) bool {
	if p.n > len(p.ids) || blocked == peer {
		return false
	}
	for _, id := range p.ids[:p.n] {
		if id != blocked && id != peer {
			return false
		}
	}
	return slices.Contains(p.ids[:p.n], peer)
}

// onlyPeer reports whether peer is the only goroutine but blocked that
// served side dir of c.
func (c *chanInfo) onlyPeer(dir chanDir, blocked, peer int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peers[dir-1].only(blocked, peer)
}

// node returns c's node for side dir, nil if c was freed.
func (c *chanInfo) node(dir chanDir) *lockNode {
	c.mu.Lock()
	n, dead := c.nodes[dir-1], c.dead
	c.mu.Unlock()
	if dead {
		return nil
	}
	if n != nil {
		return n
	}
	nn := &lockNode{addr: c.addr + uintptr(dir), ch: c, dir: dir} // allocate outside the lock
	c.mu.Lock()
	if c.nodes[dir-1] == nil && !c.dead {
		c.nodes[dir-1] = nn
	}
	n = c.nodes[dir-1]
	c.mu.Unlock()
	return n
}

// drop marks c and its nodes freed. It runs inside the allocator.
func (c *chanInfo) drop() {
	c.mu.Lock()
	c.dead = true
	for _, n := range c.nodes {
		if n != nil {
			n.mu.Lock()
			n.dead = true
			n.mu.Unlock()
		}
	}
	c.mu.Unlock()
}

// A pendingOp is a channel operation a goroutine made holding locks: a
// holder edge from each, once the goroutine's next event shows that the
// operation was not a select's case (a select may have had a default, or
// other cases to take).
type pendingOp struct {
	ch    *chanInfo
	dir   chanDir
	pc    uintptr
	stack race.StackID
	held  []held
}

// noteRecent records that g acquired h, for the peer edges of its next
// channel operation.
func (g *gstate) noteRecent(h held) {
	if i := slices.IndexFunc(g.recent, func(o held) bool { return o.node == h.node }); i >= 0 {
		g.recent = slices.Delete(g.recent, i, i+1)
	}
	if len(g.recent) == maxRecent {
		g.recent = slices.Delete(g.recent, 0, 1)
	}
	g.recent = append(g.recent, h)
}

func (g *gstate) resetRecent() {
	clear(g.recent) // do not keep nodes alive
	g.recent = g.recent[:0]
}

// makeChan records the channel of capacity size made at addr: a bit of
// its page and, if buffered, its chanInfo (an unbuffered one's is made at
// its first send, receive or close).
func (d *detector) makeChan(addr uintptr, size int64) {
	var nc *chanInfo
	if size > 0 {
		nc = &chanInfo{addr: addr, size: size} // allocate outside the lock
	}
	i := (addr & (pages.PageSize - 1)) / 8
	s, p := d.pages.Lock(addr>>pageShift, true)
	p.chanBits[i/64] |= 1 << (i % 64)
	if c := p.chans[addr]; c != nil { // a channel freed without OnFree
		c.drop()
		delete(p.chans, addr)
	}
	if nc != nil {
		if p.chans == nil {
			p.chans = make(map[uintptr]*chanInfo)
		}
		p.chans[addr] = nc
	}
	s.Unlock()
}

// chanOf returns the channel at addr, nil if there is none.
func (d *detector) chanOf(addr uintptr) *chanInfo {
	key := addr >> pageShift
	i := (addr & (pages.PageSize - 1)) / 8
	s, p := d.pages.Lock(key, false)
	if p == nil || p.chanBits[i/64]&(1<<(i%64)) == 0 {
		s.Unlock()
		return nil // made before the detector ran
	}
	c := p.chans[addr]
	s.Unlock()
	if c != nil {
		return c
	}
	nc := &chanInfo{addr: addr} // allocate outside the lock
	s, p = d.pages.Lock(key, false)
	defer s.Unlock()
	if p == nil || p.chanBits[i/64]&(1<<(i%64)) == 0 {
		return nil // freed meanwhile
	}
	if c = p.chans[addr]; c == nil {
		if p.chans == nil {
			p.chans = make(map[uintptr]*chanInfo)
		}
		c = nc
		p.chans[addr] = c
	}
	return c
}

// onChan handles the events of channels, selects and WaitGroup.Wait.
func (d *detector) onChan(op *race.SyncOp) {
	if op.Kind == race.SelectCase {
		// A select's cases, between its chosen case's event and its
		// Select: they say nothing of what it did.
		return
	}
	g, _ := op.G.State.(*gstate) // no state: the goroutine never locked
	if g != nil && g.pending.ch != nil {
		if op.Kind == race.Select && op.Arg >= 0 && op.Obj == g.pending.ch.addr {
			g.pending.ch = nil // a select's case
			clear(g.pending.held)
		} else {
			d.commit(g)
		}
	}
	var served, blocks chanDir
	slot, waited := race.ChanArg(op.Arg)
	switch op.Kind {
	case race.ChanMake:
		d.makeChan(op.Obj, op.Arg)
		return
	case race.ChanSend:
		served, blocks = dirRecv, dirSend
	case race.ChanRecv:
		blocks = dirRecv
		if slot != -2 { // not the zero value of a closed channel
			served = dirSend
		}
	case race.ChanClose:
		served = dirRecv
	case race.Select, race.WaitGroupWait:
		if g != nil {
			g.resetRecent()
			g.epoch++
		}
		return
	case race.CondWait:
		// It waited for a Signal: its bursts end. The lock the Wait
		// took again stays among its recent ones.
		if g != nil {
			g.epoch++
		}
		return
	default:
		return
	}
	c := d.chanOf(op.Obj)
	if g != nil && (op.Kind == race.ChanRecv || waited || op.Kind == race.ChanSend && (c == nil || c.size == 0)) {
		g.epoch++ // it waited for, or met, another goroutine: its bursts end
	}
	if c == nil { // made before the detector ran
		if g != nil {
			g.resetRecent()
		}
		return
	}
	if served != 0 {
		c.mu.Lock()
		c.peers[served-1].add(op.G.ID)
		c.mu.Unlock()
	}
	if c.size > 0 && blocks != 0 && !waited {
		// A buffered channel's send or receive that did not wait
		// blocks in another schedule only for a send whose channel
		// the senders can fill.
		if op.Kind != race.ChanSend {
			blocks = 0
		} else {
			if g == nil {
				g = d.state(op.G)
			}
			if !c.noteSend(g) {
				blocks = 0
			}
		}
	}
	if g == nil {
		return
	}
	if op.PC != 0 && d.code.Class(op.PC) != code.Ignored {
		hs := g.snapshot()
		if served != 0 && len(g.recent)+len(hs) > 0 {
			d.peerEdges(g, op, c.node(served), hs)
		}
		if blocks != 0 && len(hs) > 0 {
			g.pending = pendingOp{ch: c, dir: blocks, pc: op.PC, stack: op.Stack, held: append(g.pending.held[:0], hs...)}
		}
		clear(g.snap)
	}
	g.resetRecent()
}

// peerEdges adds the edges from the channel side from, which g's
// operation op served, to the locks g needed to reach op: those it
// acquired since its previous channel operation and those it holds (hs).
func (d *detector) peerEdges(g *gstate, op *race.SyncOp, from *lockNode, hs []held) {
	if from == nil {
		return
	}
	needs := func(h held) {
		if h.node.isDead() {
			return
		}
		t := taker{gid: g.id, pc: h.pc, stack: h.stack, heldPC: op.PC, heldStack: op.Stack, toMode: h.mode}
		d.link(from, h.node, t, nil, false)
	}
	for _, h := range g.recent {
		needs(h)
	}
	for _, h := range hs {
		if !slices.ContainsFunc(g.recent, func(o held) bool { return o.node == h.node }) {
			needs(h)
		}
	}
}

// commit adds the holder edges of g's pending channel operation: from
// each lock g held to the channel side it may block on.
func (d *detector) commit(g *gstate) {
	p := g.pending
	g.pending.ch = nil
	defer clear(p.held) // do not keep nodes alive
	to := p.ch.node(p.dir)
	if to == nil {
		return
	}
	for i, h := range p.held {
		if h.node.isDead() || slices.ContainsFunc(p.held[:i], func(o held) bool { return o.node == h.node }) {
			continue
		}
		t := taker{gid: g.id, pc: p.pc, stack: p.stack, heldPC: h.pc, heldStack: h.stack, fromMode: h.mode}
		d.link(h.node, to, t, nil, false)
	}
}

// maxChoices bounds the combinations of takers chooseMixed tries.
const maxChoices = 1 << 10

// chooseMixed chooses a taker per edge of a cycle through channels, cur
// for the first, such that it can deadlock: at each channel side, the
// goroutine blocked there (the edge into it) and its peer (the edge out)
// differ and the peer is the only goroutine but the blocked one that
// served the side; at each lock, the goroutine that needs it and the one
// holding it do not both read-lock it. It returns nil if no choice does.
func chooseMixed(cycle []*edge, cur *taker) []*taker {
	takers := make([]*taker, len(cycle))
	takers[0] = cur
	tries := 0
	var try func(i int) bool
	try = func(i int) bool {
		if tries++; tries > maxChoices {
			return false
		}
		if i == len(cycle) {
			return feasible(cycle, takers)
		}
		ce := cycle[i]
		for j := range ce.takers[:ce.n] {
			takers[i] = &ce.takers[j]
			if try(i + 1) {
				return true
			}
		}
		return false
	}
	if !try(1) {
		return nil
	}
	return takers
}

func feasible(cycle []*edge, takers []*taker) bool {
	for i, ce := range cycle {
		next := (i + 1) % len(cycle)
		in, out := takers[i], takers[next]
		if n := ce.to; n.ch != nil {
			if !n.ch.onlyPeer(n.dir, in.gid, out.gid) {
				return false
			}
		} else if in.toMode == modeRead && out.fromMode == modeRead {
			return false
		}
	}
	return true
}

// mixedReport returns the message and accesses of a report of a cycle
// through channels: the chain of its edges, one access per edge.
// The chain starts at a goroutine that holds a lock and blocks on a
// channel.
func mixedReport(cycle []*edge, takers []*taker) (string, []race.ReportAccess) {
	if i := slices.IndexFunc(cycle, func(ce *edge) bool { return ce.from.ch == nil && ce.to.ch != nil }); i > 0 {
		cycle = append(slices.Clone(cycle[i:]), cycle[:i]...)
		takers = append(slices.Clone(takers[i:]), takers[:i]...)
	}
	nlocks, nchans := 0, 0
	var chain []string
	acc := make([]race.ReportAccess, len(cycle))
	for i, ce := range cycle {
		t := takers[i]
		a := race.ReportAccess{Previous: i > 0, G: t.gid, PC: t.pc, Stack: t.stack}
		g := "goroutine " + strconv.FormatInt(t.gid, 10)
		switch {
		case ce.from.ch == nil:
			nlocks++
			held := hex(ce.from.addr) + " (" + t.fromMode.String() + ", locked at " + code.FileLine(t.heldPC) + ")"
			chain = append(chain, g+" holds "+held)
			if to := ce.to; to.ch != nil {
				what := "blocked sending on chan " + hex(to.ch.addr)
				a.Verb = "Send"
				if to.dir == dirRecv {
					what = "blocked receiving from chan " + hex(to.ch.addr)
					a.Verb = "Receive"
				}
				a.Addr = to.ch.addr
				if n := to.ch.size; n > 0 {
					empty := "full"
					if to.dir == dirRecv {
						empty = "empty"
					}
					what += " (its buffer of " + strconv.FormatInt(n, 10) + " " + empty + ")"
				}
				a.Note = "holding " + held + ", " + what
				if to.ch.size == 0 {
					a.Note += " (unbuffered)"
				}
				chain = append(chain, what+" at "+code.FileLine(t.pc))
			} else {
				a.Verb, a.Addr = t.toMode.verb(), to.addr
				a.Note = "holding " + held + ", requests " + hex(to.addr) + " (" + t.toMode.String() + ")"
				chain = append(chain, "requests "+hex(to.addr)+" at "+code.FileLine(t.pc))
			}
		default:
			nchans++
			peer, op := "receiver", "receives"
			if ce.from.dir == dirRecv {
				peer, op = "sender", "sends or closes"
			}
			lock := hex(ce.to.addr) + " (" + t.toMode.String() + ")"
			a.Verb, a.Addr = t.toMode.verb(), ce.to.addr
			a.Note = "the only " + peer + " on chan " + hex(ce.from.ch.addr) + " first needs " + lock +
				", then " + op + " at " + code.FileLine(t.heldPC)
			chain = append(chain, "only "+peer+" "+g+" first needs "+hex(ce.to.addr)+" at "+code.FileLine(t.pc))
		}
		acc[i] = a
	}
	msg := "lock and channel cycle of " + plural(nlocks, "lock") + " and " + plural(nchans, "channel") + ": " +
		strings.Join(chain, " -> ")
	return msg, acc
}

func plural(n int, s string) string {
	if n != 1 {
		s += "s"
	}
	return strconv.Itoa(n) + " " + s
}
