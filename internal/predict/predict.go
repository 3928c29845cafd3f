// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"drace/detectors/record/trace"
	"runtime/race/toolkit/vclock"
)

// RaceAlgorithms lists the race prediction algorithms by name.
var RaceAlgorithms = []string{"shb", "wcp", "syncp"}

// Algorithms lists the algorithms by name: the race algorithms and
// block, the blocking bugs' (Blocks).
var Algorithms = []string{"shb", "wcp", "syncp", "block"}

// A Race is a predicted data race: two conflicting accesses of different
// goroutines that some reordering of the trace makes adjacent.
type Race struct {
	Algorithm string
	// Kind is "" for a data race, NegativeWaitGroup for a negative
	// WaitGroup counter: then Second is a Done (a WaitGroupAdd of a
	// negative delta) and First the Add, of another goroutine, that
	// the reordering runs after it.
	Kind string
	// First is the access earlier in the trace, Second the later one;
	// FirstIndex and SecondIndex are their model event numbers.
	First, Second           Event
	FirstIndex, SecondIndex uint64
	// Addr is the first word both touch.
	Addr uint64
}

// NegativeWaitGroup is the Kind of a predicted negative WaitGroup
// counter (shb).
const NegativeWaitGroup = "negative WaitGroup counter"

// Options configure a Predictor.
type Options struct {
	// Algorithms to run: names from Algorithms. "block" is not a race
	// algorithm: it keeps the model's events, and Blocks returns its
	// predictions once the whole trace is in.
	Algorithms []string
	// Keep keeps the model's events, for Witness: memory then grows
	// with the trace, not only with its addresses.
	Keep bool
	// OnRace, if set, is called with each race as it is found.
	OnRace func(Race)
}

// A Predictor streams a trace's events through the algorithms.
type Predictor struct {
	opts     Options
	b        *builder
	algos    []algorithm
	count    uint64 // model events so far
	events   []Event
	goids    []int64 // by tid
	races    []Race
	seen     map[racePair]bool
	index    *traceIndex // for witnesses, built on first use
	cur      Event       // the event the algorithms are given
	keep     bool        // keep the events: Options.Keep or block
	block    bool        // the block algorithm runs
	blocks   []Block     // its predictions, once computed
	blocksAt uint64      // the number of events they were computed on
}

type racePair struct {
	algo          int
	first, second uint64
}

// entry returns m[k], set to fresh() first if missing.
func entry[V any](m map[uint64]*V, k uint64, fresh func() *V) *V {
	v := m[k]
	if v == nil {
		v = fresh()
		m[k] = v
	}
	return v
}

// common is the state both algorithms keep alike: where to report, the
// slots of the goroutines' clocks, the clocks of the fixed-edge
// addresses and the history of memory.
type common[X any] struct {
	report func(prev, cur *access[X], word uint64)
	slots  vclock.Slots
	edges  map[uint64]*vclock.Clock
	mem    history[X]
}

func newCommon[X any](report func(prev, cur *access[X], word uint64)) common[X] {
	return common[X]{report: report, edges: make(map[uint64]*vclock.Clock), mem: newHistory[X]()}
}

func (c *common[X]) reset(addr, size uint64) { c.mem.reset(addr, size) }
func (c *common[X]) forget(addr uint64)      { delete(c.edges, addr) }

// start returns the clock of a goroutine that parent (nil if not known)
// starts: after parent's events so far, which go on in a new epoch.
func (c *common[X]) start(parent *vclock.Thread) *vclock.Thread {
	if parent == nil {
		t := new(vclock.Thread)
		c.slots.Attach(t)
		return t
	}
	t := c.slots.Fork(parent)
	c.slots.Tick(parent)
	return t
}

