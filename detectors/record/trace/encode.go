// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package trace

import "runtime/race"

// Encoding: a record at a time, appended to a buffer. The record detector
// calls these functions in its callbacks, where it may not allocate (the
// buffer is preallocated), and Writer calls them: one encoder for the
// format, beside the one decoder (Reader).

// A GState is the state of one goroutine's delta encoding: what its
// previous record named.
type GState struct {
	Addr  uint64
	PC    uint64
	Stack uint32
}

// MaxEvent bounds the size of an event record (tables, strings and
// answers excepted): a kind byte, two bytes of operands and six varints.
const MaxEvent = 3 + 6*maxVarint

// MaxEnd bounds the size of the end record.
const MaxEnd = 1 + maxVarint

const maxVarint = 10 // bytes in a 64-bit varint

// AppendHeader appends the trace header, for version Version.
func AppendHeader(b []byte, h Header) []byte {
	b = append(b, Magic...)
	b = appendUvarint(b, Version)
	b = appendString(b, h.Exe)
	b = appendString(b, h.BuildID)
	b = appendUvarint(b, uint64(h.PID))
	return appendString(b, h.GOROOT)
}

// AppendAccess appends a Read, Write, ReadRange or WriteRange record (k)
// of goroutine tid; size is a range's.
func AppendAccess(b []byte, k Kind, tid uint64, s *GState, addr, size, pc uint64, stack uint32) []byte {
	b = append(b, byte(k))
	b = appendUvarint(b, tid)
	b = s.appendAddr(b, addr)
	if k == ReadRange || k == WriteRange {
		b = appendUvarint(b, size)
	}
	b = s.appendPC(b, pc)
	return s.appendStack(b, stack)
}

// atomicFailed is the bit of an Atomic record's op byte that says a
// CompareAndSwap failed (version 6).
const atomicFailed = 0x80

// AppendAtomic appends an Atomic record: a race.AtomicOp, its width and,
// for a CompareAndSwap, whether it failed.
func AppendAtomic(b []byte, op, width uint8, failed bool, tid uint64, s *GState, addr, pc uint64, stack uint32) []byte {
	if failed {
		op |= atomicFailed
	}
	b = append(b, byte(Atomic), op, width)
	b = appendUvarint(b, tid)
	b = s.appendAddr(b, addr)
	b = s.appendPC(b, pc)
	return s.appendStack(b, stack)
}

// AppendEdge appends an Acquire, Release or ReleaseMerge record (k).
func AppendEdge(b []byte, k Kind, tid uint64, s *GState, addr, pc uint64) []byte {
	b = append(b, byte(k))
	b = appendUvarint(b, tid)
	b = s.appendAddr(b, addr)
	return s.appendPC(b, pc)
}

// AppendSync appends a Sync record: a race.SyncKind, its object and
// argument.
func AppendSync(b []byte, kind uint8, tid uint64, s *GState, obj uint64, arg int64, pc uint64, stack uint32) []byte {
	b = append(b, byte(Sync), kind)
	b = appendUvarint(b, tid)
	b = s.appendAddr(b, obj)
	b = appendVarint(b, arg)
	b = s.appendPC(b, pc)
	return s.appendStack(b, stack)
}

// AppendFuncEnter appends a FuncEnter record: the call at pc.
func AppendFuncEnter(b []byte, tid uint64, s *GState, pc uint64) []byte {
	b = append(b, byte(FuncEnter))
	b = appendUvarint(b, tid)
	return s.appendPC(b, pc)
}

// AppendGoEvent appends an event of a goroutine alone: AcquireAll, GoEnd,
// Exit or FuncExit (k).
func AppendGoEvent(b []byte, k Kind, tid uint64) []byte {
	b = append(b, byte(k))
	return appendUvarint(b, tid)
}

// AppendGoStart appends a GoStart record: goroutine child (the next tid)
// with goroutine id goid, started by parent (0 for none) at pc, created
// at stack created.
func AppendGoStart(b []byte, parent, child uint64, goid int64, pc uint64, created uint32) []byte {
	b = append(b, byte(GoStart))
	b = appendUvarint(b, parent)
	b = appendUvarint(b, child)
	b = appendVarint(b, goid)
	b = appendUvarint(b, pc)
	return appendUvarint(b, uint64(created))
}

