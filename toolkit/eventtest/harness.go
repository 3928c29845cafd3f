// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"fmt"
	"runtime/race"
	"strings"
)

// A Harness feeds one detector synthetic events through the dispatcher of
// package runtime/race (a race.Replayer), so that the detector receives
// the calls the runtime would make for the same events: accesses in
// batches, goroutines announced before their first event, atomics followed
// by their edges, ranges through OnRead and OnWrite for a detector without
// RangeDetector, and so on.
//
// A Harness is not safe for concurrent use.
type Harness struct {
	t    TB
	d    race.Detector
	r    *race.Replayer
	tap  *tap
	gs   map[int]*race.ReplayGoroutine
	done map[int]bool // goroutines ended
	// steps are the steps delivered, with their PCs and stacks.
	steps []Step
	names names // for Script and Check
	// collected holds the reports collected where the runtime collects
	// them in the middle of a run (see collect), for Report.
	collected []race.Report
	// failures holds what the Replayer logged of a detector's panics.
	failures strings.Builder
	disabled bool // the detector panicked
}

// TB is what a Harness needs of a test: testing.TB has it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// maxTestEndRounds bounds how often TestEnd tells a detector that asks to
// wait again.
const maxTestEndRounds = 100

// New returns a Harness that feeds d, a detector that has received no
// event, reporting a misuse of the harness (a goroutine used after its
// End, say) and a panic of the detector's as t's errors.
func New(t TB, d race.Detector) *Harness {
	h := &Harness{t: t, d: d, gs: map[int]*race.ReplayGoroutine{}, done: map[int]bool{}}
	h.tap = newTap(d)
	var err error
	h.r, err = race.NewReplayer(race.ReplayConfig{
		Policies: []*race.Policy{{Name: "eventtest", New: func() race.Detector { return h.tap.detector() }}},
		Write:    func(b []byte) { h.failures.Write(b) },
	})
	if err != nil {
		t.Fatalf("eventtest: %v", err)
	}
	return h
}

// NewPolicy returns a Harness that feeds a new detector of p's.
func NewPolicy(t TB, p *race.Policy) *Harness { return New(t, p.New()) }

// Name names the variable at addr for the harness's failure messages: its
// scripts and reports show addr as name, and an address up to 4 KiB past
// it as name+offset.
func (h *Harness) Name(addr uintptr, name string) { h.names.add(addr, name) }

// Detector returns the detector the harness feeds.
func (h *Harness) Detector() race.Detector { return h.d }

// G returns goroutine n as the detector knows it (with its State), or nil
// if the detector has not been told of it.
func (h *Harness) G(n int) *race.Goroutine { return h.tap.gs[int64(n)] }

// Steps returns how many steps the harness has delivered: the next step
// without At gets PC(h.Steps()).
func (h *Harness) Steps() int { return len(h.steps) }

// Run delivers steps, in order, then the accesses still gathered, and
// returns the detector's reports (see Report). A step without At gets the PC and stack
// of its place among all the steps h has delivered (PC(n), Stack(n)).
func (h *Harness) Run(steps ...Step) []race.Report {
	h.t.Helper()
	h.Deliver(steps...)
	return h.Report()
}

// Deliver delivers steps, in order. The accesses of the last goroutine to
// access memory may still be gathered: they are delivered with its next
// event, another goroutine's, or Report.
func (h *Harness) Deliver(steps ...Step) {
	h.t.Helper()
	for _, s := range steps {
		if !s.hasPC {
			s.pc, s.hasPC = PC(len(h.steps)), true
		}
		if !s.hasStack {
			s.stack, s.hasStack = Stack(len(h.steps)), true
		}
		h.steps = append(h.steps, s)
		if !h.deliver(s) {
			return
		}
	}
}

// Report delivers the accesses still gathered, as the runtime does before
// it collects reports, and returns the detector's reports: those of the
// calls of its Report method the steps made, where the runtime calls it
// (see collect), and of one more call.
func (h *Harness) Report() []race.Report {
	h.t.Helper()
	h.collect()
	reps := h.collected
	h.collected = nil
	return reps
}

