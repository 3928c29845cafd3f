// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package trace

import (
	"encoding/binary"
	"fmt"
	"io"
)

// A Writer writes a trace, as the record detector does: for tests and
// tools that make traces without running a program.
type Writer struct {
	w      io.Writer
	buf    []byte
	gs     []gstate
	mem    uint64
	stacks map[uint32]bool
	names  map[string]uint64
	count  uint64
	err    error
}

// NewWriter writes the header h (its Version is ignored) to w and
// returns a Writer for the records.
func NewWriter(w io.Writer, h Header) *Writer {
	tw := &Writer{w: w, gs: make([]gstate, 1), stacks: make(map[uint32]bool), names: make(map[string]uint64)}
	b := append(tw.buf, Magic...)
	b = binary.AppendUvarint(b, Version)
	b = appendString(b, h.Exe)
	b = appendString(b, h.BuildID)
	b = binary.AppendUvarint(b, uint64(h.PID))
	b = appendString(b, h.GOROOT)
	tw.buf = b
	return tw
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Stack defines stack id, unless it is defined already.
func (w *Writer) Stack(id uint32, frames []uint64) {
	if id == 0 || w.stacks[id] {
		return
	}
	w.stacks[id] = true
	b := append(w.buf, byte(StackRecord))
	b = binary.AppendUvarint(b, uint64(id))
	w.buf = appendFrames(b, frames)
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

func (w *Writer) g(tid uint64) (*gstate, error) {
	if tid == 0 || tid >= uint64(len(w.gs)) {
		return nil, fmt.Errorf("trace: goroutine %d not started", tid)
	}
	return &w.gs[tid], nil
}

func (w *Writer) pc(b []byte, pc uint64, s *gstate) []byte {
	if pc == 0 {
		return append(b, 0)
	}
	d := int64(pc - s.pc)
	s.pc = pc
	return binary.AppendUvarint(b, uint64(d<<1^d>>63)+1)
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
	var s *gstate
	var err error
	switch ev.Kind {
	case GoStart, Malloc, Free, Report:
	default:
		if s, err = w.g(ev.G); err != nil {
			return err
		}
	}
	if ev.Kind == TestStart || ev.Kind == TestEnd {
		w.stringID(ev.Name)
	}
	b := w.buf
	b = append(b, byte(ev.Kind))
	switch ev.Kind {
	case Atomic:
		b = append(b, ev.Op, ev.Width)
	case Sync:
		b = append(b, ev.SyncKind)
	}
	switch ev.Kind {
	case Read, Write, ReadRange, WriteRange, Atomic, Acquire, Release, ReleaseMerge, Sync:
		b = binary.AppendUvarint(b, ev.G)
		b = binary.AppendVarint(b, int64(ev.Addr-s.addr))
		s.addr = ev.Addr
		if ev.Kind == ReadRange || ev.Kind == WriteRange {
			b = binary.AppendUvarint(b, ev.Size)
		}
		if ev.Kind == Sync {
			b = binary.AppendVarint(b, ev.Arg)
		}
		b = w.pc(b, ev.PC, s)
		switch ev.Kind {
		case Acquire, Release, ReleaseMerge:
		default:
			b = binary.AppendVarint(b, int64(ev.Stack)-int64(s.stack))
			s.stack = ev.Stack
		}
	case AcquireAll, GoEnd, Exit, FuncExit:
		b = binary.AppendUvarint(b, ev.G)
	case FuncEnter:
		b = binary.AppendUvarint(b, ev.G)
		b = w.pc(b, ev.PC, s)
	case TestStart, TestEnd:
		b = binary.AppendUvarint(b, ev.G)
		b = binary.AppendUvarint(b, w.names[ev.Name])
	case GoStart:
		if ev.G != uint64(len(w.gs)) {
			return fmt.Errorf("trace: GoStart of goroutine %d, want %d", ev.G, len(w.gs))
		}
		w.gs = append(w.gs, gstate{})
		b = binary.AppendUvarint(b, ev.Parent)
		b = binary.AppendUvarint(b, ev.G)
		b = binary.AppendVarint(b, ev.GoID)
		b = binary.AppendUvarint(b, ev.PC)
		b = binary.AppendUvarint(b, uint64(ev.Stack))
	case Malloc, Free:
		b = binary.AppendVarint(b, int64(ev.Addr-w.mem))
		w.mem = ev.Addr
		b = binary.AppendUvarint(b, ev.Size)
	case Report:
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
		w.buf = append(w.buf, byte(StringRecord))
		w.buf = binary.AppendUvarint(w.buf, id)
		w.buf = appendString(w.buf, name)
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
	var state uint64
	if a.Kind == Lookup {
		state = w.stringID(a.State)
	}
	b := append(w.buf, byte(a.Kind))
	b = binary.AppendUvarint(b, a.G)
	switch a.Kind {
	case Lookup:
		var flags byte
		if a.Found {
			flags |= 1
		}
		if a.Blocked {
			flags |= 2
		}
		b = binary.AppendVarint(b, a.ID)
		b = append(b, flags)
		b = binary.AppendUvarint(b, state)
		b = appendFrames(b, a.PCs)
	case Clock:
		b = binary.AppendVarint(b, a.Time)
	case Callers:
		b = appendFrames(b, a.PCs)
	default:
		return fmt.Errorf("trace: %v is not an answer", a.Kind)
	}
	w.buf = b
	w.flushIfBig()
	return nil
}

func appendFrames(b []byte, frames []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(frames)))
	for i, pc := range frames {
		if i == 0 {
			b = binary.AppendUvarint(b, pc)
		} else {
			b = binary.AppendVarint(b, int64(pc-frames[i-1]))
		}
	}
	return b
}

// Close writes the end record and flushes. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	w.buf = append(w.buf, byte(End))
	w.buf = binary.AppendUvarint(w.buf, w.count)
	return w.Flush()
}
