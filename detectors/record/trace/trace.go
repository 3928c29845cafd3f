// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package trace is the format of the record detector's traces (the
// detector's doc.go documents it, version 6): the encoder the detector
// writes with (Append*), a Writer for tools and tests that make traces
// without running a program, and the Reader drace replay, stat and
// export read with. Installed with the detector in the toolchain, it is
// compiled like the detector, without race instrumentation.
//
// A trace's events are in one total order: the order in which every
// detector linked beside the recorder received them, at any GOMAXPROCS
// (the runtime delivers each event to all of them in one critical
// section), consistent with each goroutine's program order and with the
// happens-before edges the runtime reported. Accesses come in batches:
// two accesses no synchronisation orders are in the order the detectors
// saw them, not necessarily the order the memory operations ran in. The
// detector's doc.go, Order, says it in full.
package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime/race"
	"strconv"
)

// Magic and Version identify the format.
const (
	Magic   = "DRACETR1"
	Version = 6
)

// A Kind is the kind of a record.
type Kind uint8

// Events.
const (
	Read Kind = iota + 1
	Write
	ReadRange
	WriteRange
	Atomic
	Acquire
	Release
	ReleaseMerge
	AcquireAll
	GoStart
	GoEnd
	Malloc
	Free
	Sync
	TestStart
	TestEnd
	Exit
	Report

	// Tables and the end: not events.
	StackRecord
	StringRecord
	End

	// Answers: not events (see Answer).
	Lookup
	Clock
	Callers

	// Function entries and exits (version 3): events.
	FuncEnter
	FuncExit
)

var kindNames = [...]string{"",
	"Read", "Write", "ReadRange", "WriteRange", "Atomic", "Acquire", "Release",
	"ReleaseMerge", "AcquireAll", "GoStart", "GoEnd", "Malloc", "Free", "Sync",
	"TestStart", "TestEnd", "Exit", "Report", "Stack", "String", "End",
	"Lookup", "Clock", "Callers", "FuncEnter", "FuncExit",
}

func (k Kind) String() string {
	if k != 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// NumKinds bounds the kinds: k < NumKinds.
const NumKinds = int(FuncExit) + 1

// IsEvent reports whether k is an event's kind, not a table's, the end's
// or an answer's.
func (k Kind) IsEvent() bool {
	return Read <= k && k <= Report || k == FuncEnter || k == FuncExit
}

// A Header is the start of a trace.
type Header struct {
	Version int
	// Exe is the traced binary's path and BuildID its Go build ID.
	Exe     string
	BuildID string
	PID     int
	// GOROOT is the root of the Go tree the binary was built from
	// (race.GOROOT); "" if unknown.
	GOROOT string
}

// An Event is one event record, its delta-encoded fields resolved.
type Event struct {
	// Offset is the byte offset of the record in the trace.
	Offset int64
	Kind   Kind
	// G is the trace goroutine number (tid) of the goroutine the event
	// is on; for GoStart, the new goroutine's. 0 for Malloc, Free and
	// Report.
	G uint64
	// Parent is GoStart's parent tid, 0 if none; GoID the new
	// goroutine's id; ParentPC and ParentStack the parent's last PC and
	// StackID before the start (where it was, as far as the trace knows).
	Parent      uint64
	GoID        int64
	ParentPC    uint64
	ParentStack uint32
	// Addr is the address (the object for Sync); Size a range's length,
	// an atomic's width, or an allocation's size.
	Addr uint64
	Size uint64
	// PC is the event's PC; for FuncEnter, the PC of the call.
	PC uint64
	// Stack is the access's or operation's StackID (see Reader.Stack);
	// for GoStart, the stack the goroutine was created at (version 2).
	Stack uint32
	// Op is an Atomic's race.AtomicOp and Width its width; Failed says
	// it is a CompareAndSwap that failed (race.AtomicAccess.Failed;
	// version 6: before, every CompareAndSwap is recorded as swapping).
	Op     uint8
	Width  uint8
	Failed bool
	// SyncKind is a Sync's race.SyncKind and Arg its argument.
	SyncKind uint8
	Arg      int64
	// Name is a TestStart's or TestEnd's test.
	Name string
}

// An Answer is what a detector linked beside the recorder was told when
// it asked runtime/race about the program (race.HostAnswer): a goroutine's
// status (Lookup), the clock (Clock) or its own stack (Callers).
type Answer struct {
	Offset int64
	Kind   Kind
	// G is the tid of the goroutine that asked; 0 for none.
	G uint64
	// Lookup: the goroutine looked up, whether it was found, blocked,
	// and its state.
	ID      int64
	Found   bool
	Blocked bool
	State   string
	// Clock: the time, in nanoseconds.
	Time int64
	// Lookup (a blocked goroutine's stack) and Callers: return addresses.
	PCs []uint64
	// Lookup: what a blocked goroutine waits on (version 4).
	Waits []race.Wait
}

// maxLookahead bounds how many records Answer reads ahead of the events
// Next has returned, looking for an answer.
const maxLookahead = 1 << 16

// An Error is a malformed trace: what is wrong and where.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string {
	return "trace: byte offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Msg
}

