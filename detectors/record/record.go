// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package record

import (
	"runtime/race"

	"drace/detectors/record/trace"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Policy is the trace recorder.
var Policy = &race.Policy{
	Name: "record",
	Doc: `record every event to a binary trace file, for offline replay

record finds nothing. It writes every event it receives (accesses,
ranges, function entries and exits, atomics, happens-before edges,
acquire-all, goroutine starts and ends, allocations, Go-native
synchronisation, test starts and ends, exit)
with its goroutine, PC and call stack to the file named by DRACE_TRACE
(default drace.trace; "%p" in the name is replaced by the process id), in
one total order. "drace replay" feeds such a trace to any detector.`,
	New:     func() race.Detector { return newDetector(tracePath()) },
	Stacks:  true,
	Ordered: true,
}

func init() { race.Register(Policy) }

const (
	bufSize = 1 << 20
	// maxEvent bounds the encoded size of one event record (tables and
	// strings excepted), maxEnd the end record's, which flush appends
	// after exit.
	maxEvent = trace.MaxEvent
	maxEnd   = trace.MaxEnd
	// After a Report() that follows a lock's wait event, the buffer is
	// written only if the last write is older than this (see doc.go).
	lockWaitFlushInterval = time.Millisecond
	// StackIDs are below 2^24 (the runtime's stack trie holds 16M nodes).
	maxStackID = 1 << 24
)

// gstate is the recorder's state of one goroutine (race.Goroutine.State):
// its trace goroutine number and the values its next record is
// delta-encoded against.
type gstate struct {
	tid uint64
	trace.GState
}

type detector struct {
	mu     race.SpinLock
	fd     int // -1 once recording has stopped
	path   string
	buf    []byte // preallocated, cap bufSize: OnMalloc and OnFree must not allocate
	off    int64  // bytes of the file holding records before any end record
	count  uint64 // events recorded
	bytes  int64  // bytes written, end record excepted
	tids   uint64 // trace goroutine numbers given so far
	mem    uint64
	names  map[string]uint64
	exited bool
	// lockWait is set by a *LockWait event and cleared by Report().
	lockWait  bool
	start     time.Time
	lastFlush time.Duration
	// Why recording stopped, for Summary.
	errOp string
	errno syscall.Errno

	// seen has a bit per StackID already written to the trace. It is
	// read without the lock (atomically) and set under it.
	seen *[maxStackID / 64]atomic.Uint64
}

// tracePath returns the trace file's name from DRACE_TRACE.
func tracePath() string {
	name, ok := syscall.Getenv("DRACE_TRACE")
	if !ok || name == "" {
		name = "drace.trace"
	}
	return expandPID(name, syscall.Getpid())
}

// expandPID replaces each "%p" in name by pid.
func expandPID(name string, pid int) string {
	var b []byte
	for i := 0; i < len(name); i++ {
		if name[i] == '%' && i+1 < len(name) && name[i+1] == 'p' {
			b = appendInt(b, int64(pid))
			i++
			continue
		}
		b = append(b, name[i])
	}
	return string(b)
}

func newDetector(path string) *detector {
	d := &detector{
		fd:    -1,
		path:  path,
		buf:   make([]byte, 0, bufSize),
		names: make(map[string]uint64),
		start: time.Now(),
		seen:  new([maxStackID / 64]atomic.Uint64),
	}
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		errno, _ := err.(syscall.Errno)
		writeStderr("drace: record: open " + path + ": " + err.Error() + "\n")
		d.errOp, d.errno = "open", errno
		return d
	}
	d.fd = fd
	exe, _ := readlink("/proc/self/exe")
	d.buf = trace.AppendHeader(d.buf, trace.Header{Exe: exe, BuildID: buildID(exe), PID: syscall.Getpid(), GOROOT: race.GOROOT()})
	return d
}

func readlink(path string) (string, error) {
	for n := 256; ; n *= 2 {
		buf := make([]byte, n)
		m, err := syscall.Readlink(path, buf)
		if err != nil {
			return "", err
		}
		if m < n {
			return string(buf[:m]), nil
		}
	}
}

