// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockorder

import (
	"cmp"
	"runtime/race"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"drace/toolkit/code"
	"drace/toolkit/locks"
	"drace/toolkit/pages"
)

// Policy is the lock-order (potential deadlock) detector.
var Policy = &race.Policy{
	Name: "lockorder",
	Doc: `report potential deadlocks: lock order cycles and recursive locking

lockorder follows the sync.Mutex and sync.RWMutex locks each goroutine
holds and builds a lock-order graph across goroutines (an edge A→B when a
goroutine requests B while holding A). It reports, when a goroutine
requests a lock and before it can block: a cycle in the graph taken by
more than one goroutine and not guarded by a common gate lock; a Lock (or
RLock) of a lock the goroutine already holds; an RLock of an RWMutex the
goroutine already holds for reading; and a Lock of an RWMutex it holds for
reading (lock upgrade). The last two are reported once the goroutine
releases that read lock itself or hangs in the request: a read lock
another goroutine releases was handed over, not its own. Channels join
the graph: a lock held across a
send or receive that may block (on an unbuffered channel, any; on a
buffered one, one that waited, or a send once the senders can fill the
buffer), and a lock the channel's only peer took before its operation,
make a cycle that mixes locks and channels. Locks taken by
package testing, the runtime and internal packages are ignored.`,
	New:    func() race.Detector { return newDetector() },
	Stacks: true,
}

func init() { race.Register(Policy) }

// A mode is how a lock is held or requested.
type mode uint8

const (
	modeMutex mode = iota + 1 // sync.Mutex
	modeRead                  // sync.RWMutex, RLock
	modeWrite                 // sync.RWMutex, Lock
)

func (m mode) exclusive() bool { return m != modeRead }

func (m mode) String() string {
	switch m {
	case modeMutex:
		return "sync.Mutex"
	case modeRead:
		return "sync.RWMutex read"
	case modeWrite:
		return "sync.RWMutex write"
	}
	return "lock"
}

// lockOf returns the toolkit's Lock for the lock at addr held in mode m.
func lockOf(addr uintptr, m mode) locks.Lock {
	return locks.Lock{Addr: addr, RW: m != modeMutex, Read: m == modeRead}
}

func modeOf(l locks.Lock) mode {
	switch {
	case !l.RW:
		return modeMutex
	case l.Read:
		return modeRead
	}
	return modeWrite
}

func (m mode) verb() string {
	if m == modeRead {
		return "RLock"
	}
	return "Lock"
}

const (
	pageShift = pages.PageShift

	// maxVisit bounds the locks a cycle search visits.
	maxVisit = 1 << 14
)

// A lockNode is a lock (its address) in the lock-order graph. A lock
// whose memory is freed is dropped from the table and marked dead; a
// lock later allocated at the same address gets a new node.
type lockNode struct {
	// addr is the lock's address; for a channel's node (ch non-nil),
	// the channel's address plus its direction, a key no lock has.
	addr uintptr
	ch   *chanInfo
	dir  chanDir // for a channel's node: the blocked side it stands for

	// mu guards dead, holders and out. out is written only with the
	// detector's graphMu held too, so a cycle search holding graphMu
	// reads every node's out without their mu.
	mu      race.SpinLock
	dead    bool // freed (a plain bool: OnFree must not use sync/atomic)
	holders []*gstate
	out     map[uintptr]*edge // by the address of the requested lock
}

// An edge from→to of the lock-order graph: some goroutine requested to
// while holding from.
type edge struct {
	from, to *lockNode
	// takers are the first goroutine to take the edge and the first
	// other one.
	n      int
	takers [2]taker
	// gates are the locks held exclusively, before from was acquired,
	// every time the edge was taken.
	gates []*lockNode
}

// A taker is a goroutine that took an edge: where it requested the lock
// and where it had acquired the lock it held. For an edge into a
// channel's node, pc is the channel operation; for an edge out of one, pc
// is where the peer locked the lock it needed and heldPC its channel
// operation. A channel side has mode 0.
type taker struct {
	gid              int64
	pc               uintptr
	stack            race.StackID
	heldPC           uintptr
	heldStack        race.StackID
	fromMode, toMode mode
}

func (n *lockNode) isDead() bool {
	n.mu.Lock()
	dead := n.dead
	n.mu.Unlock()
	return dead
}

func (e *edge) takenBy(gid int64) bool {
	for i := range e.takers[:e.n] {
		if e.takers[i].gid == gid {
			return true
		}
	}
	return false
}

// A held lock of a goroutine, with where it was acquired (first, for a
// read lock held n times).
type held struct {
	node  *lockNode
	mode  mode
	pc    uintptr
	stack race.StackID
	n     int32
}

