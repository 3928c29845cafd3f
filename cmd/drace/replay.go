package main

// drace replay: feed a trace of the record detector to detectors offline.
//
// The listed detectors, their flags set from DRACE_FLAGS as the traced
// program set them, receive the trace's events through a race.Replayer:
// the dispatcher that delivers a running program's events, with the same
// batches of accesses and function events, the same goroutine
// announcements and the same recovery from a detector's panic. Reports are
// collected where the traced program collected them (Report records) and
// at the end, through the running program's report log: suppressed as
// GORACE says, printed as race.Format prints them (JSON with
// DRACE_FORMAT=json), symbolized from the traced binary.
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

	"drace/detectors/record/trace"
	"drace/internal/symbolize"
)

const replayUsage = "usage: drace replay -detectors=LIST [-partial] [-binary BIN] TRACE"

// traceInputFlags defines the flags of the commands that read a trace
// through replay: -partial, to read (verb) what precedes a bad record,
// and -binary.
func traceInputFlags(fs *flag.FlagSet, verb string) (partial *bool, binary *string) {
	partial = fs.Bool("partial", false, verb+" what precedes a truncated or malformed record instead of failing")
	binary = fs.String("binary", "", "the traced binary (default: the path the trace names)")
	return partial, binary
}

// parseTraceFlags parses the flags of such a command: -h prints its usage
// and flags (help); a bad flag is a usage error.
func parseTraceFlags(fs *flag.FlagSet, args []string, usage string) (help bool, err error) {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fmt.Println(usage)
		fs.PrintDefaults()
		return true, nil
	} else if err != nil {
		return false, usagef("%s: %v", fs.Name(), err)
	}
	return false, nil
}

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
	partial, binary := traceInputFlags(fs, "replay")
	if help, err := parseTraceFlags(fs, args, replayUsage); help || err != nil {
		return err
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
	// Policies run after the named detectors: detectors that are not
	// registered, such as drace predict's.
	Policies []*race.Policy
	// Observe, if set, sees every event before the detectors do, and
	// BeforeFinish is called after the last one, before the last
	// reports are collected.
	Observe      func(*trace.Event)
	BeforeFinish func()
	// JSON prints reports as JSON, as DRACE_FORMAT=json does.
	JSON bool
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

// A pendingTestEnd is a test end at which detectors asked to wait: replay
// tells them again (those in mask) where the recorded run did, or at the
// next test or exit event, or at the end of the trace.
type pendingTestEnd struct {
	tid  uint64
	name string
	mask uint32
}

// goroutineRecord is the runtime's goroutine table entry (keyed by
// goroutine id, as the runtime keys it), for "created at".
type goroutineRecord struct {
	created  []uint64
	finished bool
	test     string
}

type replayer struct {
	rp         *race.Replayer
	r          *trace.Reader
	host       *replayHost
	tab        *symbolize.Table
	gs         []*race.ReplayGoroutine // by tid
	goids      []int64                 // by tid
	goroutines map[int64]*goroutineRecord
	pendingEnd *pendingTestEnd
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
		gs:         []*race.ReplayGoroutine{nil},
		goids:      []int64{0},
		goroutines: make(map[int64]*goroutineRecord),
	}
	// The host is global to runtime/race: one replay at a time.
	hostMu.Lock()
	defer hostMu.Unlock()
	p.host = newReplayHost(r, tab, opts.Warn)
	race.SetHost(p.host)
	defer race.SetHost(nil)
	var policies []*race.Policy
	for _, name := range opts.Detectors {
		k := slices.IndexFunc(race.Policies(), func(p *race.Policy) bool { return p.Name == name })
		if k < 0 {
			return res, fmt.Errorf("unknown detector %q (have %s)", name, strings.Join(replayableDetectors(), ", "))
		}
		policy := race.Policies()[k]
		// The detector's flags as the recorded run set them, from
		// DRACE_FLAGS, read like GORACE.
		if err := race.SetFlags(policy, os.Getenv("DRACE_FLAGS")); err != nil {
			return res, fmt.Errorf("DRACE_FLAGS: %v", err)
		}
		policies = append(policies, policy)
	}
	policies = append(policies, opts.Policies...)
	p.rp, err = race.NewReplayer(race.ReplayConfig{
		Policies:  policies,
		GORACE:    os.Getenv("GORACE"),
		JSON:      opts.JSON || os.Getenv("DRACE_FORMAT") == "json",
		Write:     func(b []byte) { out.Write(b) },
		Goroutine: p.goroutine,
	})
	if err != nil {
		return res, err
	}
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if opts.Observe != nil {
			opts.Observe(&ev)
		}
		p.event(&ev)
	}
	p.flushTestEnds()
	if opts.BeforeFinish != nil {
		opts.BeforeFinish()
	}
	res.Reports, _ = p.rp.Finish()
	res.Events, res.Err = r.Count(), r.Err()
	return res, nil
}

var accessKinds = [...]race.AccessKind{
	trace.Read:       race.AccessRead,
	trace.Write:      race.AccessWrite,
	trace.ReadRange:  race.AccessReadRange,
	trace.WriteRange: race.AccessWriteRange,
}