// buildID returns the Go build ID of the ELF binary exe, from its
// .note.go.buildid note, which the linker puts in the first page, or "".
func buildID(exe string) string {
	if exe == "" {
		return ""
	}
	fd, err := syscall.Open(exe, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer syscall.Close(fd)
	buf := make([]byte, 16<<10)
	n, err := syscall.Read(fd, buf)
	if err != nil || n <= 0 {
		return ""
	}
	return findBuildID(buf[:n])
}

// findBuildID finds a Go build ID note (name "Go", type 4) in b.
func findBuildID(b []byte) string {
	const tag = "\x04\x00\x00\x00Go\x00\x00"
	for i := 8; i+len(tag) <= len(b); i++ {
		if string(b[i:i+len(tag)]) != tag || string(b[i-8:i-4]) != "\x04\x00\x00\x00" {
			continue
		}
		size := int(le32(b[i-4:]))
		start := i + len(tag)
		if size <= 0 || start+size > len(b) {
			return ""
		}
		return string(b[start : start+size])
	}
	return ""
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// fail stops recording, closing the file. It does not allocate (it may
// run in OnMalloc): the message is built by Summary.
func (d *detector) fail(op string, errno syscall.Errno) {
	if d.errOp == "" {
		d.errOp, d.errno = op, errno
		writeStderr("drace: record: cannot write the trace; it is incomplete\n")
	}
	if d.fd >= 0 {
		syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(d.fd), 0, 0)
	}
	d.fd = -1
	d.buf = d.buf[:0]
}

func writeStderr(s string) {
	if s == "" {
		return
	}
	syscall.RawSyscall(syscall.SYS_WRITE, 2, uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(len(s)))
}

// pwrite writes all of b at offset off. The caller holds d.mu.
func (d *detector) pwrite(b []byte, off int64) bool {
	for len(b) > 0 {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_PWRITE64, uintptr(d.fd),
			uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(off), 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			d.fail("write", errno)
			return false
		}
		if n == 0 {
			d.fail("write", syscall.EIO)
			return false
		}
		b = b[n:]
		off += int64(n)
	}
	return true
}

// flush writes the buffer to the file and, after the exit event, an end
// record after it (overwritten by the next flush, so that the file always
// ends with one). The caller holds d.mu.
func (d *detector) flush() {
	if d.fd < 0 {
		return
	}
	if len(d.buf) > 0 {
		n := len(d.buf)
		if d.exited {
			d.buf = trace.AppendEnd(d.buf, d.count)
		}
		if !d.pwrite(d.buf, d.off) {
			return
		}
		d.off += int64(n)
		d.bytes += int64(n)
		d.buf = d.buf[:0]
	}
	d.lastFlush = time.Since(d.start)
}

// reserve makes room for an event record in the buffer and returns it.
// The caller holds d.mu.
func (d *detector) reserve() []byte {
	if cap(d.buf)-len(d.buf) < maxEvent+maxEnd {
		d.flush()
	}
	return d.buf
}

// appendRecord adds a table record (any size) to the buffer. The caller
// holds d.mu.
func (d *detector) appendRecord(rec []byte) {
	if cap(d.buf)-len(d.buf) < len(rec)+maxEnd {
		d.flush()
	}
	if len(rec)+maxEnd > cap(d.buf) {
		// Larger than the buffer (a huge stack): write it directly.
		if d.fd >= 0 && d.pwrite(rec, d.off) {
			d.off += int64(len(rec))
			d.bytes += int64(len(rec))
		}
		return
	}
	d.buf = append(d.buf, rec...)
}

// state returns g's recorder state, announcing g if it has none (the
// runtime announces every goroutine through OnGoStart first; this is for
// callers that do not). The caller holds d.mu.
func (d *detector) state(g *race.Goroutine) *gstate {
	if s, ok := g.State.(*gstate); ok {
		return s
	}
	return d.announce(nil, g, 0)
}

// announce gives child a trace goroutine number and records its start.
// The caller holds d.mu.
func (d *detector) announce(parent *gstate, child *race.Goroutine, pc uintptr) *gstate {
	d.tids++
	s := &gstate{tid: d.tids}
	child.State = s
	var ptid uint64
	if parent != nil {
		ptid = parent.tid
	}
	d.buf = trace.AppendGoStart(d.reserve(), ptid, s.tid, child.ID, uint64(pc), uint32(d.defined(child.Created)))
	d.count++
	return s
}

// defineStack makes sure the trace defines stack id before the record
// that names it: it builds the stack record outside the lock (Frames
// allocates) if the stack looks new.
func (d *detector) prepareStack(id race.StackID) []byte {
	if id == 0 || uint32(id) >= maxStackID || d.written(id) {
		return nil
	}
	frames := id.Frames()
	return trace.AppendStack(make([]byte, 0, 21+len(frames)*4), uint32(id), frames)
}

// defined returns id if the trace defines it, else 0 (a goroutine seen
// first at an event other than its start has had no chance to define its
// creation stack). The caller holds d.mu.
func (d *detector) defined(id race.StackID) race.StackID {
	if id == 0 || uint32(id) >= maxStackID || !d.written(id) {
		return 0
	}
	return id
}

// written reports whether the trace defines id, which is below maxStackID.
func (d *detector) written(id race.StackID) bool {
	return d.seen[id/64].Load()&(1<<(id%64)) != 0
}

