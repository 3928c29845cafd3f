// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package leak

import (
	"runtime/race"
	"strconv"
	"strings"

	"drace/toolkit/pages"
)

// A locker is a goroutine holding a lock, and where it took it.
type locker struct {
	gid   int64 // 0: none
	pc    uintptr
	stack race.StackID
}

// maxReaders is how many of an RWMutex's read holders are remembered.
const maxReaders = 2

// A hold is who holds a Mutex or RWMutex now: its writer (or a Mutex's
// holder), and for an RWMutex its count of read holds and the first
// read holders.
type hold struct {
	rw      bool // an RWMutex
	writer  locker
	readers int64
	r       [maxReaders]locker // read holders, gid 0 for none
}

// idle reports whether nobody holds the lock.
func (h *hold) idle() bool { return h.writer.gid == 0 && h.readers <= 0 }

// A holdShard holds the locks held now whose address's page falls in it,
// by address: a lock's entry is deleted when it is released, so its size
// is bounded by the locks held at once. The first few are in an array
// scanned by address (no hashing: a program holds few locks at once),
// the others in a map.
type holdShard struct {
	mu  race.SpinLock
	inl [holdInline]struct {
		addr uintptr // 0: free
		h    hold
	}
	m map[uintptr]*hold
	_ [40]byte // keep shards' locks on separate cache lines
}

// holdInline is how many locks a shard holds in its array.
const holdInline = 4

// find returns the lock at addr's entry, nil if there is none and not
// create. s is locked.
func (s *holdShard) find(addr uintptr, create bool) *hold {
	free := -1
	for i := range s.inl {
		switch s.inl[i].addr {
		case addr:
			return &s.inl[i].h
		case 0:
			if free < 0 {
				free = i
			}
		}
	}
	if len(s.m) > 0 {
		if h := s.m[addr]; h != nil {
			return h
		}
	}
	switch {
	case !create:
		return nil
	case free >= 0:
		s.inl[free].addr = addr
		return &s.inl[free].h
	}
	if s.m == nil {
		s.m = make(map[uintptr]*hold)
	}
	h := new(hold)
	s.m[addr] = h
	return h
}

// tidy deletes the entry h of the lock at addr if nobody holds it.
// s is locked.
func (s *holdShard) tidy(addr uintptr, h *hold) {
	if !h.idle() {
		return
	}
	for i := range s.inl {
		if s.inl[i].addr == addr {
			s.inl[i].addr, s.inl[i].h = 0, hold{}
			return
		}
	}
	delete(s.m, addr)
}

// holdShards is the number of shards: a power of two.
const holdShards = 64

// A holdTable is the holders of the locks held now, sharded by the page
// of the lock's address, so that the locks of freed memory are found
// from its pages.
type holdTable struct {
	shards [holdShards]holdShard
}

func (t *holdTable) shard(addr uintptr) *holdShard {
	return &t.shards[(addr>>pages.PageShift)%holdShards]
}

// onSync tracks the holders of Mutexes and RWMutexes from the runtime's
// sync events. A lock is released by whichever goroutine unlocks it: Go
// lets a goroutine unlock a lock another one locked.
func (t *holdTable) onSync(op *race.SyncOp) {
	switch op.Kind {
	case race.MutexLock, race.RWMutexLock:
		t.lock(op, op.Kind == race.RWMutexLock)
	case race.MutexTryLock, race.RWMutexTryLock:
		if op.Arg == 1 {
			t.lock(op, op.Kind == race.RWMutexTryLock)
		}
	case race.RWMutexRLock:
		t.rlock(op)
	case race.RWMutexTryRLock:
		if op.Arg == 1 {
			t.rlock(op)
		}
	case race.MutexUnlock, race.RWMutexUnlock:
		t.unlock(op.Obj)
	case race.RWMutexRUnlock:
		t.runlock(op)
	}
}

func gid(op *race.SyncOp) int64 {
	if op.G == nil {
		return -1 // an unknown goroutine: held, not named
	}
	return op.G.ID
}

// lock records that op's goroutine took the lock op.Obj: it is not
// read-locked then, whatever was recorded of memory at that address.
func (t *holdTable) lock(op *race.SyncOp, rw bool) {
	s := t.shard(op.Obj)
	s.mu.Lock()
	*s.find(op.Obj, true) = hold{rw: rw, writer: locker{gid(op), op.PC, op.Stack}}
	s.mu.Unlock()
}

// rlock records that op's goroutine read-locked op.Obj: it has no writer
// then.
func (t *holdTable) rlock(op *race.SyncOp) {
	s := t.shard(op.Obj)
	s.mu.Lock()
	h := s.find(op.Obj, true)
	h.rw = true
	h.writer = locker{}
	h.readers++
	for i := range h.r {
		if h.r[i].gid == 0 {
			h.r[i] = locker{gid(op), op.PC, op.Stack}
			break
		}
	}
	s.mu.Unlock()
}

func (t *holdTable) unlock(addr uintptr) {
	s := t.shard(addr)
	s.mu.Lock()
	if h := s.find(addr, false); h != nil {
		h.writer = locker{}
		s.tidy(addr, h)
	}
	s.mu.Unlock()
}