// AppendMemory appends a Malloc or Free record (k); *mem is the previous
// such record's address.
func AppendMemory(b []byte, k Kind, mem *uint64, addr, size uint64) []byte {
	b = append(b, byte(k))
	b = appendVarint(b, int64(addr-*mem))
	*mem = addr
	return appendUvarint(b, size)
}

// AppendTest appends a TestStart or TestEnd record (k); name is the test
// name's string id.
func AppendTest(b []byte, k Kind, tid, name uint64) []byte {
	b = append(b, byte(k))
	b = appendUvarint(b, tid)
	return appendUvarint(b, name)
}

// AppendReport appends a Report record.
func AppendReport(b []byte) []byte { return append(b, byte(Report)) }

// AppendStack appends a Stack record defining stack id.
func AppendStack[PC uint64 | uintptr](b []byte, id uint32, frames []PC) []byte {
	b = append(b, byte(StackRecord))
	b = appendUvarint(b, uint64(id))
	return appendFrames(b, frames)
}

// AppendString appends a String record defining string id.
func AppendString(b []byte, id uint64, s string) []byte {
	b = append(b, byte(StringRecord))
	b = appendUvarint(b, id)
	return appendString(b, s)
}

// AppendLookup appends a Lookup answer: goroutine goid, whether it was
// found, whether it was blocked, its state's string id, its stack and
// what it waits on.
func AppendLookup[PC uint64 | uintptr](b []byte, tid uint64, goid int64, found, blocked bool, state uint64, frames []PC, waits []race.Wait) []byte {
	b = append(b, byte(Lookup))
	b = appendUvarint(b, tid)
	var flags byte
	if found {
		flags |= 1
	}
	if blocked {
		flags |= 2
	}
	b = appendVarint(b, goid)
	b = append(b, flags)
	b = appendUvarint(b, state)
	b = appendFrames(b, frames)
	b = appendUvarint(b, uint64(len(waits)))
	for _, w := range waits {
		b = append(b, byte(w.Kind))
		b = appendUvarint(b, uint64(w.Addr))
		b = appendUvarint(b, uint64(w.Cap))
		b = appendUvarint(b, uint64(w.Len))
		b = appendVarint(b, w.Counter)
		b = appendUvarint(b, uint64(w.PC)) // version 5
	}
	return b
}

// AppendClock appends a Clock answer.
func AppendClock(b []byte, tid uint64, t int64) []byte {
	b = append(b, byte(Clock))
	b = appendUvarint(b, tid)
	return appendVarint(b, t)
}

// AppendCallers appends a Callers answer.
func AppendCallers[PC uint64 | uintptr](b []byte, tid uint64, frames []PC) []byte {
	b = append(b, byte(Callers))
	b = appendUvarint(b, tid)
	return appendFrames(b, frames)
}

// AppendEnd appends the end record: count events precede it.
func AppendEnd(b []byte, count uint64) []byte {
	b = append(b, byte(End))
	return appendUvarint(b, count)
}

func (s *GState) appendAddr(b []byte, addr uint64) []byte {
	b = appendVarint(b, int64(addr-s.Addr))
	s.Addr = addr
	return b
}

// appendPC appends 0 for no PC (s.PC unchanged), else 1 + the zigzag
// delta from s.PC.
func (s *GState) appendPC(b []byte, pc uint64) []byte {
	if pc == 0 {
		return append(b, 0)
	}
	d := int64(pc - s.PC)
	s.PC = pc
	return appendUvarint(b, uint64(d<<1^d>>63)+1)
}

func (s *GState) appendStack(b []byte, stack uint32) []byte {
	b = appendVarint(b, int64(stack)-int64(s.Stack))
	s.Stack = stack
	return b
}

// appendFrames appends a count and return addresses, the first in full
// and the others as deltas.
func appendFrames[PC uint64 | uintptr](b []byte, frames []PC) []byte {
	b = appendUvarint(b, uint64(len(frames)))
	for i, pc := range frames {
		if i == 0 {
			b = appendUvarint(b, uint64(pc))
		} else {
			b = appendVarint(b, int64(pc-frames[i-1]))
		}
	}
	return b
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendVarint appends v zigzag-encoded, as encoding/binary.AppendVarint.
func appendVarint(b []byte, v int64) []byte {
	return appendUvarint(b, uint64(v<<1^v>>63))
}

func appendString(b []byte, s string) []byte {
	b = appendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