// collect adds the detector's reports to h.collected, after the accesses
// still gathered. The runtime collects reports (race.Errors) before a test
// starts and after it ends, after a call of Lock or RLock that may block
// (so that a deadlock's report is printed), after OnDeadlock, and at exit.
func (h *Harness) collect() {
	h.t.Helper()
	if g := h.anyGoroutine(); g != nil {
		h.flush(g)
	}
	h.checkFailures()
	h.collected = append(h.collected, h.d.Report()...)
}

// flush delivers the accesses gathered, with a Replayer event that makes
// no callback: a TestEnd on g told to no detector (pending 0).
func (h *Harness) flush(g *race.ReplayGoroutine) { h.r.TestEnd(g, "", 0) }

// Script returns the steps delivered, a line each, numbered, with their
// PCs: for failure messages.
func (h *Harness) Script() string {
	var b strings.Builder
	for i, s := range h.steps {
		fmt.Fprintf(&b, "%d: %s\n", i, s.format(&h.names))
	}
	return b.String()
}

func (h *Harness) anyGoroutine() *race.ReplayGoroutine {
	for _, g := range h.gs {
		return g
	}
	return nil
}

// goroutine returns goroutine n, started before the detector if it is
// new; false if it has ended.
func (h *Harness) goroutine(n int) (*race.ReplayGoroutine, bool) {
	h.t.Helper()
	if h.done[n] {
		h.t.Errorf("eventtest: step %d: goroutine %d used after its End\nscript:\n%s", len(h.steps)-1, n, h.Script())
		return nil, false
	}
	g := h.gs[n]
	if g == nil {
		g = h.r.GoStart(nil, int64(n), 0, 0)
		h.gs[n] = g
	}
	return g, true
}

