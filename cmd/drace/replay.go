package main

// drace replay: feed a trace of the record detector to detectors offline.
//
// Each listed detector is created with its Policy's New, its flags set
// from DRACE_FLAGS as the traced program set them, and receives the
// trace's events in trace order, as the runtime's dispatch would deliver
// them (ranges to OnRead/OnWrite without RangeDetector, and so on), with a
// race.Goroutine per trace goroutine and detector, announced by OnGoStart
// before its other events. Reports are collected where the traced program
// collected them (Report records) and at the end, suppressed as GORACE
// says (suppress_equal_stacks and suppress_equal_addresses, on by
// default), and printed as race.Format prints them, symbolized from the
// traced binary, StackIDs resolved through the trace's stack table.
//
// A detector's questions about the program (race.Frames, StackID.Frames,
// race.LookupGoroutine, race.Nanotime, race.Callers) are answered for the
// traced program by a replayHost: from its binary, from the trace's stack
// table, and from the answers the recorder logged online. A test end at
// which a detector asked to wait is told again where the recorded run told
// it again (at its next logged clock reading), or failing that at the next
// test or exit event, or at the end of the trace.
//
// Limits. In a version 1 trace, a goroutine's "created at" stack is
// reconstructed (see createdStack). A detector that asks the running process directly (through
// package runtime rather than runtime/race) gets answers about the drace
// process, not the traced one. Answers are matched to questions by
// asking goroutine and kind, in order: a replay with fewer asking
// detectors than the recorded run, or a detector that asks differently
// offline, is told answers meant for other questions.

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/race"
	"slices"
	"strings"
	"sync"

	// The detectors replay can run: each registers its Policy in init.
	_ "drace/detectors/atomicmix"
	_ "drace/detectors/count"
	_ "drace/detectors/fasttrack"
	_ "drace/detectors/hybrid"
	_ "drace/detectors/leak"
	_ "drace/detectors/lockorder"
	_ "drace/detectors/lockset"
	_ "drace/detectors/null"

	"drace/internal/symbolize"
	"drace/internal/trace"
)

const replayUsage = "usage: drace replay -detectors=LIST [-partial] [-binary BIN] TRACE"