// defineStack adds rec, the record prepareStack built for id, unless
// another goroutine added it first. The caller holds d.mu.
func (d *detector) defineStack(id race.StackID, rec []byte) {
	if rec == nil {
		return
	}
	if d.written(id) {
		return
	}
	d.seen[id/64].Or(1 << (id % 64))
	d.appendRecord(rec)
}

// stateOf returns g's recorder state, announcing g if it has none (under
// the lock). Only g's own events use the state's delta fields, and a
// goroutine's events come one after the other, so an event's record is
// encoded outside the lock; commit adds it.
func (d *detector) stateOf(g *race.Goroutine) *gstate {
	if s, ok := g.State.(*gstate); ok {
		return s
	}
	d.mu.Lock()
	s := d.state(g)
	d.mu.Unlock()
	return s
}

// commit appends ev, an event record encoded with its goroutine's deltas,
// after the record defining stack if it is new (stackRec, from
// prepareStack). It returns with the trace locked, or false, unlocked,
// once the trace is closed. Encoding outside the lock keeps the time the
// lock is held, for which every other goroutine's events wait, short.
func (d *detector) commit(stack race.StackID, stackRec, ev []byte) bool {
	d.mu.Lock()
	if d.fd < 0 {
		d.mu.Unlock()
		return false
	}
	d.defineStack(stack, stackRec)
	d.buf = append(d.reserve(), ev...)
	d.count++
	return true
}

func (d *detector) access(kind trace.Kind, a *race.Access) {
	rec := d.prepareStack(a.Stack)
	s := d.stateOf(a.G)
	var ev [maxEvent]byte
	b := trace.AppendAccess(ev[:0], kind, s.tid, &s.GState, uint64(a.Addr), uint64(a.Size), uint64(a.PC), uint32(a.Stack))
	if d.commit(a.Stack, rec, b) {
		d.mu.Unlock()
	}
}

func (d *detector) OnRead(a race.Access)       { d.access(trace.Read, &a) }
func (d *detector) OnWrite(a race.Access)      { d.access(trace.Write, &a) }
func (d *detector) OnReadRange(a race.Access)  { d.access(trace.ReadRange, &a) }
func (d *detector) OnWriteRange(a race.Access) { d.access(trace.WriteRange, &a) }

func (d *detector) OnAtomic(a race.AtomicAccess) {
	rec := d.prepareStack(a.Stack)
	s := d.stateOf(a.G)
	var ev [maxEvent]byte
	b := trace.AppendAtomic(ev[:0], uint8(a.Op), a.Width, a.Failed, s.tid, &s.GState, uint64(a.Addr), uint64(a.PC), uint32(a.Stack))
	if d.commit(a.Stack, rec, b) {
		d.mu.Unlock()
	}
}

func (d *detector) sync(kind trace.Kind, e *race.Sync) {
	s := d.stateOf(e.G)
	var ev [maxEvent]byte
	b := trace.AppendEdge(ev[:0], kind, s.tid, &s.GState, uint64(e.Addr), uint64(e.PC))
	if d.commit(0, nil, b) {
		d.mu.Unlock()
	}
}

func (d *detector) OnAcquire(s race.Sync)      { d.sync(trace.Acquire, &s) }
func (d *detector) OnRelease(s race.Sync)      { d.sync(trace.Release, &s) }
func (d *detector) OnReleaseMerge(s race.Sync) { d.sync(trace.ReleaseMerge, &s) }

// goEvent records an event with a goroutine alone.
func (d *detector) goEvent(kind trace.Kind, g *race.Goroutine) {
	d.mu.Lock()
	if d.fd < 0 {
		d.mu.Unlock()
		return
	}
	s := d.state(g)
	d.buf = trace.AppendGoEvent(d.reserve(), kind, s.tid)
	d.count++
	if kind == trace.Exit {
		d.exited = true
		d.flush()
	}
	d.mu.Unlock()
}

// OnFuncEnter and OnFuncExit record function entries and exits where
// they come among a goroutine's accesses, for a replay's FuncDetectors.
func (d *detector) OnFuncEnter(g *race.Goroutine, callpc uintptr) {
	s := d.stateOf(g)
	var ev [maxEvent]byte
	b := trace.AppendFuncEnter(ev[:0], s.tid, &s.GState, uint64(callpc))
	if d.commit(0, nil, b) {
		d.mu.Unlock()
	}
}

func (d *detector) OnFuncExit(g *race.Goroutine) { d.goEvent(trace.FuncExit, g) }

func (d *detector) OnAcquireAll(g *race.Goroutine) { d.goEvent(trace.AcquireAll, g) }
func (d *detector) OnGoEnd(g *race.Goroutine)      { d.goEvent(trace.GoEnd, g) }
func (d *detector) OnExit(g *race.Goroutine)       { d.goEvent(trace.Exit, g) }