// gstate is the per-goroutine decoding state.
type gstate struct {
	addr, pc uint64
	stack    uint32
	ended    bool
}

// A Reader reads a trace record by record.
type Reader struct {
	// Partial, if set, makes Next end the trace (io.EOF) at the first
	// malformed or truncated record instead of returning the error; Err
	// then returns it.
	Partial bool
	// SkipAnswers, if set, makes the reader count answer records without
	// keeping them, for readers that never call Answer.
	SkipAnswers bool

	r       *bufio.Reader
	off     int64
	start   int64 // offset of the record being read
	hdr     Header
	gs      []gstate // by tid; gs[0] unused
	mem     uint64
	stacks  map[uint32][]uint64
	strings map[uint64]string
	count   uint64
	done    bool
	err     error

	// ahead holds what Answer read past the events Next has returned.
	ahead []readResult
	// answers queues the answers read so far by asking goroutine and kind.
	answers map[answerKey][]Answer
	// numAnswers counts the answer records read, by kind.
	numAnswers [3]uint64
}

type readResult struct {
	ev  Event
	err error
}

type answerKey struct {
	g    uint64
	kind Kind
}

// NewReader reads the trace's header from r.
func NewReader(r io.Reader) (*Reader, error) {
	tr := &Reader{
		r:       bufio.NewReaderSize(r, 1<<16),
		gs:      make([]gstate, 1),
		stacks:  make(map[uint32][]uint64),
		strings: make(map[uint64]string),
		answers: make(map[answerKey][]Answer),
	}
	magic := make([]byte, len(Magic))
	n, err := io.ReadFull(tr.r, magic)
	tr.off += int64(n)
	if err != nil || string(magic) != Magic {
		if err != nil && n < len(Magic) && string(magic[:n]) == Magic[:n] {
			return nil, &Error{int64(n), "truncated header"}
		}
		return nil, &Error{0, "not a drace trace (bad magic)"}
	}
	v, err := tr.uvarint()
	if err != nil {
		return nil, err
	}
	if v < 1 || v > Version {
		return nil, &Error{len64(Magic), fmt.Sprintf("unsupported trace version %d (want %d)", v, Version)}
	}
	tr.hdr.Version = int(v)
	if tr.hdr.Exe, err = tr.string(); err != nil {
		return nil, err
	}
	if tr.hdr.BuildID, err = tr.string(); err != nil {
		return nil, err
	}
	pid, err := tr.uvarint()
	if err != nil {
		return nil, err
	}
	tr.hdr.PID = int(pid)
	if v >= 2 {
		if tr.hdr.GOROOT, err = tr.string(); err != nil {
			return nil, err
		}
	}
	return tr, nil
}

func len64(s string) int64 { return int64(len(s)) }

// Header returns the trace's header.
func (r *Reader) Header() Header { return r.hdr }

// Stack returns the frames of the stack id (return addresses, innermost
// first) as defined so far, and whether it is defined. Stack 0 is empty.
func (r *Reader) Stack(id uint32) ([]uint64, bool) {
	if id == 0 {
		return nil, true
	}
	f, ok := r.stacks[id]
	return f, ok
}