// A gstate is a goroutine's state: the locks it holds, in acquisition
// order, each with its node as Data (the toolkit's held-lock list,
// without lock sets). mu guards held: another goroutine may unlock a lock
// this one holds.
type gstate struct {
	id   int64
	mu   race.SpinLock
	held locks.Held
	// rwr are g's recursive read lockings not yet settled, each
	// waiting for the earlier read lock it names to be released (under
	// mu): by g itself, it is reported; by another goroutine, dropped.
	rwr []rwrFinding
	// snap is scratch space for a copy of held (own goroutine only).
	snap []held
	// waiting is the lock g requested while another goroutine held it,
	// until g acquires it (own goroutine only, or with the detector's
	// waitMu held).
	waiting held

	// recent are the locks g acquired (Lock, RLock) since its last
	// channel operation or WaitGroup.Wait, at most maxRecent, and
	// pending a channel operation g made holding locks, until its next
	// event tells that it was not a select's (own goroutine only).
	recent  []held
	pending pendingOp
	// epoch counts the times g waited for or met another goroutine
	// (a receive, a send that waited or on an unbuffered channel, a
	// select, WaitGroup.Wait, Cond.Wait): the end of its bursts of
	// sends on buffered channels (own goroutine only).
	epoch uint64
}

type lpage struct {
	nodes map[uintptr]*lockNode
	chans map[uintptr]*chanInfo // channels, by address
	// chanBits has a bit per 8-byte word of the page, set where a
	// channel was made; chans has the buffered ones and the unbuffered
	// ones that were used.
	chanBits [chanWords]uint64
}

const chanWords = pages.PageSize / 8 / 64

type detector struct {
	pages pages.Table[lpage, *lpage]

	// graphMu serialises changes to the graph's edges and cycle
	// searches. The fast path (an edge taken before by this goroutine)
	// takes only the source node's mu.
	graphMu race.SpinLock
	cycles  map[string]bool // reported cycles, by their sorted lock addresses

	code *code.Classifier // where lock events are made: see lockCode

	lookup func(id int64) (race.GoroutineStatus, bool) // race.LookupGoroutine

	// waiters are the goroutines that requested a lock held by another
	// one and have not acquired it yet: whom a deadlock report names as
	// waiting for a lock's holders.
	waitMu  race.SpinLock
	waiters map[int64]*gstate

	repMu   race.SpinLock
	reports []race.Report
	pending atomic.Bool      // reports holds reports; read without repMu
	seen    map[siteKey]bool // reported recursive-locking pairs

	// rwrGs are the goroutines with recursive read lockings not yet
	// settled (gstate.rwr), for the deadlock checks, test ends and the
	// exit to report. rwrMu is taken before a gstate's mu.
	rwrMu race.SpinLock
	rwrGs map[int64]*gstate
}

// An rwrFinding is a recursive read locking or a lock upgrade waiting for
// the release of the earlier read lock it names: the request was made holding it, but the
// lock may have been handed to another goroutine to release. Read locks of
// one lock are anonymous: the goroutine's releases are taken to release
// its latest read acquisition, another goroutine's the oldest; the
// finding's is the k-th from the oldest (the latest when the request was
// made).
type rwrFinding struct {
	k    int32
	addr uintptr // the lock
	key  siteKey
	rep  race.Report
}

type siteKey struct {
	msg        string
	pc, prevPC uintptr
	st, prevSt race.StackID
}

func newDetector() *detector {
	return &detector{cycles: make(map[string]bool), seen: make(map[siteKey]bool), code: lockCode(),
		waiters: make(map[int64]*gstate), rwrGs: make(map[int64]*gstate), lookup: race.LookupGoroutine}
}

func (d *detector) state(g *race.Goroutine) *gstate {
	s, ok := g.State.(*gstate)
	if !ok {
		s = &gstate{id: g.ID}
		g.State = s
	}
	return s
}

// OnSync implements race.NativeSyncDetector.
func (d *detector) OnSync(op race.SyncOp) {
	if op.G == nil {
		return
	}
	if op.Kind > race.RWMutexUnlock || op.Kind < race.MutexLockWait {
		d.onChan(&op)
		return
	}
	g := d.state(op.G)
	if g.pending.ch != nil {
		d.commit(g)
	}
	switch op.Kind {
	case race.MutexUnlock:
		// Unlocks are not filtered: a lock is unlocked where it is
		// (by a deferred call run by the runtime in a panic, for
		// example); a lock never recorded is not found.
		d.release(g, lockOf(op.Obj, modeMutex))
		return
	case race.RWMutexUnlock:
		d.release(g, lockOf(op.Obj, modeWrite))
		return
	case race.RWMutexRUnlock:
		d.release(g, lockOf(op.Obj, modeRead))
		return
	}
	if op.PC == 0 || d.code.Class(op.PC) == code.Ignored {
		return // no caller outside sync and the runtime, or ignored
	}
	switch op.Kind {
	case race.MutexLockWait:
		d.wait(g, &op, modeMutex)
	case race.RWMutexLockWait:
		d.wait(g, &op, modeWrite)
	case race.RWMutexRLockWait:
		d.wait(g, &op, modeRead)
	case race.MutexLock:
		d.acquire(g, &op, modeMutex)
	case race.RWMutexLock:
		d.acquire(g, &op, modeWrite)
	case race.RWMutexRLock:
		d.acquire(g, &op, modeRead)
	case race.MutexTryLock:
		if op.Arg == 1 {
			d.acquire(g, &op, modeMutex)
		}
	case race.RWMutexTryLock:
		if op.Arg == 1 {
			d.acquire(g, &op, modeWrite)
		}
	case race.RWMutexTryRLock:
		if op.Arg == 1 {
			d.acquire(g, &op, modeRead)
		}
	}
}