func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	rec := d.prepareStack(child.Created)
	d.mu.Lock()
	if d.fd < 0 {
		d.mu.Unlock()
		return
	}
	d.defineStack(child.Created, rec)
	var ps *gstate
	if parent != nil {
		ps = d.state(parent)
	}
	d.announce(ps, child, pc)
	d.mu.Unlock()
}

// memory records an allocation or a free: no goroutine, and no allocation
// here (the buffer is preallocated, the write a raw system call).
func (d *detector) memory(kind trace.Kind, addr, size uintptr) {
	d.mu.Lock()
	if d.fd < 0 {
		d.mu.Unlock()
		return
	}
	d.buf = trace.AppendMemory(d.reserve(), kind, &d.mem, uint64(addr), uint64(size))
	d.count++
	d.mu.Unlock()
}

func (d *detector) OnMalloc(addr, size uintptr) { d.memory(trace.Malloc, addr, size) }
func (d *detector) OnFree(addr, size uintptr)   { d.memory(trace.Free, addr, size) }

func (d *detector) OnSync(op race.SyncOp) {
	rec := d.prepareStack(op.Stack)
	s := d.stateOf(op.G)
	var ev [maxEvent]byte
	b := trace.AppendSync(ev[:0], uint8(op.Kind), s.tid, &s.GState, uint64(op.Obj), op.Arg, uint64(op.PC), uint32(op.Stack))
	if !d.commit(op.Stack, rec, b) {
		return
	}
	switch op.Kind {
	case race.MutexLockWait, race.RWMutexRLockWait, race.RWMutexLockWait:
		d.lockWait = true
	}
	d.mu.Unlock()
}

func (d *detector) test(kind trace.Kind, g *race.Goroutine, name string) {
	d.mu.Lock()
	if d.fd < 0 {
		d.mu.Unlock()
		return
	}
	s := d.state(g)
	id := d.stringID(name)
	d.buf = trace.AppendTest(d.reserve(), kind, s.tid, id)
	d.count++
	d.mu.Unlock()
}

func (d *detector) OnTestStart(g *race.Goroutine, name string) { d.test(trace.TestStart, g, name) }

func (d *detector) OnTestEnd(g *race.Goroutine, name string) int64 {
	d.test(trace.TestEnd, g, name)
	return 0
}

// Report records that reports are due, so that a replay asks its
// detectors at the same point, and writes the buffer out (see doc.go for
// the exception after a lock's wait event). It finds nothing.
func (d *detector) Report() []race.Report {
	d.mu.Lock()
	if d.fd >= 0 {
		d.buf = trace.AppendReport(d.reserve())
		d.count++
		if !d.lockWait || d.exited || time.Since(d.start)-d.lastFlush >= lockWaitFlushInterval {
			d.flush()
		}
		d.lockWait = false
	}
	d.mu.Unlock()
	return nil
}

// OnHostAnswer records an answer another detector was given about the
// program (a goroutine's status, the clock, its own stack), for a replay
// to give the same one. It is not an event: it is not counted.
func (d *detector) OnHostAnswer(g *race.Goroutine, a race.HostAnswer) {
	switch a.Kind {
	case race.LookupAnswer, race.NanotimeAnswer, race.CallersAnswer:
	default:
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return
	}
	var tid uint64
	if g != nil {
		tid = d.state(g).tid
	}
	var rec []byte
	switch a.Kind {
	case race.LookupAnswer:
		state := d.stringID(a.Status.State)
		rec = trace.AppendLookup(rec, tid, a.ID, a.Found, a.Status.Blocked, state, a.Status.Stack, a.Status.Waits)
	case race.NanotimeAnswer:
		rec = trace.AppendClock(rec, tid, a.Time)
	case race.CallersAnswer:
		rec = trace.AppendCallers(rec, tid, a.PCs)
	}
	d.appendRecord(rec)
}

// stringID returns the id of s in the trace's string table, adding a
// String record the first time. The caller holds d.mu.
func (d *detector) stringID(s string) uint64 {
	id, ok := d.names[s]
	if !ok {
		id = uint64(len(d.names)) + 1
		d.names[s] = id
		d.appendRecord(trace.AppendString(nil, id, s))
	}
	return id
}

// Summary writes out the events since the last reports were asked for
// (at exit, goroutines still running, and frees the sweeper makes, go on
// being recorded after the last Report; the runtime delivers no event
// between two detectors' summaries, so the trace holds every event the
// other detectors' summaries count), and says where the trace went.
func (d *detector) Summary() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.flush()
	if d.errOp != "" {
		return "trace " + d.path + " incomplete: " + d.errOp + ": " + d.errno.Error() + "\n"
	}
	return "trace " + d.path + ": " + string(appendInt(nil, int64(d.count))) + " events, " +
		string(appendInt(nil, d.bytes)) + " bytes\n"
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}