func (p *replayer) event(ev *trace.Event) {
	p.retellTestEnds(ev.Offset)
	p.host.cur, p.host.offset = ev.G, ev.Offset
	if ev.Kind == trace.GoStart {
		p.goStart(ev) // of goroutine ev.G, new
		return
	}
	g := p.gs[ev.G]
	switch ev.Kind {
	case trace.Read, trace.Write, trace.ReadRange, trace.WriteRange:
		p.rp.Access(g, race.Access{Kind: accessKinds[ev.Kind], Addr: uintptr(ev.Addr), Size: uintptr(ev.Size), PC: uintptr(ev.PC), Stack: race.StackID(ev.Stack)})
	case trace.FuncEnter:
		p.rp.FuncEnter(g, uintptr(ev.PC))
	case trace.FuncExit:
		p.rp.FuncExit(g)
	case trace.Atomic:
		p.rp.Atomic(g, race.AtomicOp(ev.Op), ev.Width, ev.Failed, uintptr(ev.Addr), uintptr(ev.PC), race.StackID(ev.Stack))
	case trace.Acquire, trace.Release, trace.ReleaseMerge:
		if ev.PC != 0 {
			// An edge of an atomic operation (race.Sync.PC): Atomic
			// has made it.
			break
		}
		switch ev.Kind {
		case trace.Acquire:
			p.rp.Acquire(g, uintptr(ev.Addr))
		case trace.Release:
			p.rp.Release(g, uintptr(ev.Addr))
		default:
			p.rp.ReleaseMerge(g, uintptr(ev.Addr))
		}
	case trace.AcquireAll:
		p.rp.AcquireAll(g)
	case trace.GoEnd:
		p.rp.GoEnd(g)
		if rec := p.goroutines[p.goids[ev.G]]; rec != nil {
			rec.finished = true
		}
	case trace.Malloc:
		p.rp.Malloc(uintptr(ev.Addr), uintptr(ev.Size))
	case trace.Free:
		p.rp.Free(uintptr(ev.Addr), uintptr(ev.Size))
	case trace.Sync:
		p.rp.Sync(g, race.SyncOp{Kind: race.SyncKind(ev.SyncKind), Obj: uintptr(ev.Addr), Arg: ev.Arg, PC: uintptr(ev.PC), Stack: race.StackID(ev.Stack)})
	case trace.TestStart:
		p.flushTestEnds()
		p.rp.TestStart(g, ev.Name)
		if rec := p.goroutines[p.goids[ev.G]]; rec != nil {
			rec.test = ev.Name
		}
	case trace.TestEnd:
		p.flushTestEnds()
		p.testEnd(&pendingTestEnd{tid: ev.G, name: ev.Name, mask: ^uint32(0)})
	case trace.Exit:
		p.flushTestEnds()
		p.rp.Exit(g)
	case trace.Report:
		p.rp.Reports()
	}
}

// testEnd tells the detectors in pe.mask that a test ends, and keeps
// those that ask to wait.
func (p *replayer) testEnd(pe *pendingTestEnd) {
	p.host.cur = pe.tid
	wait, still := p.rp.TestEnd(p.gs[pe.tid], pe.name, pe.mask)
	p.pendingEnd = nil
	if wait > 0 && still != 0 {
		p.pendingEnd = &pendingTestEnd{pe.tid, pe.name, still}
	}
}

// retellTestEnds tells detectors waiting at a test's end again where the
// recorded run did: before the first event recorded after the test
// goroutine's next clock reading (a detector that waits reads the clock
// when told again).
func (p *replayer) retellTestEnds(offset int64) {
	for pe := p.pendingEnd; pe != nil; pe = p.pendingEnd {
		a, ok := p.r.PeekAnswer(pe.tid, trace.Clock)
		if !ok || a.Offset > offset {
			break
		}
		p.testEnd(pe)
		if b, ok := p.r.PeekAnswer(pe.tid, trace.Clock); ok && b.Offset == a.Offset {
			break // the detectors do not read the clock: wait for a test event
		}
	}
}

// flushTestEnds tells the detectors that asked to wait at a test's end
// again, once: offline, the events the wait let happen have been replayed.
func (p *replayer) flushTestEnds() {
	if pe := p.pendingEnd; pe != nil {
		p.testEnd(pe)
		p.pendingEnd = nil
	}
}

func (p *replayer) goStart(ev *trace.Event) {
	var parent *race.ReplayGoroutine
	if ev.Parent != 0 {
		parent = p.gs[ev.Parent]
	}
	if ev.GoID != 0 {
		rec := &goroutineRecord{}
		if ev.Parent != 0 {
			rec.created = p.createdStack(ev)
			if prec := p.goroutines[p.goids[ev.Parent]]; prec != nil {
				rec.test = prec.test
			}
		}
		p.goroutines[ev.GoID] = rec
	}
	// ev.G == len(p.gs): the reader checks it.
	p.gs = append(p.gs, p.rp.GoStart(parent, ev.GoID, uintptr(ev.PC), race.StackID(ev.Stack)))
	p.goids = append(p.goids, ev.GoID)
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

func (p *replayer) goroutine(id int64) race.GoroutineInfo {
	rec := p.goroutines[id]
	if rec == nil {
		return race.GoroutineInfo{}
	}
	return race.GoroutineInfo{Known: true, Finished: rec.finished, Test: rec.test, Created: uintptrs(rec.created)}
}

// bufferedStdout is for commands that stream large outputs.
func bufferedStdout() *bufio.Writer { return bufferedWriter(os.Stdout) }

func bufferedWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 1<<16) }