// runlock releases a read hold: the unlocking goroutine's if it is a
// read holder named, else some other one's; a named holder is forgotten
// when fewer read holds are left than holders named.
func (t *holdTable) runlock(op *race.SyncOp) {
	s := t.shard(op.Obj)
	s.mu.Lock()
	if h := s.find(op.Obj, false); h != nil && h.readers > 0 {
		h.readers--
		g, named := gid(op), 0
		for i := range h.r {
			if h.r[i].gid != 0 {
				named++
			}
		}
		drop := -1
		for i := range h.r {
			if h.r[i].gid == g {
				drop = i
				break
			}
		}
		if drop < 0 && int64(named) > h.readers {
			// Released for another goroutine, which one is not
			// known: forget the last named.
			for i := range h.r {
				if h.r[i].gid != 0 {
					drop = i
				}
			}
		}
		if drop >= 0 {
			copy(h.r[drop:], h.r[drop+1:])
			h.r[len(h.r)-1] = locker{}
		}
		s.tidy(op.Obj, h)
	}
	s.mu.Unlock()
}

// holder returns who holds the lock at addr now.
func (t *holdTable) holder(addr uintptr) (hold, bool) {
	s := t.shard(addr)
	s.mu.Lock()
	var h hold
	p := s.find(addr, false)
	if p != nil {
		h = *p
	}
	s.mu.Unlock()
	return h, p != nil
}

// drop forgets the locks in [addr, addr+size), memory being freed or
// allocated anew. It runs inside the allocator: it does not allocate. A
// shard holding no lock costs a lock and a scan of its array.
func (t *holdTable) drop(addr, size uintptr) {
	if size == 0 {
		return
	}
	last := addr + size - 1
	if last < addr {
		last = ^uintptr(0)
	}
	kfirst, klast := addr>>pages.PageShift, last>>pages.PageShift
	if klast-kfirst >= holdShards {
		for i := range t.shards {
			t.shards[i].drop(addr, last)
		}
		return
	}
	for k := kfirst; ; k++ {
		t.shards[k%holdShards].drop(addr, last)
		if k == klast {
			break
		}
	}
}

func (s *holdShard) drop(addr, last uintptr) {
	s.mu.Lock()
	for i := range s.inl {
		if a := s.inl[i].addr; a != 0 && addr <= a && a <= last {
			s.inl[i].addr, s.inl[i].h = 0, hold{}
		}
	}
	if len(s.m) > 0 {
		for a := range s.m {
			if addr <= a && a <= last {
				delete(s.m, a)
			}
		}
	}
	s.mu.Unlock()
}

// A holdingDetector is the detector that names lock holders (leak.holders,
// the default): it receives the sync and memory events that a detector
// without it does not pay for.
type holdingDetector struct {
	*detector
}

// OnSync implements race.NativeSyncDetector: it tracks who holds each
// Mutex and RWMutex, for the notes of the goroutines waiting on one.
func (d holdingDetector) OnSync(op race.SyncOp) {
	if op.Kind < race.MutexLockWait || op.Kind > race.RWMutexUnlock {
		return // a channel, WaitGroup, Once or Cond
	}
	d.holds.onSync(&op)
}

// OnMalloc implements race.MemoryDetector: a lock in memory allocated
// anew is not held.
func (d holdingDetector) OnMalloc(addr, size uintptr) { d.holds.drop(addr, size) }

// OnFree implements race.MemoryDetector: a lock in freed memory is no
// longer held.
func (d holdingDetector) OnFree(addr, size uintptr) { d.holds.drop(addr, size) }

// heldBy says who holds the lock a goroutine, self, waits on, for its
// note: " held by goroutine 7 (locked at x_test.go:31)", " held for
// reading by goroutines 7 (read-locked at x.go:12), 9 (read-locked at
// x.go:12) and 3 others"; "" if nobody is known to. The first read
// holders are named: once one of them read-unlocks while others hold the
// lock, those others are counted, not named.
func heldBy(h hold, self int64, where func(uintptr) string) string {
	name := func(l locker) string {
		switch l.gid {
		case self:
			return "goroutine " + strconv.FormatInt(l.gid, 10) + " itself"
		case -1:
			return "an unknown goroutine"
		}
		return "goroutine " + strconv.FormatInt(l.gid, 10)
	}
	if h.writer.gid != 0 {
		return " held by " + name(h.writer) + " (locked at " + where(h.writer.pc) + ")"
	}
	if h.readers <= 0 {
		return ""
	}
	var rs []string
	for _, r := range h.r {
		if r.gid != 0 {
			rs = append(rs, strings.TrimPrefix(name(r), "goroutine ")+" (read-locked at "+where(r.pc)+")")
		}
	}
	s := " held for reading by "
	switch {
	case len(rs) == 0:
		return s + strconv.FormatInt(h.readers, 10) + " goroutines"
	case h.readers == 1:
		return s + "goroutine " + rs[0]
	case len(rs) == 1:
		s += "goroutine " + rs[0]
	default:
		s += "goroutines " + strings.Join(rs, ", ")
	}
	switch n := h.readers - int64(len(rs)); {
	case n == 1:
		s += " and 1 other"
	case n > 1:
		s += " and " + strconv.FormatInt(n, 10) + " others"
	}
	return s
}

// len returns the number of locks held in t, for tests.
func (t *holdTable) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		for _, e := range s.inl {
			if e.addr != 0 {
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}