// NumStacks returns the number of stacks defined so far.
func (r *Reader) NumStacks() int { return len(r.stacks) }

// NumGoroutines returns the number of goroutines started so far.
func (r *Reader) NumGoroutines() int { return len(r.gs) - 1 }

// NumAnswers returns the number of answer records of kind (Lookup, Clock
// or Callers) read so far.
func (r *Reader) NumAnswers(kind Kind) uint64 {
	if kind < Lookup || kind > Callers {
		return 0
	}
	return r.numAnswers[kind-Lookup]
}

// Count returns the number of events read so far.
func (r *Reader) Count() uint64 { return r.count }

// Complete reports whether the trace's end record has been read.
func (r *Reader) Complete() bool { return r.done && r.err == nil }

// Err returns the error that ended a Partial read, or nil.
func (r *Reader) Err() error { return r.err }

// Offset returns the byte offset of the next record.
func (r *Reader) Offset() int64 { return r.off }

var errTruncated = errors.New("truncated")

func (r *Reader) byte() (byte, error) {
	c, err := r.r.ReadByte()
	if err != nil {
		return 0, r.truncated(err)
	}
	r.off++
	return c, nil
}

func (r *Reader) truncated(err error) error {
	if err == io.EOF {
		return &Error{r.off, "truncated record (" + r.what() + ")"}
	}
	return &Error{r.off, err.Error()}
}

// what names the record being read, for errors.
func (r *Reader) what() string {
	if r.start == 0 {
		return "header"
	}
	return "record at offset " + strconv.FormatInt(r.start, 10)
}