// node returns the live node of the lock at addr, creating it if create.
func (d *detector) node(addr uintptr, create bool) *lockNode {
	key := addr >> pageShift
	s, p := d.pages.Lock(key, false)
	if p != nil {
		if n := p.nodes[addr]; n != nil {
			s.Unlock()
			return n
		}
	}
	s.Unlock()
	if !create {
		return nil
	}
	nn := &lockNode{addr: addr} // allocate outside the lock
	s, p = d.pages.Lock(key, true)
	defer s.Unlock()
	if n := p.nodes[addr]; n != nil {
		return n
	}
	if p.nodes == nil {
		p.nodes = make(map[uintptr]*lockNode)
	}
	p.nodes[addr] = nn
	return nn
}

// snapshot copies g's held locks into g.snap, dropping those of freed
// locks, and returns it.
func (g *gstate) snapshot() []held {
	g.mu.Lock()
	g.dropDead()
	g.snap = g.snap[:0]
	for _, a := range g.held.Locks() {
		g.snap = append(g.snap, held{node: a.Data.(*lockNode), mode: modeOf(a.Lock), pc: a.PC, stack: a.Stack, n: a.N})
	}
	g.mu.Unlock()
	return g.snap
}

// dropDead drops g's held locks that were freed, with g.mu held.
func (g *gstate) dropDead() {
	for i := 0; i < len(g.held.Locks()); {
		a := &g.held.Locks()[i]
		if !a.Data.(*lockNode).isDead() {
			i++
			continue
		}
		for l := a.Lock; g.held.Release(nil, l); {
		}
	}
}

// wait handles a Lock or RLock that may block: it reports recursive
// locking and adds the edges from the locks g holds to the lock.
func (d *detector) wait(g *gstate, op *race.SyncOp, m mode) {
	d.noteWaiting(g, op, m)
	hs := g.snapshot()
	if len(hs) == 0 {
		return
	}
	n := d.node(op.Obj, true)
	for i := range hs {
		if hs[i].node == n {
			d.recursive(g, op, m, &hs[i])
			break
		}
	}
	for i := range hs {
		h := &hs[i]
		if h.node == n || slices.ContainsFunc(hs[:i], func(o held) bool { return o.node == h.node }) {
			continue // the same lock held twice (read): one edge
		}
		d.addEdge(g, op, m, hs, i, n)
	}
	clear(g.snap) // do not keep nodes alive
}

// recursive reports a request for a lock g already holds (h).
func (d *detector) recursive(g *gstate, op *race.SyncOp, m mode, h *held) {
	var msg string
	kind := "sync.Mutex"
	if m != modeMutex {
		kind = "sync.RWMutex"
	}
	switch {
	case m == modeRead && h.mode == modeRead:
		msg = "recursive read locking"
	case m == modeWrite && h.mode == modeRead:
		msg = "lock upgrade"
	default:
		msg = "recursive locking"
	}
	if d.code.Class(op.PC) == code.Std && d.code.Class(h.pc) == code.Std {
		return // the standard library's own locking (see stdOnly)
	}
	key := siteKey{msg, op.PC, h.pc, op.Stack, h.stack}
	d.repMu.Lock()
	seen := d.seen[key]
	d.repMu.Unlock()
	if seen {
		return
	}
	text := msg + " of " + hex(op.Obj) + " (" + kind + ")"
	switch msg {
	case "recursive read locking":
		text += ": RLock of a lock this goroutine holds for reading deadlocks if a writer waits in between"
	case "lock upgrade":
		text += ": Lock of a lock this goroutine holds for reading never returns"
	default:
		text += ": this goroutine holds it (" + h.mode.String() + ")"
	}
	r := race.Report{
		Kind:    "POTENTIAL DEADLOCK",
		Message: text,
		Accesses: []race.ReportAccess{
			{Verb: m.verb(), Addr: op.Obj, G: g.id, PC: op.PC, Stack: op.Stack},
			{Verb: h.mode.verb(), Previous: true, Addr: op.Obj, G: g.id, PC: h.pc, Stack: h.stack},
		},
	}
	if h.mode == modeRead {
		// Recursive read locking or lock upgrade: the read lock held
		// may be another goroutine's to release.
		d.deferRWR(g, h.n, rwrFinding{k: h.n, addr: op.Obj, key: key, rep: r})
		return
	}
	d.emit(key, r)
}

