// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"runtime/race"

	"drace/detectors/record/trace"
)

// An Op is what a model event does.
type Op uint8

const (
	// Read and Write access the words [Addr, Addr+Size) (Atomic for a
	// sync/atomic operation: a read-modify-write is a Write).
	Read Op = iota + 1
	Write
	// Lock and Unlock start and end a critical section of the mutex at
	// Addr (Shared for an RWMutex's read mode): the reorderable
	// synchronisation.
	Lock
	Unlock
	// Acquire, Release and ReleaseMerge are the runtime's fixed
	// happens-before edges on Addr (channels, atomics, WaitGroup, Once,
	// Cond, ...), kept in every reordering.
	Acquire
	Release
	ReleaseMerge
	// AcquireAll orders the goroutine after every earlier event.
	AcquireAll
	// Start is a goroutine's first event: after its parent's events up
	// to the go statement (Parent names the parent, 0 for none).
	Start
	// End is a goroutine's last event.
	End
	// The blocking operations the block algorithm predicts on, in the
	// model only when it runs (Options.Algorithms lists "block"); the
	// others ignore them. CondWait is a sync.Cond's Wait returning (Addr
	// the Cond), after the Lock that re-took its lock; CondSignal a
	// Signal called, Shared for a Broadcast.
	CondWait
	CondSignal
	// WaitGroupAdd adds Delta() to the counter of the sync.WaitGroup at
	// Addr (Done adds -1), before its edge; WaitGroupWait is a Wait that
	// returned, after its acquire, which needs the counter at zero. They
	// order nothing (the WaitGroup's edges are fixed ones): they are the
	// counter, for shb's prediction of a negative one, for block and
	// for the witness checker. Parent is the WaitGroup's generation at
	// Addr (a new allocation there is a new WaitGroup).
	WaitGroupAdd
	WaitGroupWait
	// The channel records, also only for block (Addr the channel):
	// ChanMake (Slot its buffer size), ChanSend and ChanRecv after the
	// operation (Slot the buffer slot, -1 for a hand-off between
	// goroutines, -2 for a receive from a closed channel), ChanClose, and
	// ChanSelect, a select's chosen case (Addr its channel, 0 for
	// default), after that channel's record. ChanSelectCase is one case
	// of a select that chose a case (trace version 5; Addr its channel,
	// Size the record's argument: its index and the race.SelectCaseSend
	// and SelectCaseTimer bits, PC the case's), between the chosen
	// case's record and the select's ChanSelect.
	ChanMake
	ChanSend
	ChanRecv
	ChanClose
	ChanSelect
	ChanSelectCase
)

var opNames = [...]string{"", "read", "write", "lock", "unlock", "acquire", "release", "release-merge", "acquire-all", "start", "end",
	"cond-wait", "cond-signal", "waitgroup-add", "waitgroup-wait",
	"chan-make", "chan-send", "chan-recv", "chan-close", "chan-select", "chan-select-case"}

func (op Op) String() string {
	if int(op) < len(opNames) {
		return opNames[op]
	}
	return "op?"
}

// An Event is one event of the model: a trace event as the algorithms see
// it. A range access is one event, however many words it covers.
type Event struct {
	Op     Op
	Atomic bool
	Shared bool
	// G is the trace goroutine number (tid); Parent a Start's parent,
	// and for a WaitGroup event, the WaitGroup's generation: how many
	// allocations have reused its address before (a new WaitGroup's
	// counter starts at zero).
	G      uint32
	Parent uint32
	Addr   uint64
	// Size is an access's size; for a WaitGroupAdd, the delta (Delta).
	Size  uint64
	PC    uint64
	Stack uint32
	// Offset is the trace record's byte offset.
	Offset int64
}

// Delta returns a WaitGroupAdd's delta.
func (e *Event) Delta() int64 { return int64(e.Size) }

// Slot returns a channel record's slot or size (kept in Size): for a
// ChanSend or ChanRecv, without the runtime's ChanWaited bit.
func (e *Event) Slot() int64 {
	if e.Op == ChanSend || e.Op == ChanRecv {
		slot, _ := race.ChanArg(int64(e.Size))
		return slot
	}
	return int64(e.Size)
}

// Waited reports whether a ChanSend or ChanRecv record's goroutine parked
// before the operation completed (race.ChanWaited; never set in traces
// of runtimes older than the bit).
func (e *Event) Waited() bool {
	if e.Op != ChanSend && e.Op != ChanRecv {
		return false
	}
	_, waited := race.ChanArg(int64(e.Size))
	return waited
}

// IsAccess reports whether e is a memory access.
func (e *Event) IsAccess() bool { return e.Op == Read || e.Op == Write }