func (r *Reader) uvarint() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift == 63 && c > 1 || shift > 63 {
			return 0, &Error{r.off - 1, "varint overflows 64 bits (" + r.what() + ")"}
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

func (r *Reader) varint() (int64, error) {
	u, err := r.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (r *Reader) string() (string, error) {
	n, err := r.uvarint()
	if err != nil {
		return "", err
	}
	if n > 1<<20 {
		return "", &Error{r.off, fmt.Sprintf("string of %d bytes (%s)", n, r.what())}
	}
	b := make([]byte, n)
	m, err := io.ReadFull(r.r, b)
	r.off += int64(m)
	if err != nil {
		return "", r.truncated(io.EOF)
	}
	return string(b), nil
}

func (r *Reader) corrupt(format string, args ...any) error {
	return &Error{r.start, fmt.Sprintf(format, args...) + " (" + r.what() + ")"}
}

// g returns the decoding state of a running goroutine.
func (r *Reader) g(tid uint64) (*gstate, error) {
	if tid == 0 || tid >= uint64(len(r.gs)) {
		return nil, r.corrupt("goroutine %d not started", tid)
	}
	s := &r.gs[tid]
	if s.ended {
		return nil, r.corrupt("goroutine %d ended", tid)
	}
	return s, nil
}

func (r *Reader) tid(ev *Event) (*gstate, error) {
	tid, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	ev.G = tid
	return r.g(tid)
}

func (r *Reader) addr(ev *Event, s *gstate) error {
	d, err := r.varint()
	if err != nil {
		return err
	}
	s.addr += uint64(d)
	ev.Addr = s.addr
	return nil
}

func (r *Reader) pc(ev *Event, s *gstate) error {
	u, err := r.uvarint()
	if err != nil {
		return err
	}
	if u == 0 {
		ev.PC = 0
		return nil
	}
	u--
	s.pc += uint64(int64(u>>1) ^ -int64(u&1))
	ev.PC = s.pc
	return nil
}

func (r *Reader) stack(ev *Event, s *gstate) error {
	d, err := r.varint()
	if err != nil {
		return err
	}
	id := int64(s.stack) + d
	if id < 0 || id > 1<<32-1 {
		return r.corrupt("stack id %d out of range", id)
	}
	if _, ok := r.stacks[uint32(id)]; id != 0 && !ok {
		return r.corrupt("stack %d not defined", id)
	}
	s.stack = uint32(id)
	ev.Stack = s.stack
	return nil
}

// Next returns the next event. It returns io.EOF after the end record,
// and an *Error for a malformed or truncated trace (in Partial mode,
// io.EOF, the error being kept for Err).
func (r *Reader) Next() (Event, error) {
	if len(r.ahead) > 0 {
		res := r.ahead[0]
		r.ahead = r.ahead[1:]
		return res.ev, res.err
	}
	return r.read()
}

// Answer returns the next answer of kind to goroutine g (its tid; 0 for
// none), in the order they were given, reading ahead of Next up to
// maxLookahead records when none is queued yet: the recorder may have
// logged an answer after the event during which it was given. It returns
// false when there is none.
func (r *Reader) Answer(g uint64, kind Kind) (Answer, bool) {
	key := answerKey{g, kind}
	if !r.fill(key) {
		return Answer{}, false
	}
	q := r.answers[key]
	a := q[0]
	if len(q) == 1 {
		delete(r.answers, key)
	} else {
		r.answers[key] = q[1:]
	}
	return a, true
}

// NextAnswer returns what Answer would, without taking it: the answer
// stays next.
func (r *Reader) NextAnswer(g uint64, kind Kind) (Answer, bool) {
	key := answerKey{g, kind}
	if !r.fill(key) {
		return Answer{}, false
	}
	return r.answers[key][0], true
}

// fill reads ahead of Next, up to maxLookahead records, until an answer
// of key is queued, and reports whether one is.
func (r *Reader) fill(key answerKey) bool {
	for n := 0; len(r.answers[key]) == 0; n++ {
		if n == maxLookahead || len(r.ahead) > 0 && r.ahead[len(r.ahead)-1].err != nil {
			return false
		}
		ev, err := r.read()
		r.ahead = append(r.ahead, readResult{ev, err})
	}
	return true
}

// PeekAnswer returns the next answer of kind to goroutine g among those
// read so far, without taking it and without reading ahead.
func (r *Reader) PeekAnswer(g uint64, kind Kind) (Answer, bool) {
	if q := r.answers[answerKey{g, kind}]; len(q) > 0 {
		return q[0], true
	}
	return Answer{}, false
}

// read reads the next event, queueing the answers before it.
func (r *Reader) read() (Event, error) {
	ev, err := r.next()
	if err != nil && err != io.EOF {
		if r.err == nil {
			r.err = err
		}
		r.done = true
		if r.Partial {
			return Event{}, io.EOF
		}
	}
	return ev, err
}

func (r *Reader) next() (Event, error) {
	if r.done {
		if r.err != nil {
			return Event{}, r.err
		}
		return Event{}, io.EOF
	}
	for {
		r.start = r.off
		c, err := r.r.ReadByte()
		if err == io.EOF {
			return Event{}, &Error{r.off, "truncated trace: no end record after " + strconv.FormatUint(r.count, 10) + " events"}
		}
		if err != nil {
			return Event{}, &Error{r.off, err.Error()}
		}
		r.off++
		ev := Event{Offset: r.start, Kind: Kind(c)}
		switch ev.Kind {
		case StackRecord:
			if err := r.readStack(); err != nil {
				return Event{}, err
			}
			continue
		case StringRecord:
			id, err := r.uvarint()
			if err != nil {
				return Event{}, err
			}
			s, err := r.string()
			if err != nil {
				return Event{}, err
			}
			if _, dup := r.strings[id]; dup || id == 0 {
				return Event{}, r.corrupt("string %d defined twice", id)
			}
			r.strings[id] = s
			continue
		case Lookup, Clock, Callers:
			if err := r.readAnswer(Kind(c)); err != nil {
				return Event{}, err
			}
			continue
		case End:
			n, err := r.uvarint()
			if err != nil {
				return Event{}, err
			}
			if n != r.count {
				return Event{}, r.corrupt("end record counts %d events, the trace has %d", n, r.count)
			}
			if _, err := r.r.ReadByte(); err != io.EOF {
				return Event{}, &Error{r.off, "data after the end record"}
			}
			r.done = true
			return Event{}, io.EOF
		}
		if err := r.event(&ev); err != nil {
			return Event{}, err
		}
		r.count++
		return ev, nil
	}
}

func (r *Reader) readAnswer(kind Kind) error {
	a := Answer{Offset: r.start, Kind: kind}
	var err error
	if a.G, err = r.uvarint(); err != nil {
		return err
	}
	if a.G >= uint64(len(r.gs)) {
		return r.corrupt("goroutine %d not started", a.G)
	}
	switch kind {
	case Lookup:
		if a.ID, err = r.varint(); err != nil {
			return err
		}
		flags, err := r.byte()
		if err != nil {
			return err
		}
		if flags > 3 {
			return r.corrupt("bad lookup flags %#x", flags)
		}
		a.Found, a.Blocked = flags&1 != 0, flags&2 != 0
		id, err := r.uvarint()
		if err != nil {
			return err
		}
		var ok bool
		if a.State, ok = r.strings[id]; !ok {
			return r.corrupt("string %d not defined", id)
		}
		if a.PCs, err = r.frames(); err != nil {
			return err
		}
		if r.hdr.Version >= 4 {
			if a.Waits, err = r.waits(); err != nil {
				return err
			}
		}
	case Clock:
		if a.Time, err = r.varint(); err != nil {
			return err
		}
	case Callers:
		if a.PCs, err = r.frames(); err != nil {
			return err
		}
	}
	r.numAnswers[kind-Lookup]++
	if !r.SkipAnswers {
		key := answerKey{a.G, kind}
		r.answers[key] = append(r.answers[key], a)
	}
	return nil
}

// frames reads a count and return addresses, the first in full and the
// others as deltas.
// waits reads a Lookup's waits: a uvarint count, then per wait
// byte(kind) uvarint(addr) uvarint(cap) uvarint(len) varint(counter),
// and from version 5 uvarint(pc).
func (r *Reader) waits() ([]race.Wait, error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	if n > maxWaits {
		return nil, r.corrupt("lookup of %d waits", n)
	}
	var ws []race.Wait
	for range n {
		var w race.Wait
		k, err := r.byte()
		if err != nil {
			return nil, err
		}
		if k == 0 || k > byte(race.WaitSema) {
			return nil, r.corrupt("bad wait kind %d", k)
		}
		w.Kind = race.WaitKind(k)
		addr, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		c, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		l, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if c > 1<<48 || l > 1<<48 {
			return nil, r.corrupt("bad channel capacity %d or length %d", c, l)
		}
		if w.Counter, err = r.varint(); err != nil {
			return nil, err
		}
		if r.hdr.Version >= 5 {
			pc, err := r.uvarint()
			if err != nil {
				return nil, err
			}
			w.PC = uintptr(pc)
		}
		w.Addr, w.Cap, w.Len = uintptr(addr), int(c), int(l)
		ws = append(ws, w)
	}
	return ws, nil
}

// maxWaits bounds the waits of a Lookup answer (runtime/race describes
// at most 32).
const maxWaits = 1 << 10

func (r *Reader) frames() ([]uint64, error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	if n > 1<<16 {
		return nil, r.corrupt("stack of %d frames", n)
	}
	frames := make([]uint64, n)
	for i := range frames {
		if i == 0 {
			frames[i], err = r.uvarint()
		} else {
			var d int64
			d, err = r.varint()
			frames[i] = frames[i-1] + uint64(d)
		}
		if err != nil {
			return nil, err
		}
	}
	return frames, nil
}

func (r *Reader) readStack() error {
	id, err := r.uvarint()
	if err != nil {
		return err
	}
	if id == 0 || id > 1<<32-1 {
		return r.corrupt("stack id %d out of range", id)
	}
	if _, dup := r.stacks[uint32(id)]; dup {
		return r.corrupt("stack %d defined twice", id)
	}
	frames, err := r.frames()
	if err != nil {
		return err
	}
	r.stacks[uint32(id)] = frames
	return nil
}

func (r *Reader) event(ev *Event) error {
	var s *gstate
	var err error
	switch ev.Kind {
	case Read, Write, ReadRange, WriteRange:
		if s, err = r.tid(ev); err != nil {
			return err
		}
		if err = r.addr(ev, s); err != nil {
			return err
		}
		ev.Size = 1
		if ev.Kind == ReadRange || ev.Kind == WriteRange {
			if ev.Size, err = r.uvarint(); err != nil {
				return err
			}
		}
		if err = r.pc(ev, s); err != nil {
			return err
		}
		return r.stack(ev, s)
	case Atomic:
		if ev.Op, err = r.byte(); err != nil {
			return err
		}
		if ev.Width, err = r.byte(); err != nil {
			return err
		}
		if ev.Op&atomicFailed != 0 && r.hdr.Version >= 6 {
			ev.Op &^= atomicFailed
			ev.Failed = true
			if ev.Op != uint8(race.AtomicCompareAndSwap) {
				return r.corrupt("failed atomic operation %d is no CompareAndSwap", ev.Op)
			}
		} else {
			ev.Failed = false
		}
		if ev.Op == 0 || ev.Op > 7 {
			return r.corrupt("bad atomic operation %d", ev.Op)
		}
		ev.Size = uint64(ev.Width)
		if s, err = r.tid(ev); err != nil {
			return err
		}
		if err = r.addr(ev, s); err != nil {
			return err
		}
		if err = r.pc(ev, s); err != nil {
			return err
		}
		return r.stack(ev, s)
	case Acquire, Release, ReleaseMerge:
		if s, err = r.tid(ev); err != nil {
			return err
		}
		if err = r.addr(ev, s); err != nil {
			return err
		}
		return r.pc(ev, s)
	case AcquireAll, GoEnd, Exit:
		if s, err = r.tid(ev); err != nil {
			return err
		}
		if ev.Kind == GoEnd {
			s.ended = true
		}
		return nil
	case GoStart:
		if ev.Parent, err = r.uvarint(); err != nil {
			return err
		}
		if ev.G, err = r.uvarint(); err != nil {
			return err
		}
		if ev.GoID, err = r.varint(); err != nil {
			return err
		}
		if ev.PC, err = r.uvarint(); err != nil {
			return err
		}
		if r.hdr.Version >= 2 {
			created, err := r.uvarint()
			if err != nil {
				return err
			}
			if _, ok := r.stacks[uint32(created)]; created > 1<<32-1 || created != 0 && !ok {
				return r.corrupt("stack %d not defined", created)
			}
			ev.Stack = uint32(created)
		}
		if ev.Parent != 0 {
			ps, err := r.g(ev.Parent)
			if err != nil {
				return err
			}
			ev.ParentPC, ev.ParentStack = ps.pc, ps.stack
		}
		if ev.G != uint64(len(r.gs)) {
			return r.corrupt("goroutine %d started, want %d", ev.G, len(r.gs))
		}
		r.gs = append(r.gs, gstate{})
		return nil
	case Malloc, Free:
		d, err := r.varint()
		if err != nil {
			return err
		}
		r.mem += uint64(d)
		ev.Addr = r.mem
		ev.Size, err = r.uvarint()
		return err
	case Sync:
		if ev.SyncKind, err = r.byte(); err != nil {
			return err
		}
		last := race.SelectCase // version 5: a select's cases
		if r.hdr.Version < 5 {
			last = race.CondBroadcast
		}
		if ev.SyncKind == 0 || ev.SyncKind > uint8(last) {
			return r.corrupt("bad sync kind %d", ev.SyncKind)
		}
		if s, err = r.tid(ev); err != nil {
			return err
		}
		if err = r.addr(ev, s); err != nil {
			return err
		}
		if ev.Arg, err = r.varint(); err != nil {
			return err
		}
		if err = r.pc(ev, s); err != nil {
			return err
		}
		return r.stack(ev, s)
	case TestStart, TestEnd:
		if _, err = r.tid(ev); err != nil {
			return err
		}
		id, err := r.uvarint()
		if err != nil {
			return err
		}
		name, ok := r.strings[id]
		if !ok {
			return r.corrupt("string %d not defined", id)
		}
		ev.Name = name
		return nil
	case FuncEnter, FuncExit:
		if r.hdr.Version < 3 {
			break
		}
		if s, err = r.tid(ev); err != nil {
			return err
		}
		if ev.Kind == FuncEnter {
			return r.pc(ev, s)
		}
		return nil
	case Report:
		return nil
	}
	return r.corrupt("unknown record kind %d", uint8(ev.Kind))
}
