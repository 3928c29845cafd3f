// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package count

import (
	"flag"
	"runtime/race"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Policy is the event-counting detector.
var Policy = &race.Policy{
	Name: "count",
	Doc: `count the events of each kind and print the counts at exit

count finds no races. It counts every event the runtime delivers, per
kind (per operation and width for sync/atomic, per operation for Go-native
synchronisation), and prints a table of the nonzero counts at exit.
Function entries and exits are counted with DRACE_FLAGS=count.funcs.`,
	New: func() race.Detector {
		d := New()
		instance.Store(d)
		if *countFuncs {
			return FuncCounter{d}
		}
		return d
	},
	Flags: flags,
}

var (
	flags      = flag.NewFlagSet("count", flag.ContinueOnError)
	countFuncs = flags.Bool("funcs", false, "count function entries and exits too (the runtime then records every call)")
)

func init() { race.Register(Policy) }

// instance is the detector Policy.New created.
var instance atomic.Pointer[Detector]

// Counts returns the counts of the detector that the runtime created from
// Policy, as Detector.Counts does, or nil if it has not created one.
func Counts() map[string]int64 {
	d := instance.Load()
	if d == nil {
		return nil
	}
	return d.Counts()
}

// The kinds of events counted. Atomics are counted per operation (0 for an
// unknown one) and width (4, 8, other); Go-native operations per SyncKind
// (0 for an unknown one).
const (
	kRead = iota
	kWrite
	kReadRange
	kWriteRange
	kAcquire
	kRelease
	kReleaseMerge
	kAcquireAll
	kGoStart
	kGoEnd
	kMalloc
	kFree
	kFuncEnter
	kFuncExit
	kAtomic                                    // + op*atomicWidths + width index
	kSync   = kAtomic + atomicOps*atomicWidths // + SyncKind
	nkinds  = kSync + syncKinds

	atomicOps    = int(race.AtomicCompareAndSwap) + 1
	atomicWidths = 3
	syncKinds    = int(race.SelectCase) + 1
)

var kindNames = func() (names [nkinds]string) {
	copy(names[:], []string{
		kRead:         "read",
		kWrite:        "write",
		kReadRange:    "read_range",
		kWriteRange:   "write_range",
		kAcquire:      "acquire",
		kRelease:      "release",
		kReleaseMerge: "release_merge",
		kAcquireAll:   "acquire_all",
		kGoStart:      "go_start",
		kGoEnd:        "go_end",
		kMalloc:       "malloc",
		kFree:         "free",
		kFuncEnter:    "func_enter",
		kFuncExit:     "func_exit",
	})
	for op := range atomicOps {
		name := "unknown"
		if op != 0 {
			name = race.AtomicOp(op).String()
		}
		for w, suffix := range [atomicWidths]string{"32", "64", ".other_width"} {
			names[kAtomic+op*atomicWidths+w] = "atomic." + name + suffix
		}
	}
	for k := range syncKinds {
		name := "unknown"
		if k != 0 {
			name = race.SyncKind(k).String()
		}
		names[kSync+k] = "sync." + name
	}
	return names
}()

func atomicKind(op race.AtomicOp, width uint8) int {
	o := int(op)
	if o >= atomicOps {
		o = 0
	}
	w := 2
	switch width {
	case 4:
		w = 0
	case 8:
		w = 1
	}
	return kAtomic + o*atomicWidths + w
}

func syncKind(k race.SyncKind) int {
	if int(k) >= syncKinds {
		k = 0
	}
	return kSync + int(k)
}

type counters [nkinds]atomic.Int64

// A spinLock is a race.SpinLock. ThreadSanitizer does not see the atomics
// of race.SpinLock (package runtime/race is not instrumented), so the tests,
// when built with -race, set lockHook and unlockHook to tell it about the
// lock's happens-before edges. They are nil otherwise.
type spinLock struct{ l race.SpinLock }

var lockHook, unlockHook func(*race.SpinLock)

func (l *spinLock) Lock() {
	l.l.Lock()
	if lockHook != nil {
		lockHook(&l.l)
	}
}

func (l *spinLock) Unlock() {
	if unlockHook != nil {
		unlockHook(&l.l)
	}
	l.l.Unlock()
}

// A gcount holds the counts of one goroutine, so that goroutines on
// different threads do not contend on shared counters.
type gcount struct {
	c   counters
	idx int // index in Detector.live, under Detector.mu
}

// A Detector counts the events it receives. Its methods may be called
// concurrently.
type Detector struct {
	// global holds the counts of events with no goroutine, or whose
	// goroutine has no counters yet in a callback that may not allocate,
	// and the counts of goroutines that have ended.
	global counters

	mu   spinLock
	live []*gcount // goroutines with counters, not ended
}

// New returns a new Detector with all counts zero.
func New() *Detector { return new(Detector) }

// counters returns the counters for events of g, creating them if alloc is
// set and g has none.
func (d *Detector) counters(g *race.Goroutine, alloc bool) *counters {
	if g == nil {
		return &d.global
	}
	if s, ok := g.State.(*gcount); ok {
		return &s.c
	}
	if !alloc {
		return &d.global
	}
	s := new(gcount)
	d.mu.Lock()
	s.idx = len(d.live)
	d.live = append(d.live, s)
	d.mu.Unlock()
	g.State = s
	return &s.c
}

func (d *Detector) inc(g *race.Goroutine, k int) { d.counters(g, true)[k].Add(1) }

// OnRead implements race.Detector.
func (d *Detector) OnRead(a race.Access) { d.inc(a.G, kRead) }

// OnWrite implements race.Detector.
func (d *Detector) OnWrite(a race.Access) { d.inc(a.G, kWrite) }

// OnReadRange implements race.RangeDetector.
func (d *Detector) OnReadRange(a race.Access) { d.inc(a.G, kReadRange) }

// OnWriteRange implements race.RangeDetector.
func (d *Detector) OnWriteRange(a race.Access) { d.inc(a.G, kWriteRange) }

// OnAtomic implements race.AtomicDetector.
func (d *Detector) OnAtomic(a race.AtomicAccess) { d.inc(a.G, atomicKind(a.Op, a.Width)) }

// OnAcquire implements race.SyncDetector.
func (d *Detector) OnAcquire(s race.Sync) { d.inc(s.G, kAcquire) }

// OnRelease implements race.SyncDetector.
func (d *Detector) OnRelease(s race.Sync) { d.inc(s.G, kRelease) }

// OnReleaseMerge implements race.SyncDetector.
func (d *Detector) OnReleaseMerge(s race.Sync) { d.inc(s.G, kReleaseMerge) }

// A FuncCounter is a Detector that counts function entries and exits
// too: it is a race.FuncDetector, which makes the runtime record every
// call of instrumented code.
type FuncCounter struct{ *Detector }

// OnFuncEnter counts a function entry.
func (c FuncCounter) OnFuncEnter(g *race.Goroutine, callpc uintptr) { c.inc(g, kFuncEnter) }

// OnFuncExit counts a function exit.
func (c FuncCounter) OnFuncExit(g *race.Goroutine) { c.inc(g, kFuncExit) }

// OnAcquireAll implements race.SyncDetector.
func (d *Detector) OnAcquireAll(g *race.Goroutine) { d.inc(g, kAcquireAll) }

// OnSync implements race.NativeSyncDetector. It does not allocate, as
// channel operations call it with the channel locked.
func (d *Detector) OnSync(op race.SyncOp) { d.counters(op.G, false)[syncKind(op.Kind)].Add(1) }

// OnGoStart implements race.GoroutineDetector. It counts on the parent; the
// child gets its counters on its first event.
func (d *Detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	d.counters(parent, false)[kGoStart].Add(1)
}

// OnGoEnd implements race.GoroutineDetector: it adds the goroutine's counts
// to the global ones and drops its counters.
func (d *Detector) OnGoEnd(g *race.Goroutine) {
	d.counters(g, false)[kGoEnd].Add(1)
	if g == nil {
		return
	}
	s, ok := g.State.(*gcount)
	if !ok {
		return
	}
	d.mu.Lock()
	for k := range s.c {
		if n := s.c[k].Load(); n != 0 {
			d.global[k].Add(n)
		}
	}
	last := len(d.live) - 1
	d.live[s.idx] = d.live[last]
	d.live[s.idx].idx = s.idx
	d.live[last] = nil
	d.live = d.live[:last]
	d.mu.Unlock()
	g.State = nil
}

// OnMalloc implements race.MemoryDetector.
func (d *Detector) OnMalloc(addr, size uintptr) { d.global[kMalloc].Add(1) }

// OnFree implements race.MemoryDetector.
func (d *Detector) OnFree(addr, size uintptr) { d.global[kFree].Add(1) }

// Report implements race.Detector: count reports nothing.
func (d *Detector) Report() []race.Report { return nil }

// snapshot returns the current counts.
func (d *Detector) snapshot() (n [nkinds]int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range n {
		n[k] = d.global[k].Load()
	}
	for _, s := range d.live {
		for k := range n {
			n[k] += s.c[k].Load()
		}
	}
	return n
}

// Counts returns the nonzero counts by event kind: "read", "write",
// "read_range", "write_range", "acquire", "release", "release_merge",
// "go_start", "go_end", "malloc", "free", "atomic.<Op><bits>" (as
// "atomic.Load32", "atomic.CompareAndSwap64"; width other than 4 or 8 is
// "atomic.<Op>.other_width") and "sync.<SyncKind>" (as "sync.MutexLock",
// "sync.ChanSend"). Unknown operations count as "atomic.unknown…" and
// "sync.unknown".
func (d *Detector) Counts() map[string]int64 {
	n := d.snapshot()
	m := make(map[string]int64)
	for k, v := range n {
		if v != 0 {
			m[kindNames[k]] = v
		}
	}
	return m
}

// Summary implements race.Summarizer: a table of the nonzero counts, one
// "kind count" line per kind, sorted by kind, the counts aligned.
func (d *Detector) Summary() string {
	n := d.snapshot()
	type line struct {
		name, count string
	}
	var lines []line
	nameWidth, countWidth := 0, 0
	for k, v := range n {
		if v == 0 {
			continue
		}
		l := line{kindNames[k], strconv.FormatInt(v, 10)}
		nameWidth = max(nameWidth, len(l.name))
		countWidth = max(countWidth, len(l.count))
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return "no events\n"
	}
	slices.SortFunc(lines, func(a, b line) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.name)
		b.WriteString(strings.Repeat(" ", nameWidth-len(l.name)+1+countWidth-len(l.count)))
		b.WriteString(l.count)
		b.WriteByte('\n')
	}
	return b.String()
}