// replayableDetectors lists the registered policies replay can run.
func replayableDetectors() []string {
	var names []string
	for _, p := range race.Policies() {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func replayCmd(args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	list := fs.String("detectors", "", "comma-separated detectors: "+strings.Join(replayableDetectors(), ", "))
	partial := fs.Bool("partial", false, "replay what precedes a truncated or malformed record instead of failing")
	binary := fs.String("binary", "", "the traced binary (default: the path the trace names)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fmt.Println(replayUsage)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return usagef("replay: %v", err)
	}
	if fs.NArg() != 1 || *list == "" {
		return usagef("%s", replayUsage)
	}
	names := strings.Split(*list, ",")
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	var out strings.Builder
	res, err := replay(f, replayOptions{Detectors: names, Partial: *partial, Binary: *binary, Warn: os.Stderr}, &out)
	if err != nil {
		return fmt.Errorf("replay %s: %v", fs.Arg(0), err)
	}
	os.Stdout.WriteString(out.String())
	if res.Err != nil {
		fmt.Fprintf(os.Stderr, "drace: replay %s: partial: %v (replayed %d events)\n", fs.Arg(0), res.Err, res.Events)
	}
	return nil
}

type replayOptions struct {
	Detectors []string
	Partial   bool
	// Binary is the traced binary; "" for the trace header's.
	Binary string
	// Warn receives warnings (a build ID mismatch); nil for none.
	Warn io.Writer
	// Suppress* are GORACE's suppress_equal_stacks and
	// suppress_equal_addresses, both on by default, as online; replay
	// reads GORACE like the runtime does.
}

type replayResult struct {
	Events  uint64
	Reports int
	// Err is what ended a partial replay early, or nil.
	Err error
}

// A replayDetector is a detector with its optional interfaces resolved,
// as the runtime's dispatch resolves them.
type replayDetector struct {
	index    int
	name     string
	d        race.Detector
	batch    race.AccessDetector
	rw       race.ReadWriteDetector
	ranges   race.RangeDetector
	atomics  race.AtomicDetector
	syncs    race.SyncDetector
	gor      race.GoroutineDetector
	mem      race.MemoryDetector
	native   race.NativeSyncDetector
	tests    race.TestDetector
	exit     race.ExitDetector
	disabled bool
	// pendingEnd holds a test end the detector asked to be told again
	// (OnTestEnd returned a wait): replay tells it again at the next test
	// or exit event, or at the end of the trace.
	pendingEnd *pendingTestEnd
}

type pendingTestEnd struct {
	tid  uint64
	g    *race.Goroutine
	name string
}

// A replayGoroutine is what replay knows of one trace goroutine: each
// detector's race.Goroutine (each has its own State) and its goroutine id.
type replayGoroutine struct {
	goid int64
	gs   []race.Goroutine
}

// goroutineRecord is the runtime's goroutine table entry (keyed by
// goroutine id, as the runtime keys it), for "created at".
type goroutineRecord struct {
	created  []uint64
	finished bool
}

type replayer struct {
	dets       []*replayDetector
	r          *trace.Reader
	host       *replayHost
	tab        *symbolize.Table
	out        io.Writer
	gs         []*replayGoroutine // by tid
	goroutines map[int64]*goroutineRecord
	reports    int

	suppressStacks, suppressAddrs bool
	seenStacks                    map[uint64]bool
	seenAddrs                     map[uintptr]bool
}

// hostMu serializes replays, which install their host in runtime/race.
var hostMu sync.Mutex

// replay reads the trace from in and feeds it to the named detectors,
// writing their reports to out as the runtime would print them.
func replay(in io.Reader, opts replayOptions, out io.Writer) (replayResult, error) {
	var res replayResult
	r, err := trace.NewReader(in)
	if err != nil {
		return res, err
	}
	r.Partial = opts.Partial
	bin := opts.Binary
	if bin == "" {
		bin = r.Header().Exe
	}
	tab, err := symbolize.Open(bin)
	if err != nil {
		return res, fmt.Errorf("the traced binary: %v (pass -binary)", err)
	}
	defer tab.Close()
	if id := r.Header().BuildID; id != "" && tab.BuildID != "" && id != tab.BuildID && opts.Warn != nil {
		fmt.Fprintf(opts.Warn, "drace: replay: warning: %s has build ID %s, the trace was recorded from %s\n", bin, tab.BuildID, id)
	}
	p := &replayer{
		r:          r,
		tab:        tab,
		out:        out,
		gs:         []*replayGoroutine{nil},
		goroutines: make(map[int64]*goroutineRecord),
		seenStacks: make(map[uint64]bool),
		seenAddrs:  make(map[uintptr]bool),
	}
	p.suppressStacks, p.suppressAddrs = goraceSuppress(os.Getenv("GORACE"))
	// The host is global to runtime/race: one replay at a time.
	hostMu.Lock()
	defer hostMu.Unlock()
	p.host = newReplayHost(r, tab, opts.Warn)
	race.SetHost(p.host)
	defer race.SetHost(nil)
	policies := race.Policies()
	for i, name := range opts.Detectors {
		k := slices.IndexFunc(policies, func(p *race.Policy) bool { return p.Name == name })
		if k < 0 {
			return res, fmt.Errorf("unknown detector %q (have %s)", name, strings.Join(replayableDetectors(), ", "))
		}
		if slices.ContainsFunc(p.dets, func(d *replayDetector) bool { return d.name == name }) {
			return res, fmt.Errorf("detector %q listed twice", name)
		}
		// The detector's flags as the recorded run set them, from
		// DRACE_FLAGS, read like GORACE.
		if err := race.SetFlags(policies[k], os.Getenv("DRACE_FLAGS")); err != nil {
			return res, fmt.Errorf("DRACE_FLAGS: %v", err)
		}
		d := policies[k].New()
		rd := &replayDetector{index: i, name: name, d: d}
		rd.batch, _ = d.(race.AccessDetector)
		rd.rw, _ = d.(race.ReadWriteDetector)
		rd.ranges, _ = d.(race.RangeDetector)
		rd.atomics, _ = d.(race.AtomicDetector)
		rd.syncs, _ = d.(race.SyncDetector)
		rd.gor, _ = d.(race.GoroutineDetector)
		rd.mem, _ = d.(race.MemoryDetector)
		rd.native, _ = d.(race.NativeSyncDetector)
		rd.tests, _ = d.(race.TestDetector)
		rd.exit, _ = d.(race.ExitDetector)
		p.dets = append(p.dets, rd)
	}
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		p.event(&ev)
	}
	p.flushTestEnds()
	p.collect()
	for _, d := range p.dets {
		if s, ok := d.d.(race.Summarizer); ok && !d.disabled {
			var text string
			p.call(d, func() { text = s.Summary() })
			if text != "" {
				fmt.Fprintf(out, "==================\nDRACE: %s summary\n%s", d.name, text)
				if !strings.HasSuffix(text, "\n") {
					fmt.Fprintln(out)
				}
			}
		}
	}
	if p.reports > 0 {
		fmt.Fprintf(out, "Found %d data race(s)\n", p.reports)
	}
	res.Events, res.Reports, res.Err = r.Count(), p.reports, r.Err()
	return res, nil
}

// goraceSuppress reads suppress_equal_stacks and suppress_equal_addresses
// from a GORACE value, as the runtime's reporter does.
func goraceSuppress(env string) (stacks, addrs bool) {
	stacks, addrs = true, true
	for _, kv := range strings.Fields(env) {
		k, v, _ := strings.Cut(kv, "=")
		on := v == "" || strings.Trim(v, "0123456789") != "" || strings.Trim(v, "0") != ""
		switch k {
		case "suppress_equal_stacks":
			stacks = on
		case "suppress_equal_addresses":
			addrs = on
		}
	}
	return stacks, addrs
}

// call runs a detector callback, disabling the detector if it panics, as
// the runtime does.
func (p *replayer) call(d *replayDetector, f func()) {
	if d.disabled {
		return
	}
	defer func() {
		if e := recover(); e != nil {
			d.disabled = true
			fmt.Fprintf(p.out, "==================\nDRACE: detector %s panicked and is disabled: %v\n==================\n", d.name, e)
			p.reports++
		}
	}()
	f()
}

// g returns detector d's race.Goroutine for trace goroutine tid.
func (p *replayer) g(tid uint64, d *replayDetector) *race.Goroutine {
	return &p.gs[tid].gs[d.index]
}

func (p *replayer) event(ev *trace.Event) {
	p.retellTestEnds(ev.Offset)
	p.host.cur, p.host.offset = ev.G, ev.Offset
	switch ev.Kind {
	case trace.GoStart:
		p.goStart(ev)
		return
	case trace.TestStart, trace.TestEnd, trace.Exit:
		p.flushTestEnds()
	case trace.Report:
		p.collect()
		return
	}
	for _, d := range p.dets {
		if d.disabled {
			continue
		}
		p.dispatch(d, ev)
	}
	if ev.Kind == trace.GoEnd {
		if rec := p.goroutines[p.gs[ev.G].goid]; rec != nil {
			rec.finished = true
		}
	}
}

var accessKinds = [...]race.AccessKind{
	trace.Read:       race.AccessRead,
	trace.Write:      race.AccessWrite,
	trace.ReadRange:  race.AccessReadRange,
	trace.WriteRange: race.AccessWriteRange,
}

func (p *replayer) dispatch(d *replayDetector, ev *trace.Event) {
	var g *race.Goroutine
	if ev.G != 0 {
		g = p.g(ev.G, d)
	}
	a := race.Access{G: g, Addr: uintptr(ev.Addr), Size: uintptr(ev.Size), PC: uintptr(ev.PC), Stack: race.StackID(ev.Stack)}
	s := race.Sync{G: g, Addr: uintptr(ev.Addr), PC: uintptr(ev.PC)}
	switch ev.Kind {
	case trace.Read, trace.Write, trace.ReadRange, trace.WriteRange:
		a.Kind = accessKinds[ev.Kind]
		switch {
		case d.batch != nil:
			p.call(d, func() { d.batch.OnAccesses(g, []race.Access{a}) })
		case d.rw == nil:
		case a.Kind == race.AccessReadRange && d.ranges != nil:
			p.call(d, func() { d.ranges.OnReadRange(a) })
		case a.Kind == race.AccessWriteRange && d.ranges != nil:
			p.call(d, func() { d.ranges.OnWriteRange(a) })
		case a.Kind.IsWrite():
			p.call(d, func() { d.rw.OnWrite(a) })
		default:
			p.call(d, func() { d.rw.OnRead(a) })
		}
	case trace.Atomic:
		if d.atomics != nil {
			p.call(d, func() {
				d.atomics.OnAtomic(race.AtomicAccess{Access: a, Op: race.AtomicOp(ev.Op), Width: ev.Width})
			})
		}
	case trace.Acquire:
		if d.syncs != nil {
			p.call(d, func() { d.syncs.OnAcquire(s) })
		}
	case trace.Release:
		if d.syncs != nil {
			p.call(d, func() { d.syncs.OnRelease(s) })
		}
	case trace.ReleaseMerge:
		if d.syncs != nil {
			p.call(d, func() { d.syncs.OnReleaseMerge(s) })
		}
	case trace.AcquireAll:
		if d.syncs != nil {
			p.call(d, func() { d.syncs.OnAcquireAll(g) })
		}
	case trace.GoEnd:
		if d.gor != nil {
			p.call(d, func() { d.gor.OnGoEnd(g) })
		}
	case trace.Malloc:
		if d.mem != nil {
			p.call(d, func() { d.mem.OnMalloc(uintptr(ev.Addr), uintptr(ev.Size)) })
		}
	case trace.Free:
		if d.mem != nil {
			p.call(d, func() { d.mem.OnFree(uintptr(ev.Addr), uintptr(ev.Size)) })
		}
	case trace.Sync:
		if d.native != nil {
			op := race.SyncOp{G: g, Kind: race.SyncKind(ev.SyncKind), Obj: uintptr(ev.Addr), Arg: ev.Arg, PC: uintptr(ev.PC), Stack: race.StackID(ev.Stack)}
			p.call(d, func() { d.native.OnSync(op) })
		}
	case trace.TestStart:
		if d.tests != nil {
			p.call(d, func() { d.tests.OnTestStart(g, ev.Name) })
		}
	case trace.TestEnd:
		if d.tests != nil {
			p.testEnd(d, ev.G, g, ev.Name)
		}
	case trace.Exit:
		if d.exit != nil {
			p.call(d, func() { d.exit.OnExit(g) })
		}
	}
}

func (p *replayer) testEnd(d *replayDetector, tid uint64, g *race.Goroutine, name string) {
	var wait int64
	p.host.cur = tid
	p.call(d, func() { wait = d.tests.OnTestEnd(g, name) })
	d.pendingEnd = nil
	if wait > 0 {
		d.pendingEnd = &pendingTestEnd{tid, g, name}
	}
}

// retellTestEnds tells a detector waiting at a test's end again where the
// recorded run did: before the first event recorded after the test
// goroutine's next clock reading (a detector that waits reads the clock
// when told again).
func (p *replayer) retellTestEnds(offset int64) {
	for _, d := range p.dets {
		for pe := d.pendingEnd; pe != nil && !d.disabled; pe = d.pendingEnd {
			a, ok := p.r.PeekAnswer(pe.tid, trace.Clock)
			if !ok || a.Offset > offset {
				break
			}
			p.testEnd(d, pe.tid, pe.g, pe.name)
			if b, ok := p.r.PeekAnswer(pe.tid, trace.Clock); ok && b.Offset == a.Offset {
				break // the detector does not read the clock: wait for a test event
			}
		}
	}
}

// flushTestEnds tells the detectors that asked to wait at a test's end
// again, once: offline, the events the wait let happen have been replayed.
func (p *replayer) flushTestEnds() {
	for _, d := range p.dets {
		if pe := d.pendingEnd; pe != nil && !d.disabled {
			p.testEnd(d, pe.tid, pe.g, pe.name)
			d.pendingEnd = nil
		}
	}
}

func (p *replayer) goStart(ev *trace.Event) {
	child := &replayGoroutine{goid: ev.GoID, gs: make([]race.Goroutine, len(p.dets))}
	for i := range child.gs {
		child.gs[i].ID = ev.GoID
		child.gs[i].Created = race.StackID(ev.Stack)
	}
	p.gs = append(p.gs, child) // ev.G == len(p.gs): the reader checks it
	if ev.GoID != 0 {
		rec := &goroutineRecord{}
		if ev.Parent != 0 {
			rec.created = p.createdStack(ev)
		}
		p.goroutines[ev.GoID] = rec
	}
	for _, d := range p.dets {
		if d.gor == nil || d.disabled {
			continue
		}
		cg := &child.gs[d.index]
		if ev.Parent == 0 {
			p.call(d, func() { d.gor.OnGoStart(nil, cg, 0) })
		} else {
			pg := p.g(ev.Parent, d)
			p.call(d, func() { d.gor.OnGoStart(pg, cg, uintptr(ev.PC)) })
		}
	}
}

// createdStack returns where a goroutine was created: the go statement's
// PC and the parent's call stack there, which a version 2 trace records.
// A version 1 trace has the parent's stack only as of its last event: if that event was in the go
// statement's function (or in a function it called, still on the stack),
// the frames from that function's caller on are the parent's stack;
// otherwise only the go statement's PC is known.
func (p *replayer) createdStack(ev *trace.Event) []uint64 {
	created := []uint64{ev.PC}
	if ev.PC == 0 {
		created = nil
	}
	if p.r.Header().Version >= 2 {
		// The trace has the stack (race.Goroutine.Created).
		frames, _ := p.r.Stack(ev.Stack)
		return append(created, frames...)
	}
	fn := p.tab.Func(ev.PC)
	if fn == 0 {
		return created
	}
	last := []uint64{ev.ParentPC}
	if frames, ok := p.r.Stack(ev.ParentStack); ok {
		last = append(last, frames...)
	}
	for i, pc := range last {
		if pc != 0 && p.tab.Func(pc-1) == fn {
			return append(created, last[i+1:]...)
		}
	}
	return created
}

// collect asks every detector for its reports and prints them, as the
// runtime does when reports are due.
func (p *replayer) collect() {
	for _, d := range p.dets {
		if d.disabled {
			continue
		}
		var rs []race.Report
		p.call(d, func() { rs = d.d.Report() })
		for i := range rs {
			if p.suppressed(&rs[i]) {
				continue
			}
			p.reports++
			p.out.Write(p.tab.Format(d.name, &rs[i], p.stack, p.goroutine))
		}
	}
}

func (p *replayer) stack(id race.StackID) []uint64 {
	frames, _ := p.r.Stack(uint32(id))
	return frames
}

func (p *replayer) goroutine(id int64) race.GoroutineInfo {
	rec := p.goroutines[id]
	if rec == nil {
		return race.GoroutineInfo{}
	}
	return race.GoroutineInfo{Known: true, Finished: rec.finished, Created: uintptrs(rec.created)}
}

// suppressed is the runtime reporter's suppression of repeated reports
// (GORACE suppress_equal_addresses and suppress_equal_stacks).
func (p *replayer) suppressed(r *race.Report) bool {
	if len(r.Accesses) == 0 {
		return false
	}
	if p.suppressAddrs {
		addr := r.Accesses[0].Addr
		if addr != 0 && p.seenAddrs[addr] {
			return true
		}
		defer func() { p.seenAddrs[addr] = true }()
	}
	if p.suppressStacks {
		h := uint64(14695981039346656037)
		mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
		for _, a := range r.Accesses {
			mix(uint64(a.PC))
			mix(uint64(a.Stack))
			for _, pc := range a.Frames {
				mix(uint64(pc))
			}
		}
		if p.seenStacks[h] {
			return true
		}
		p.seenStacks[h] = true
	}
	return false
}

// bufferedStdout is for commands that stream large outputs.
func bufferedStdout() *bufio.Writer { return bufferedWriter(os.Stdout) }

func bufferedWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 1<<16) }