// emit adds the recursive-locking report r, unless its sites were
// reported already.
func (d *detector) emit(key siteKey, r race.Report) {
	d.repMu.Lock()
	defer d.repMu.Unlock()
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.reports = append(d.reports, r)
	d.pending.Store(true)
}

// deferRWR keeps the recursive read locking or lock upgrade f of g until
// the earlier read lock it names is released. A read lock is g's only
// until it is released: a goroutine may read-lock for another to release
// (bbolt's read transactions), and then g's RLock waits, if a writer
// arrives in between, and g's Lock waits, for the other goroutine's
// release, not for g; released by g itself, it was g's all along.
// g held the lock n times in read mode at the request.
func (d *detector) deferRWR(g *gstate, n int32, f rwrFinding) {
	d.rwrMu.Lock()
	defer d.rwrMu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	// Other goroutines' releases since the snapshot released the oldest.
	for _, a := range g.held.Locks() {
		if a.Lock == lockOf(f.addr, modeRead) {
			f.k -= n - a.N
		}
	}
	if f.k <= 0 || !g.held.Holds(lockOf(f.addr, modeRead)) {
		return // released by another goroutine since the snapshot
	}
	if slices.ContainsFunc(g.rwr, func(o rwrFinding) bool { return o.key == f.key && o.k == f.k }) {
		return
	}
	g.rwr = append(g.rwr, f)
	d.rwrGs[g.id] = g
}