// deliver delivers s, as the runtime delivers the events of the operation
// it stands for; false on a misuse, reported.
func (h *Harness) deliver(s Step) bool {
	h.t.Helper()
	r := h.r
	switch s.kind {
	case kMalloc:
		r.Malloc(s.addr, s.size)
		return true
	case kFree:
		r.Free(s.addr, s.size)
		return true
	case kDeadlock:
		h.deadlock(s.ids)
		return true
	case kGo:
		if _, used := h.gs[s.child]; used || h.done[s.child] {
			h.t.Errorf("eventtest: step %d: go statement starts goroutine %d, already used\nscript:\n%s", len(h.steps)-1, s.child, h.Script())
			return false
		}
	}
	g, ok := h.goroutine(s.g)
	if !ok {
		return false
	}
	access := func(kind race.AccessKind, addr, size uintptr) {
		r.Access(g, race.Access{Addr: addr, Size: size, Kind: kind, PC: s.pc, Stack: s.stack})
	}
	native := func(kind race.SyncKind, arg int64) {
		r.Sync(g, race.SyncOp{Kind: kind, Obj: s.addr, Arg: arg, PC: s.pc, Stack: s.stack})
		switch kind {
		case race.MutexLockWait, race.RWMutexRLockWait, race.RWMutexLockWait:
			h.collect()
		}
	}
	switch s.kind {
	case kRead:
		access(race.AccessRead, s.addr, 1)
	case kWrite:
		access(race.AccessWrite, s.addr, 1)
	case kReadRange:
		access(race.AccessReadRange, s.addr, s.size)
	case kWriteRange:
		access(race.AccessWriteRange, s.addr, s.size)
	case kAtomic:
		r.Atomic(g, s.op, s.width, s.failed, s.addr, s.pc, s.stack)
	case kAcquire:
		r.Acquire(g, s.addr)
	case kRelease:
		r.Release(g, s.addr)
	case kReleaseMerge:
		r.ReleaseMerge(g, s.addr)
	case kAcquireAll:
		r.AcquireAll(g)
	case kGo:
		h.gs[s.child] = r.GoStart(g, int64(s.child), s.pc, s.stack)
	case kEnd:
		r.GoEnd(g)
		h.done[s.g] = true
		delete(h.gs, s.g)
	case kFuncEnter:
		r.FuncEnter(g, s.pc)
	case kFuncExit:
		r.FuncExit(g)
	case kSync:
		native(s.sync, s.arg)
	case kLock:
		native(race.MutexLockWait, 0)
		r.Acquire(g, s.addr)
		native(race.MutexLock, 0)
	case kUnlock:
		native(race.MutexUnlock, 0)
		r.Release(g, s.addr)
	case kRLock:
		native(race.RWMutexRLockWait, 0)
		access(race.AccessRead, s.addr, 1)
		r.Acquire(g, s.addr+rwReaderSem)
		native(race.RWMutexRLock, 0)
	case kRUnlock:
		native(race.RWMutexRUnlock, 0)
		access(race.AccessRead, s.addr, 1)
		r.ReleaseMerge(g, s.addr+rwWriterSem)
	case kWLock:
		native(race.RWMutexLockWait, 0)
		access(race.AccessRead, s.addr, 1)
		r.Acquire(g, s.addr+rwReaderSem)
		r.Acquire(g, s.addr+rwWriterSem)
		native(race.RWMutexLock, 0)
	case kTryLock:
		if s.arg == 1 {
			r.Acquire(g, s.addr)
		}
		native(race.MutexTryLock, s.arg)
	case kTryRLock:
		access(race.AccessRead, s.addr, 1)
		if s.arg == 1 {
			r.Acquire(g, s.addr+rwReaderSem)
		}
		native(race.RWMutexTryRLock, s.arg)
	case kTryWLock:
		access(race.AccessRead, s.addr, 1)
		if s.arg == 1 {
			r.Acquire(g, s.addr+rwReaderSem)
			r.Acquire(g, s.addr+rwWriterSem)
		}
		native(race.RWMutexTryLock, s.arg)
	case kWUnlock:
		native(race.RWMutexUnlock, 0)
		access(race.AccessRead, s.addr, 1)
		r.Release(g, s.addr+rwReaderSem)
	case kTestStart:
		h.collect()
		r.TestStart(g, s.name)
	case kTestEnd:
		pending := ^uint32(0)
		for range maxTestEndRounds {
			if _, pending = r.TestEnd(g, s.name, pending); pending == 0 {
				break
			}
		}
		if pending != 0 {
			h.t.Errorf("eventtest: step %d: OnTestEnd still asks to wait after %d calls\nscript:\n%s", len(h.steps)-1, maxTestEndRounds, h.Script())
		}
		h.collect()
	case kExit:
		r.Exit(g)
		h.collect()
	case kYield:
		h.flush(g)
	default:
		h.t.Errorf("eventtest: step %d: no such step (%d); make steps with this package's functions", len(h.steps)-1, s.kind)
		return false
	}
	h.checkFailures()
	return true
}

// deadlock tells the detector, if it is a DeadlockDetector, that the
// goroutines ids are blocked for good, then collects its reports.
func (h *Harness) deadlock(ids []int64) {
	h.t.Helper()
	if g := h.anyGoroutine(); g != nil {
		h.flush(g)
	}
	if d, ok := h.d.(race.DeadlockDetector); ok && !h.disabled {
		func() {
			defer func() {
				if r := recover(); r != nil {
					h.disabled = true
					fmt.Fprintf(&h.failures, "panic in OnDeadlock: %v\n", r)
				}
			}()
			d.OnDeadlock(ids)
		}()
	}
	h.collect()
}

// checkFailures reports the detector's panics, which the dispatcher
// recovered (disabling the detector), as errors.
func (h *Harness) checkFailures() {
	h.t.Helper()
	if h.failures.Len() > 0 {
		h.disabled = true
		h.t.Errorf("eventtest: the detector failed:\n%s\nscript:\n%s", h.failures.String(), h.Script())
		h.failures.Reset()
	}
}