// fixed runs a fixed edge of goroutine t: a release or release-merge
// stores or joins t's clock in the address's and starts a new epoch; an
// acquire returns the address's clock, for t to take in.
func (c *common[X]) fixed(e *Event, t *vclock.Thread) vclock.Clock {
	switch e.Op {
	case Acquire:
		return *c.edge(e.Addr)
	case Release:
		c.edge(e.Addr).Assign(t.C)
	case ReleaseMerge:
		c.edge(e.Addr).Join(t.C)
	}
	c.slots.Tick(t)
	return nil
}

// edge returns the clock of the fixed-edge address addr.
func (c *common[X]) edge(addr uint64) *vclock.Clock {
	return entry(c.edges, addr, func() *vclock.Clock { return new(vclock.Clock) })
}

// An algorithm is one prediction algorithm's state, fed the model's
// events in trace order.
type algorithm interface {
	name() string
	event(i uint64, e *Event)
	// reset forgets the accesses to [addr, addr+size): new memory.
	reset(addr, size uint64)
	// forget drops the fixed edges recorded on addr so far.
	forget(addr uint64)
}

// New returns a Predictor.
func New(opts Options) (*Predictor, error) {
	p := &Predictor{opts: opts, b: newBuilder(), goids: []int64{0}, seen: make(map[racePair]bool)}
	for i, name := range opts.Algorithms {
		if slices.Contains(opts.Algorithms[:i], name) {
			return nil, fmt.Errorf("algorithm %s listed twice", name)
		}
		switch name {
		case "shb":
			k := len(p.algos)
			a := newSHB(reporter[noExtra](p, k))
			a.reportWG = func(need wgAdd, i uint64, e *Event) {
				p.reportKind(k, NegativeWaitGroup, need.index, i, need.e, *e, e.Addr)
			}
			p.algos = append(p.algos, a)
		case "wcp":
			p.algos = append(p.algos, newWCP(reporter[noExtra](p, len(p.algos))))
		case "syncp":
			p.algos = append(p.algos, newSyncP(reporter[*spView](p, len(p.algos))))
		case "block":
			p.block, p.b.blocking = true, true
		default:
			return nil, fmt.Errorf("unknown algorithm %q (have %s)", name, strings.Join(Algorithms, ", "))
		}
	}
	p.keep = opts.Keep || p.block
	p.b.forget = func(addr uint64) {
		for _, a := range p.algos {
			a.forget(addr)
		}
	}
	return p, nil
}

// Add feeds the next trace event.
func (p *Predictor) Add(ev *trace.Event) {
	switch ev.Kind {
	case trace.Malloc:
		p.b.allocated(ev.Addr, ev.Size)
		for _, a := range p.algos {
			a.reset(ev.Addr, ev.Size)
		}
		return
	case trace.GoStart:
		p.goids = append(p.goids, ev.GoID)
	}
	e, ok := p.b.convert(ev)
	if !ok {
		return
	}
	i := p.count
	p.count++
	if p.keep {
		p.events = append(p.events, e)
	}
	// One Event for all: handed to the algorithms through an
	// interface, a local would be allocated per event.
	p.cur = e
	for _, a := range p.algos {
		a.event(i, &p.cur)
	}
}

// reporter returns the function with which algorithm number algo
// reports a race.
func reporter[X any](p *Predictor, algo int) func(prev, cur *access[X], word uint64) {
	return func(prev, cur *access[X], word uint64) {
		p.report(algo, prev.index, cur.index, prev.event(), cur.event(), word)
	}
}

func (p *Predictor) report(algo int, first, second uint64, e1, e2 Event, word uint64) {
	p.reportKind(algo, "", first, second, e1, e2, word)
}

func (p *Predictor) reportKind(algo int, kind string, first, second uint64, e1, e2 Event, word uint64) {
	key := racePair{algo, first, second}
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	r := Race{
		Algorithm:  p.algos[algo].name(),
		Kind:       kind,
		First:      e1,
		Second:     e2,
		FirstIndex: first, SecondIndex: second,
		Addr: word,
	}
	p.races = append(p.races, r)
	if p.opts.OnRace != nil {
		p.opts.OnRace(r)
	}
}

