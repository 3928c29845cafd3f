// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package trace

import (
	"fmt"
	"io"
	"runtime/race"
)

// A Writer writes a trace with the record detector's encoder: for tests
// and tools that make traces without running a program.
type Writer struct {
	w      io.Writer
	buf    []byte
	gs     []GState
	mem    uint64
	stacks map[uint32]bool
	names  map[string]uint64
	count  uint64
	err    error
}

// NewWriter writes the header h (its Version is ignored) to w and
// returns a Writer for the records.
func NewWriter(w io.Writer, h Header) *Writer {
	tw := &Writer{w: w, gs: make([]GState, 1), stacks: make(map[uint32]bool), names: make(map[string]uint64)}
	tw.buf = AppendHeader(tw.buf, h)
	return tw
}

// Stack defines stack id, unless it is defined already.
func (w *Writer) Stack(id uint32, frames []uint64) {
	if id == 0 || w.stacks[id] {
		return
	}
	w.stacks[id] = true
	w.buf = AppendStack(w.buf, id, frames)
	w.flushIfBig()
}

func (w *Writer) flushIfBig() {
	if len(w.buf) >= 1<<16 {
		w.Flush()
	}
}

// Flush writes the records buffered so far.
func (w *Writer) Flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

func (w *Writer) g(tid uint64) (*GState, error) {
	if tid == 0 || tid >= uint64(len(w.gs)) {
		return nil, fmt.Errorf("trace: goroutine %d not started", tid)
	}
	return &w.gs[tid], nil
}

// Event appends ev (its Offset ignored). A GoStart's G must be the next
// tid (1, 2, ...); stacks must be defined with Stack first; test names
// are added to the string table as needed.
func (w *Writer) Event(ev Event) error {
	if w.err != nil {
		return w.err
	}
	if !ev.Kind.IsEvent() {
		return fmt.Errorf("trace: Event: bad kind %v", ev.Kind)
	}
	if ev.Stack != 0 && !w.stacks[ev.Stack] {
		return fmt.Errorf("trace: Event: stack %d not defined", ev.Stack)
	}
	var s *GState
	var err error
	switch ev.Kind {
	case GoStart, Malloc, Free, Report:
	default:
		if s, err = w.g(ev.G); err != nil {
			return err
		}
	}
	var name uint64
	if ev.Kind == TestStart || ev.Kind == TestEnd {
		name = w.stringID(ev.Name)
	}
	b := w.buf
	switch ev.Kind {
	case Read, Write, ReadRange, WriteRange:
		b = AppendAccess(b, ev.Kind, ev.G, s, ev.Addr, ev.Size, ev.PC, ev.Stack)
	case Atomic:
		b = AppendAtomic(b, ev.Op, ev.Width, ev.Failed && ev.Op == uint8(race.AtomicCompareAndSwap), ev.G, s, ev.Addr, ev.PC, ev.Stack)
	case Acquire, Release, ReleaseMerge:
		b = AppendEdge(b, ev.Kind, ev.G, s, ev.Addr, ev.PC)
	case Sync:
		b = AppendSync(b, ev.SyncKind, ev.G, s, ev.Addr, ev.Arg, ev.PC, ev.Stack)
	case FuncEnter:
		b = AppendFuncEnter(b, ev.G, s, ev.PC)
	case AcquireAll, GoEnd, Exit, FuncExit:
		b = AppendGoEvent(b, ev.Kind, ev.G)
	case TestStart, TestEnd:
		b = AppendTest(b, ev.Kind, ev.G, name)
	case GoStart:
		if ev.G != uint64(len(w.gs)) {
			return fmt.Errorf("trace: GoStart of goroutine %d, want %d", ev.G, len(w.gs))
		}
		w.gs = append(w.gs, GState{})
		b = AppendGoStart(b, ev.Parent, ev.G, ev.GoID, ev.PC, ev.Stack)
	case Malloc, Free:
		b = AppendMemory(b, ev.Kind, &w.mem, ev.Addr, ev.Size)
	case Report:
		b = AppendReport(b)
	}
	w.buf = b
	w.count++
	w.flushIfBig()
	return nil
}

// stringID returns the id of name in the string table, defining it first
// if needed.
func (w *Writer) stringID(name string) uint64 {
	id, ok := w.names[name]
	if !ok {
		id = uint64(len(w.names)) + 1
		w.names[name] = id
		w.buf = AppendString(w.buf, id, name)
	}
	return id
}

// Answer appends an answer record (its Offset ignored).
func (w *Writer) Answer(a Answer) error {
	if w.err != nil {
		return w.err
	}
	if a.G >= uint64(len(w.gs)) {
		return fmt.Errorf("trace: goroutine %d not started", a.G)
	}
	switch a.Kind {
	case Lookup:
		state := w.stringID(a.State)
		w.buf = AppendLookup(w.buf, a.G, a.ID, a.Found, a.Blocked, state, a.PCs, a.Waits)
	case Clock:
		w.buf = AppendClock(w.buf, a.G, a.Time)
	case Callers:
		w.buf = AppendCallers(w.buf, a.G, a.PCs)
	default:
		return fmt.Errorf("trace: %v is not an answer", a.Kind)
	}
	w.flushIfBig()
	return nil
}

// Close writes the end record and flushes. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	w.buf = AppendEnd(w.buf, w.count)
	return w.Flush()
}