// wordSize is the granularity of conflicts: two accesses conflict when
// they touch the same 8-byte word.
const wordSize = 8

// words returns the first and last word an access covers.
func (e *Event) words() (first, last uint64) {
	size := e.Size
	if size == 0 {
		size = 1
	}
	return e.Addr &^ (wordSize - 1), (e.Addr + size - 1) &^ (wordSize - 1)
}

// maxRange bounds a range access: a corrupt trace's range of 2^60 bytes
// is cut rather than checked word by word.
const maxRange = 1 << 32

// topWord is the last word of the address space, which no access
// reaches (so that the end of an access's last word does not overflow).
const topWord = ^uint64(0) &^ (wordSize - 1)

// rangeSize returns an access's size, at most maxRange and ending before
// topWord.
func rangeSize(ev *trace.Event) uint64 {
	return min(ev.Size, maxRange, topWord-ev.Addr)
}

// A mutex is a sync.Mutex or RWMutex seen in the trace.
type mutex struct {
	addr uint64
	rw   bool
}

// builder turns trace events into model events: it recognises the
// Acquire and Release records a sync.Mutex or RWMutex makes on its own
// words (the mutex's state word; an RWMutex's writerSem and
// readerSem, at +8 and +12) so that a critical section is a Lock and an
// Unlock and nothing else, and every other edge stays a fixed one.
type builder struct {
	// internal maps the words a mutex's own records use to the mutex;
	// pages lists them by 4 KiB page, to forget those an allocation
	// reuses.
	internal map[uint64]*mutex
	pages    map[uint64][]uint64
	// blocking, if set, makes model events of the Cond and channel
	// operations (CondWait, CondSignal, ChanMake, ChanSend, ChanRecv,
	// ChanClose, ChanSelect); WaitGroupAdd and WaitGroupWait are always
	// made.
	blocking bool
	// forget, if set, is told when an address turns out to be a mutex's,
	// so that edges recorded on it before (a first TryLock's atomic)
	// stop ordering anything.
	forget func(addr uint64)
	// wgGen is each WaitGroup address's generation, wgPages the
	// addresses by page.
	wgGen   map[uint64]uint32
	wgPages map[uint64][]uint64
}

func newBuilder() *builder {
	return &builder{internal: make(map[uint64]*mutex), pages: make(map[uint64][]uint64),
		wgGen: make(map[uint64]uint32), wgPages: make(map[uint64][]uint64)}
}

const pageShift = 12

// allocated forgets the mutexes in new memory [addr, addr+size): the
// address may be a channel's or an atomic's now.
func (b *builder) allocated(addr, size uint64) {
	b.newWaitGroups(addr, size)
	if len(b.pages) == 0 || size == 0 {
		return
	}
	for p := addr >> pageShift; p <= (addr+size-1)>>pageShift; p++ {
		words := b.pages[p]
		if len(words) == 0 {
			continue
		}
		kept := words[:0]
		for _, w := range words {
			if addr <= w && w-addr < size {
				delete(b.internal, w)
			} else {
				kept = append(kept, w)
			}
		}
		if len(kept) == 0 {
			delete(b.pages, p)
		} else {
			b.pages[p] = kept
		}
	}
}

// newWaitGroups starts a new generation of the WaitGroups in new memory
// [addr, addr+size).
func (b *builder) newWaitGroups(addr, size uint64) {
	if len(b.wgPages) == 0 || size == 0 {
		return
	}
	for p := addr >> pageShift; p <= (addr+size-1)>>pageShift; p++ {
		for _, w := range b.wgPages[p] {
			if addr <= w && w-addr < size {
				b.wgGen[w]++
			}
		}
	}
}

// waitGroup returns the generation of the WaitGroup at addr.
func (b *builder) waitGroup(addr uint64) uint32 {
	gen, ok := b.wgGen[addr]
	if !ok {
		b.wgGen[addr] = 0
		b.wgPages[addr>>pageShift] = append(b.wgPages[addr>>pageShift], addr)
	}
	return gen
}

// mutexAt registers the mutex at addr.
func (b *builder) mutexAt(addr uint64, rw bool) *mutex {
	if m := b.internal[addr]; m != nil && m.addr == addr {
		return m
	}
	m := &mutex{addr: addr, rw: rw}
	words := []uint64{addr}
	if rw {
		words = append(words, addr+8, addr+12)
	}
	for _, w := range words {
		if b.internal[w] == nil {
			b.pages[w>>pageShift] = append(b.pages[w>>pageShift], w)
		}
		b.internal[w] = m
		if b.forget != nil {
			b.forget(w)
		}
	}
	return m
}