// Races returns the races found so far, in the order found.
func (p *Predictor) Races() []Race { return p.races }

// Events returns the model's events (with Options.Keep).
func (p *Predictor) Events() []Event { return p.events }

// NumEvents returns the number of model events so far.
func (p *Predictor) NumEvents() uint64 { return p.count }

// GoID returns the goroutine id of trace goroutine tid.
func (p *Predictor) GoID(tid uint32) int64 {
	if int(tid) < len(p.goids) {
		return p.goids[tid]
	}
	return 0
}

// Run reads the trace from in through a new Predictor. partial replays
// what precedes a truncated or malformed record (see trace.Reader).
func Run(in io.Reader, partial bool, opts Options) (*Predictor, error) {
	r, err := trace.NewReader(in)
	if err != nil {
		return nil, err
	}
	r.Partial, r.SkipAnswers = partial, true
	p, err := New(opts)
	if err != nil {
		return nil, err
	}
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		p.Add(&ev)
	}
}

// An access is an access in an algorithm's history: the event's fields a
// report needs, inline (a history holds millions).
type access[X any] struct {
	// x is the algorithm's own (syncp's: the goroutine's closure before
	// the access), first so that an empty one takes no room.
	x        X
	epoch    vclock.Epoch
	index    uint64
	addr, pc uint64
	size     uint32 // at most maxSize: a longer range is cut
	stack    uint32
	g        uint32
	op       Op
	atomic   bool
}

// noExtra is the access's own part of the algorithms that have none.
type noExtra = struct{}

// maxSize bounds an access's size in a history: beyond, the words the
// access covers are checked, its bytes in them not.
const maxSize = 1<<32 - 1

func newAccess[X any](e *Event, epoch vclock.Epoch, index uint64, x X) access[X] {
	return access[X]{
		x: x, epoch: epoch, index: index,
		addr: e.Addr, pc: e.PC, size: uint32(min(e.Size, maxSize)), stack: e.Stack,
		g: e.G, op: e.Op, atomic: e.Atomic,
	}
}

// event returns the access as a model event.
func (a *access[X]) event() Event {
	return Event{Op: a.op, Atomic: a.atomic, G: a.g, Addr: a.addr, Size: uint64(a.size), PC: a.pc, Stack: a.stack}
}

func (a *access[X]) write() bool { return a.op == Write }

// bytesIn returns the bytes [lo, hi) of word that a accesses.
func (a *access[X]) bytesIn(word uint64) (lo, hi uint64) {
	return max(a.addr, word), min(a.addr+max(uint64(a.size), 1), word+wordSize)
}

// conflicts reports whether a and b conflict in word: different
// goroutines, a common byte, one writes, not both atomic.
func conflicts[X any](a, b *access[X], word uint64) bool {
	if a.g == b.g || !a.write() && !b.write() || a.atomic && b.atomic {
		return false
	}
	alo, ahi := a.bytesIn(word)
	blo, bhi := b.bytesIn(word)
	return alo < bhi && blo < ahi
}

// covers reports whether a's bytes in word include all of b's.
func covers[X any](a, b *access[X], word uint64) bool {
	alo, ahi := a.bytesIn(word)
	blo, bhi := b.bytesIn(word)
	return alo <= blo && bhi <= ahi
}

// A snapshot is a copy of a goroutine's clock, shared by its writes until
// the clock takes in another's (its own entry, from the epoch, may be
// older).
type snapshot struct{ c *vclock.Clock }

func (s *snapshot) of(c vclock.Clock) *vclock.Clock {
	if s.c == nil {
		cp := append(vclock.Clock(nil), c...)
		s.c = &cp
	}
	return s.c
}

// stale marks the copy out of date.
func (s *snapshot) stale() { s.c = nil }