// settleRWR settles, with holder.mu held, the recursive read lockings of
// holder that wait for a read lock of addr, which holder held n times and
// which was just released once, by holder itself if own (its latest
// acquisition), else by another goroutine (its oldest). It returns those
// to report and whether holder has none left waiting.
func (holder *gstate) settleRWR(addr uintptr, n int32, own bool) (fs []rwrFinding, empty bool) {
	kept := holder.rwr[:0]
	for _, f := range holder.rwr {
		if f.addr == addr {
			switch {
			case own && f.k == n:
				fs = append(fs, f)
				continue
			case !own:
				if f.k--; f.k <= 0 {
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	clear(holder.rwr[len(kept):])
	holder.rwr = kept
	return fs, len(holder.rwr) == 0
}

// resolveRWR reports fs, the recursive read lockings of holder settled by
// a release, and forgets holder if it has none left waiting.
func (d *detector) resolveRWR(holder *gstate, fs []rwrFinding, empty bool) {
	for _, f := range fs {
		d.emit(f.key, f.rep)
	}
	if empty {
		d.rwrMu.Lock()
		holder.mu.Lock()
		d.untrackRWR(holder)
		holder.mu.Unlock()
		d.rwrMu.Unlock()
	}
}

// untrackRWR forgets g in rwrGs once it has no pending finding
// (d.rwrMu and g.mu held).
func (d *detector) untrackRWR(g *gstate) {
	if len(g.rwr) == 0 && d.rwrGs[g.id] == g {
		delete(d.rwrGs, g.id)
	}
}

// flushRWR reports the recursive read lockings still waiting of the
// blocked goroutines: a deadlock check found them blocked for good still
// holding the earlier read lock (the RWR deadlock itself: the second RLock
// waits behind a writer that waits for the first). The findings stay
// until settled, so that the exit and test ends look up the same
// goroutines as in a replay, where no deadlock check is told (the
// reports are made once: emit).
func (d *detector) flushRWR(blocked []int64) {
	var fs []rwrFinding
	d.rwrMu.Lock()
	for _, id := range blocked {
		g := d.rwrGs[id]
		if g == nil {
			continue
		}
		g.mu.Lock()
		fs = append(fs, g.rwr...)
		g.mu.Unlock()
	}
	d.rwrMu.Unlock()
	for _, f := range fs {
		d.emit(f.key, f.rep)
	}
}

// flushStuck reports the recursive read lockings and lock upgrades still
// waiting whose goroutine is parked in an RLock or Lock of the same lock:
// the RWR deadlock or the upgrade's, found when a test ends or the program
// exits, as the runtime tells a deadlock of goroutines a test left behind
// only later, if at all.
func (d *detector) flushStuck() {
	d.rwrMu.Lock()
	gs := make([]*gstate, 0, len(d.rwrGs))
	for _, g := range d.rwrGs {
		gs = append(gs, g)
	}
	d.rwrMu.Unlock()
	slices.SortFunc(gs, func(a, b *gstate) int { return cmp.Compare(a.id, b.id) })
	var fs []rwrFinding
	for _, g := range gs {
		// Outside the detector's locks: it takes the scheduler's.
		st, ok := d.lookup(g.id)
		if !ok || !st.Blocked {
			continue
		}
		for _, w := range st.Waits {
			if w.Kind != race.WaitRLock && w.Kind != race.WaitWLock && w.Kind != race.WaitMutex {
				continue
			}
			d.rwrMu.Lock()
			g.mu.Lock()
			g.rwr = slices.DeleteFunc(g.rwr, func(f rwrFinding) bool {
				if f.addr == w.Addr {
					fs = append(fs, f)
					return true
				}
				return false
			})
			d.untrackRWR(g)
			g.mu.Unlock()
			d.rwrMu.Unlock()
		}
	}
	for _, f := range fs {
		d.emit(f.key, f.rep)
	}
}

// OnTestStart implements race.TestDetector.
func (d *detector) OnTestStart(g *race.Goroutine, name string) {}

// OnTestEnd implements race.TestDetector: it reports the recursive read
// lockings whose goroutine the test left blocked in the second RLock.
func (d *detector) OnTestEnd(g *race.Goroutine, name string) int64 {
	d.flushStuck()
	return 0
}

// OnExit implements race.ExitDetector, as OnTestEnd.
func (d *detector) OnExit(g *race.Goroutine) { d.flushStuck() }

// addEdge records the edge hs[i]→to taken by g, and looks for a cycle it
// closes if the edge is new, newly taken by a second goroutine, or lost
// gates.
func (d *detector) addEdge(g *gstate, op *race.SyncOp, m mode, hs []held, i int, to *lockNode) {
	h := &hs[i]
	t := taker{gid: g.id, pc: op.PC, stack: op.Stack, heldPC: h.pc, heldStack: h.stack, fromMode: h.mode, toMode: m}
	d.link(h.node, to, t, hs[:i], true)
}

// link records the edge from→to taken by t and looks for a cycle it
// closes if the edge is new, newly taken by a second goroutine, or lost
// gates. before are the locks t's goroutine held before from, the gates
// of a lock-order edge if gated; an edge through a channel has none: a
// goroutine blocked on a channel while it holds a gate keeps the peer
// that needs the gate out as well.
func (d *detector) link(from, to *lockNode, t taker, before []held, gated bool) {
	if !gated {
		before = nil
	}
	from.mu.Lock()
	e := from.out[to.addr]
	if e != nil && e.to == to && (e.n == 2 || e.takenBy(t.gid)) && !losesGates(e.gates, before) {
		from.mu.Unlock()
		return // fast path: nothing changes
	}
	from.mu.Unlock()

	d.graphMu.Lock()
	defer d.graphMu.Unlock()
	from.mu.Lock()
	e = from.out[to.addr]
	changed := false
	if e == nil || e.to != to {
		e = &edge{from: from, to: to, n: 1}
		e.takers[0] = t
		for _, o := range before {
			if o.mode.exclusive() {
				e.gates = append(e.gates, o.node)
			}
		}
		if from.out == nil {
			from.out = make(map[uintptr]*edge)
		}
		from.out[to.addr] = e
		changed = true
	} else {
		if !e.takenBy(t.gid) && e.n < 2 {
			e.takers[e.n] = t
			e.n++
			changed = true
		}
		if losesGates(e.gates, before) {
			e.gates = slices.DeleteFunc(e.gates, func(gate *lockNode) bool { return !holdsExclusive(before, gate) })
			changed = true
		}
	}
	from.mu.Unlock()
	if changed {
		cur := t // escapes: only on this path
		d.findCycle(e, &cur)
	}
}

func holdsExclusive(hs []held, n *lockNode) bool {
	for _, h := range hs {
		if h.node == n && h.mode.exclusive() {
			return true
		}
	}
	return false
}

// losesGates reports whether some gate is not held exclusively in hs.
func losesGates(gates []*lockNode, hs []held) bool {
	for _, gate := range gates {
		if !holdsExclusive(hs, gate) {
			return true
		}
	}
	return false
}

// findCycle looks for a path from e.to back to e.from, with graphMu held,
// and reports the cycle it closes with e if it can deadlock. cur is the
// current taking of e.
func (d *detector) findCycle(e *edge, cur *taker) {
	start, target := e.to, e.from
	if start == target || start.isDead() || target.isDead() {
		return
	}
	// Depth-first search; via[n] is the edge by which n was reached.
	via := map[*lockNode]*edge{start: nil}
	stack := []*lockNode{start}
	found := false
	for len(stack) > 0 && !found && len(via) < maxVisit {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for addr, oe := range n.out {
			if oe.to.isDead() {
				n.mu.Lock()
				delete(n.out, addr) // prune edges to freed locks
				n.mu.Unlock()
				continue
			}
			if _, ok := via[oe.to]; ok {
				continue
			}
			via[oe.to] = oe
			if oe.to == target {
				found = true
				break
			}
			stack = append(stack, oe.to)
		}
	}
	if !found {
		return
	}
	cycle := []*edge{e}
	var path []*edge
	for n := target; n != start; n = via[n].from {
		path = append(path, via[n])
	}
	slices.Reverse(path)
	cycle = append(cycle, path...)

	// Guarded by a gate lock: every edge taken holding it.
	gates := slices.Clone(cycle[0].gates)
	for _, ce := range cycle[1:] {
		gates = slices.DeleteFunc(gates, func(gate *lockNode) bool { return !slices.Contains(ce.gates, gate) })
	}
	if len(gates) > 0 {
		return
	}
	// Choose a goroutine per edge; all one goroutine cannot deadlock.
	mixed := slices.ContainsFunc(cycle, func(ce *edge) bool { return ce.to.ch != nil })
	var takers []*taker
	if mixed {
		if takers = chooseMixed(cycle, cur); takers == nil {
			return
		}
	} else if takers = chooseTakers(cycle, cur); takers == nil {
		return
	}

	addrs := make([]uintptr, len(cycle))
	for i, ce := range cycle {
		addrs[i] = ce.from.addr
	}
	slices.Sort(addrs)
	var kb []byte
	for _, a := range addrs {
		kb = strconv.AppendUint(kb, uint64(a), 16)
		kb = append(kb, ',')
	}
	key := string(kb)
	if d.cycles[key] {
		return
	}
	d.cycles[key] = true
	if d.stdOnly(cycle, cur) {
		return
	}

	var msg string
	var acc []race.ReportAccess
	if mixed {
		msg, acc = mixedReport(cycle, takers)
	} else {
		msg, acc = lockReport(cycle, takers)
	}
	d.repMu.Lock()
	d.reports = append(d.reports, race.Report{Kind: "POTENTIAL DEADLOCK", Message: msg, Accesses: acc})
	d.pending.Store(true)
	d.repMu.Unlock()
}

// chooseTakers chooses a taker per edge of a cycle of locks, cur for the
// first: not all one goroutine. It returns nil if every taking is one
// goroutine's.
func chooseTakers(cycle []*edge, cur *taker) []*taker {
	takers := make([]*taker, len(cycle))
	takers[0] = cur
	for i, ce := range cycle[1:] {
		takers[i+1] = &ce.takers[0]
	}
	if !allSame(takers) {
		return takers
	}
	for i, ce := range cycle {
		for j := range ce.takers[:ce.n] {
			if ce.takers[j].gid != cur.gid {
				takers[i] = &ce.takers[j]
				return takers
			}
		}
	}
	return nil
}

// lockReport returns the message and accesses of a report of a lock
// order cycle, one access per edge.
func lockReport(cycle []*edge, takers []*taker) (string, []race.ReportAccess) {
	msg := "lock order cycle of " + strconv.Itoa(len(cycle)) + " locks: " + hex(cycle[0].from.addr)
	for _, ce := range cycle {
		msg += " -> " + hex(ce.to.addr)
	}
	acc := make([]race.ReportAccess, len(cycle))
	for i, ce := range cycle {
		t := takers[i]
		acc[i] = race.ReportAccess{
			Verb:     t.toMode.verb(),
			Previous: i > 0,
			Addr:     ce.to.addr,
			G:        t.gid,
			PC:       t.pc,
			Stack:    t.stack,
			Note: "holding " + hex(ce.from.addr) + " (" + t.fromMode.String() + ", locked at " + code.FileLine(t.heldPC) +
				"), requests " + hex(ce.to.addr) + " (" + t.toMode.String() + ")",
		}
	}
	return msg, acc
}

func allSame(ts []*taker) bool {
	for _, t := range ts[1:] {
		if t.gid != ts[0].gid {
			return false
		}
	}
	return true
}

// noteWaiting records that g requests a lock that another goroutine holds,
// for a deadlock report.
func (d *detector) noteWaiting(g *gstate, op *race.SyncOp, m mode) {
	n := d.node(op.Obj, false)
	if n == nil {
		return // never locked: not held
	}
	n.mu.Lock()
	taken := len(n.holders) > 0
	n.mu.Unlock()
	if !taken {
		return
	}
	d.waitMu.Lock()
	g.waiting = held{node: n, mode: m, pc: op.PC, stack: op.Stack}
	d.waiters[g.id] = g
	d.waitMu.Unlock()
}

// acquire records that g holds the lock op.Obj in mode m.
func (d *detector) acquire(g *gstate, op *race.SyncOp, m mode) {
	if g.waiting.node != nil {
		d.waitMu.Lock()
		g.waiting = held{}
		delete(d.waiters, g.id)
		d.waitMu.Unlock()
	}
	n := d.node(op.Obj, true)
	h := held{node: n, mode: m, pc: op.PC, stack: op.Stack}
	g.mu.Lock()
	a := g.held.Acquire(nil, lockOf(op.Obj, m), op.PC, op.Stack)
	if a.N > 1 && a.Data != n {
		// The lock held was freed; this is a new one at its address.
		g.dropDead()
		a = g.held.Acquire(nil, lockOf(op.Obj, m), op.PC, op.Stack)
	}
	a.Data = n
	g.mu.Unlock()
	if op.Kind != race.MutexTryLock && op.Kind != race.RWMutexTryLock && op.Kind != race.RWMutexTryRLock {
		g.noteRecent(h)
	}
	n.mu.Lock()
	n.holders = append(n.holders, g)
	n.mu.Unlock()
}

// release removes the lock l from g's held locks or, if g does not hold
// it (Go lets a goroutine unlock a lock another one locked), from a
// goroutine that holds it.
func (d *detector) release(g *gstate, l locks.Lock) {
	n := d.node(l.Addr, false)
	if n == nil {
		return
	}
	holder := g
	ok, fs, empty := g.remove(l, true)
	if !ok {
		// Not nested in n.mu: snapshot takes a goroutine's mu, then
		// nodes' mu.
		holder = nil
		n.mu.Lock()
		others := slices.Clone(n.holders)
		n.mu.Unlock()
		for _, o := range others {
			if o != g && o.holds(l) {
				holder = o
				break
			}
		}
		if holder == nil {
			return
		}
		if ok, fs, empty = holder.remove(l, false); !ok {
			return
		}
	}
	if fs != nil || empty {
		d.resolveRWR(holder, fs, empty)
	}
	n.mu.Lock()
	if i := slices.Index(n.holders, holder); i >= 0 {
		n.holders = slices.Delete(n.holders, i, i+1)
	}
	n.mu.Unlock()
}

// remove releases l once from g's held locks, by g itself if own, and
// reports whether g held it; it settles the recursive read lockings
// waiting for the release (settleRWR) and returns those to report, and
// whether g has none left waiting after it had some.
func (g *gstate) remove(l locks.Lock, own bool) (ok bool, fs []rwrFinding, empty bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var n int32
	ls := g.held.Locks()
	for i := len(ls) - 1; i >= 0; i-- { // the last taken first, as Release
		if ls[i].Lock == l {
			n = ls[i].N
			break
		}
	}
	if n == 0 {
		return false, nil, false
	}
	g.held.Release(nil, l)
	if len(g.rwr) > 0 && l.Read {
		fs, empty = g.settleRWR(l.Addr, n, own)
	}
	return true, fs, empty
}

func (g *gstate) holds(l locks.Lock) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held.Holds(l)
}

// OnDeadlock implements race.DeadlockDetector: every goroutine is blocked
// for good. For each blocked goroutine waiting for a lock, it reports
// DEADLOCK naming the lock, where it was requested, and each goroutine
// holding it: where that one took it and where it is blocked now.
func (d *detector) OnDeadlock(blocked []int64) {
	d.flushRWR(blocked)
	d.lockWaits(blocked, "DEADLOCK", "and every goroutine is blocked")
}

// OnPartialDeadlock implements race.PartialDeadlockDetector: the blocked
// goroutines are blocked for good while others run on. It reports those
// waiting for a lock as OnDeadlock does.
func (d *detector) OnPartialDeadlock(blocked []int64) {
	d.flushRWR(blocked)
	d.lockWaits(blocked, "DEADLOCK", "both blocked for good")
}

// OnTimeout implements race.TimeoutDetector: the test binary's
// -test.timeout alarm fired. It reports TEST TIMEOUT for each blocked
// goroutine waiting for a lock, as OnDeadlock does.
func (d *detector) OnTimeout(blocked []int64) {
	d.flushRWR(blocked)
	d.lockWaits(blocked, "TEST TIMEOUT", "when the test timed out")
}

// lockWaits reports one report of kind for each of the blocked goroutines
// that waits for a lock another goroutine holds; why ends the message.
func (d *detector) lockWaits(blocked []int64, kind, why string) {
	blocked = slices.Clone(blocked)
	slices.Sort(blocked) // the same order in every run
	for _, id := range blocked {
		d.waitMu.Lock()
		g := d.waiters[id]
		var w held
		if g != nil {
			w = g.waiting
		}
		d.waitMu.Unlock()
		if w.node == nil || w.node.isDead() {
			continue
		}
		n := w.node
		n.mu.Lock()
		holders := slices.Clone(n.holders)
		n.mu.Unlock()
		acc := []race.ReportAccess{{Verb: w.mode.verb(), Addr: n.addr, G: id, PC: w.pc, Stack: w.stack,
			Note: "waits for " + hex(n.addr) + " (" + w.mode.String() + ")"}}
		var names []string
		for _, h := range holders {
			if h == g {
				continue
			}
			var hl held
			h.mu.Lock()
			for _, a := range h.held.Locks() {
				if a.Data == n {
					hl = held{node: n, mode: modeOf(a.Lock), pc: a.PC, stack: a.Stack, n: a.N}
				}
			}
			h.mu.Unlock()
			if hl.node == nil {
				continue
			}
			names = append(names, strconv.FormatInt(h.id, 10))
			acc = append(acc, race.ReportAccess{Verb: hl.mode.verb(), Previous: true, Addr: n.addr, G: h.id, PC: hl.pc, Stack: hl.stack,
				Note: "holds " + hex(n.addr) + " (" + hl.mode.String() + ", locked at " + code.FileLine(hl.pc) + ")"})
			if st, ok := d.lookup(h.id); ok && st.Blocked {
				acc = append(acc, race.ReportAccess{Verb: "Blocked in " + st.State, G: h.id, Frames: st.Stack})
			}
		}
		if len(names) == 0 {
			continue
		}
		d.repMu.Lock()
		d.reports = append(d.reports, race.Report{
			Kind: kind,
			Message: "goroutine " + strconv.FormatInt(id, 10) + " waits for " + hex(n.addr) + " (" + w.mode.String() +
				"), held by goroutine " + strings.Join(names, ", ") + ", " + why,
			Accesses: acc,
		})
		d.pending.Store(true)
		d.repMu.Unlock()
	}
}

// Report implements race.Detector.
func (d *detector) Report() []race.Report {
	if !d.pending.Load() {
		return nil // the runtime asks before every lock wait
	}
	d.repMu.Lock()
	r := d.reports
	d.reports = nil
	d.pending.Store(false)
	d.repMu.Unlock()
	return r
}

// OnMalloc implements race.MemoryDetector: locks in newly allocated memory
// are new locks.
func (d *detector) OnMalloc(addr, size uintptr) { d.pages.Drop(addr, size) }

// OnFree implements race.MemoryDetector: locks in freed memory are
// dropped.
func (d *detector) OnFree(addr, size uintptr) { d.pages.Drop(addr, size) }

// Drop implements pages.Page: it removes the nodes of the locks in
// [lo, hi] from p and marks them dead. It runs inside the allocator, so it
// must not allocate.
func (p *lpage) Drop(start, lo, hi uintptr) bool {
	for a, n := range p.nodes {
		if lo <= a && a <= hi {
			n.mu.Lock()
			n.dead = true
			n.mu.Unlock()
			delete(p.nodes, a)
		}
	}
	if p.chanBits != [chanWords]uint64{} {
		// Channels are 8-byte aligned: look up only the words of the
		// range whose bit is set.
		first, last := (lo-start+7)/8, (hi-start)/8
		for i := first; i <= last && i < chanWords*64; i++ {
			if p.chanBits[i/64] == 0 && i%64 == 0 {
				i += 63 // a word of no channel
				continue
			}
			if p.chanBits[i/64]&(1<<(i%64)) == 0 {
				continue
			}
			p.chanBits[i/64] &^= 1 << (i % 64)
			a := start + i*8
			if c := p.chans[a]; c != nil {
				c.drop()
				delete(p.chans, a)
			}
		}
	}
	return len(p.nodes) == 0 && p.chanBits == [chanWords]uint64{}
}

// stdOnly reports whether every taking of every edge of cycle (cur, the
// current one, included), the request and the lock held, is made by
// standard-library code: the standard library's own locking protocol,
// which a program cannot change and which may rest on invariants a lock
// graph does not see (syscall's acquireForkLock and releaseForkLock take
// forkingLock and ForkLock in both orders, kept apart by a count of forks
// in progress).
func (d *detector) stdOnly(cycle []*edge, cur *taker) bool {
	std := func(t *taker) bool { return d.code.Class(t.pc) == code.Std && d.code.Class(t.heldPC) == code.Std }
	if !std(cur) {
		return false
	}
	for _, ce := range cycle {
		for i := range ce.takers[:ce.n] {
			if !std(&ce.takers[i]) {
				return false
			}
		}
	}
	return true
}

// lockCode returns the classifier of the code making lock events. Their
// PC is the caller of sync's Lock, which may be inlined into its caller:
// the code is that of the innermost frame there outside packages sync,
// sync/atomic, internal/sync and internal/race. Ignored: the locks of
// package testing, of the runtime (runtime and runtime/..., but not the
// built-in detectors installed under runtime/race/detectors, whose own
// tests lock as users do) and of internal std packages.
func lockCode() *code.Classifier {
	return code.New(code.Options{
		Skip: func(pkg string) bool {
			switch pkg {
			case "sync", "sync/atomic", "internal/sync", "internal/race":
				return true
			}
			return false
		},
		Ignore: func(pkg string) bool {
			return pkg == "testing" || code.Within(pkg, "internal") ||
				code.Within(pkg, "runtime") && !code.Within(pkg, "runtime/race/detectors")
		},
	})
}

func hex(a uintptr) string { return "0x" + strconv.FormatUint(uint64(a), 16) }