// convert returns the model event for ev, and false for a trace event the
// model leaves out (allocations, tests, function entries, a mutex's own
// records, a failed TryLock, a lock's wait).
func (b *builder) convert(ev *trace.Event) (Event, bool) {
	e := Event{G: uint32(ev.G), Addr: ev.Addr, PC: ev.PC, Stack: ev.Stack, Offset: ev.Offset}
	if ev.Addr >= topWord && ev.Kind <= trace.Atomic {
		return e, false // only in a corrupt trace
	}
	switch ev.Kind {
	case trace.Read, trace.ReadRange:
		e.Op, e.Size = Read, rangeSize(ev)
	case trace.Write, trace.WriteRange:
		e.Op, e.Size = Write, rangeSize(ev)
	case trace.Atomic:
		// A mutex's own atomics stay accesses (they race with a plain
		// write of the mutex, as in overwriting a locked one); only
		// their edges are left out.
		e.Op, e.Size, e.Atomic = Write, rangeSize(ev), true
		if race.AtomicOp(ev.Op) == race.AtomicLoad {
			e.Op = Read
		}
	case trace.Acquire, trace.Release, trace.ReleaseMerge:
		if b.internal[ev.Addr] != nil {
			return e, false
		}
		switch ev.Kind {
		case trace.Acquire:
			e.Op = Acquire
		case trace.Release:
			e.Op = Release
		default:
			e.Op = ReleaseMerge
		}
	case trace.AcquireAll:
		e.Op = AcquireAll
	case trace.GoStart:
		e.Op, e.Parent = Start, uint32(ev.Parent)
	case trace.GoEnd:
		e.Op = End
	case trace.Sync:
		return b.sync(ev, e)
	default:
		return e, false
	}
	return e, true
}

func (b *builder) sync(ev *trace.Event, e Event) (Event, bool) {
	switch race.SyncKind(ev.SyncKind) {
	case race.MutexLockWait:
		b.mutexAt(ev.Addr, false)
		return e, false
	case race.RWMutexLockWait, race.RWMutexRLockWait:
		b.mutexAt(ev.Addr, true)
		return e, false
	case race.MutexLock, race.RWMutexLock:
		b.mutexAt(ev.Addr, race.SyncKind(ev.SyncKind) == race.RWMutexLock)
		e.Op = Lock
	case race.MutexTryLock, race.RWMutexTryLock:
		b.mutexAt(ev.Addr, race.SyncKind(ev.SyncKind) == race.RWMutexTryLock)
		if ev.Arg != 1 {
			return e, false
		}
		e.Op = Lock
	case race.RWMutexRLock:
		b.mutexAt(ev.Addr, true)
		e.Op, e.Shared = Lock, true
	case race.RWMutexTryRLock:
		b.mutexAt(ev.Addr, true)
		if ev.Arg != 1 {
			return e, false
		}
		e.Op, e.Shared = Lock, true
	case race.MutexUnlock, race.RWMutexUnlock:
		e.Op = Unlock
	case race.RWMutexRUnlock:
		e.Op, e.Shared = Unlock, true
	case race.CondWait, race.CondSignal, race.CondBroadcast:
		if !b.blocking {
			return e, false
		}
		switch race.SyncKind(ev.SyncKind) {
		case race.CondWait:
			e.Op = CondWait
		case race.CondSignal:
			e.Op = CondSignal
		default:
			e.Op, e.Shared = CondSignal, true
		}
	case race.WaitGroupAdd:
		e.Op, e.Size, e.Parent = WaitGroupAdd, uint64(ev.Arg), b.waitGroup(ev.Addr)
	case race.WaitGroupWait:
		e.Op, e.Parent = WaitGroupWait, b.waitGroup(ev.Addr)
	case race.ChanMake, race.ChanSend, race.ChanRecv, race.ChanClose, race.Select, race.SelectCase:
		if !b.blocking {
			return e, false
		}
		e.Size = uint64(ev.Arg)
		switch race.SyncKind(ev.SyncKind) {
		case race.ChanMake:
			e.Op = ChanMake
		case race.ChanSend:
			e.Op = ChanSend
		case race.ChanRecv:
			e.Op = ChanRecv
		case race.ChanClose:
			e.Op = ChanClose
		case race.SelectCase:
			e.Op = ChanSelectCase
		default:
			e.Op = ChanSelect
		}
	default:
		// Once, and without block channels, Cond and select (and a
		// WaitGroup's edges): their happens-before edges are the
		// Acquire and Release records around them.
		return e, false
	}
	return e, true
}
