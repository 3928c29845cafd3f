// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package locks

import (
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"
)

// A Lock is a lock as a goroutine holds it.
type Lock struct {
	Addr uintptr // the sync.Mutex or sync.RWMutex
	RW   bool    // a sync.RWMutex; otherwise a sync.Mutex
	Read bool    // held in read mode (RLock); a Mutex never is
}

// Guards reports whether holding l guards an access (write or not) by the
// lock discipline: write mode guards any access, read mode reads only.
func (l Lock) Guards(write bool) bool { return !write || !l.Read }

// less orders locks by address, write mode first.
func less(a, b Lock) bool {
	if a.Addr != b.Addr {
		return a.Addr < b.Addr
	}
	return !a.Read && b.Read
}

// A Set is an interned set of locks: an index in its Table. The zero Set
// is the empty set.
type Set uint32

// Empty is the empty set.
const Empty Set = 0

// A Table interns sets of locks. The zero Table is ready to use; its
// methods may be called concurrently. It must not be copied.
type Table struct {
	mu race.SpinLock // serialises additions
	// dir holds the sets' locks by id, in chunks that never move: a
	// reader that finds an id finds its locks there.
	dir atomic.Pointer[[]*[chunk][]Lock]
	n   uint32 // sets, the empty one included; under mu
	// idx finds a set's id from its locks: open addressing by hash, each
	// slot 0 or an id (the empty set is not in it). It is replaced, not
	// modified in place, to grow; readers of an old one look again under
	// mu when they miss.
	idx atomic.Pointer[[]atomic.Uint32]
	// meets caches intersections: c<<41 | held<<21 | write<<20 | result,
	// in the slot of (c, held, write). Sets numbered from 1<<20 on are not
	// cached.
	meets [meetSlots]atomic.Uint64
}

const (
	chunk     = 1024
	meetSlots = 1 << 13
	meetBits  = 20
)

// Locks returns the locks of s, sorted by address (write mode first). The
// slice must not be modified.
func (t *Table) Locks(s Set) []Lock {
	if s == Empty {
		return nil
	}
	return (*t.dir.Load())[s/chunk][s%chunk]
}

// Len returns the number of sets interned, the empty one included.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return int(max(t.n, 1))
}

func hash(ls []Lock) uint64 {
	h := uint64(len(ls))
	for _, l := range ls {
		k := uint64(l.Addr) << 2
		if l.RW {
			k |= 2
		}
		if l.Read {
			k |= 1
		}
		h = (h ^ k) * 0x9e3779b97f4a7c15
		h ^= h >> 29
	}
	return h
}

func equal(a, b []Lock) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lookup returns the id of the set ls in idx, or Empty if it is not there.
func (t *Table) lookup(idx []atomic.Uint32, ls []Lock, h uint64) Set {
	if len(idx) == 0 {
		return Empty
	}
	m := uint64(len(idx) - 1)
	for i := h & m; ; i = (i + 1) & m {
		id := Set(idx[i].Load())
		if id == Empty {
			return Empty
		}
		if equal(t.Locks(id), ls) {
			return id
		}
	}
}

// intern returns the id of ls, sorted and without duplicates, adding a
// copy of it if it is new.
func (t *Table) intern(ls []Lock) Set {
	if len(ls) == 0 {
		return Empty
	}
	h := hash(ls)
	if idx := t.idx.Load(); idx != nil {
		if id := t.lookup(*idx, ls, h); id != Empty {
			return id
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var idx []atomic.Uint32
	if p := t.idx.Load(); p != nil {
		idx = *p
		if id := t.lookup(idx, ls, h); id != Empty {
			return id
		}
	}
	if t.n == 0 {
		t.n = 1 // id 0 is the empty set
	}
	id := Set(t.n)
	var dir []*[chunk][]Lock
	if p := t.dir.Load(); p != nil {
		dir = *p
	}
	if int(id/chunk) >= len(dir) {
		nd := append(dir[:len(dir):len(dir)], new([chunk][]Lock))
		t.dir.Store(&nd)
		dir = nd
	}
	dir[id/chunk][id%chunk] = append([]Lock(nil), ls...)
	t.n++
	if 2*int(t.n) > len(idx) {
		// Grow: a new index with every set; readers of the old one
		// miss the new sets and look again under mu.
		ni := make([]atomic.Uint32, max(256, 4*len(idx)))
		for s := Set(1); s < id; s++ {
			insert(ni, hash(t.Locks(s)), s)
		}
		idx = ni
		insert(idx, h, id)
		t.idx.Store(&ni)
		return id
	}
	insert(idx, h, id)
	return id
}

func insert(idx []atomic.Uint32, h uint64, id Set) {
	m := uint64(len(idx) - 1)
	i := h & m
	for idx[i].Load() != 0 {
		i = (i + 1) & m
	}
	idx[i].Store(uint32(id))
}

// Intern returns the set of ls (in any order, duplicates ignored).
func (t *Table) Intern(ls ...Lock) Set {
	var buf scratch
	out := buf[:0]
	if len(ls) > len(buf) {
		out = make([]Lock, 0, len(ls))
	}
	for _, l := range ls {
		// Insertion into the sorted out: sets are small.
		i := 0
		for i < len(out) && less(out[i], l) {
			i++
		}
		if i < len(out) && out[i] == l {
			continue
		}
		out = append(out, Lock{})
		copy(out[i+1:], out[i:])
		out[i] = l
	}
	return t.intern(out)
}

// scratch is room for a small set on the caller's stack.
type scratch [8]Lock

// With returns s with l added.
func (t *Table) With(s Set, l Lock) Set {
	cur := t.Locks(s)
	var buf scratch
	out := buf[:0]
	if len(cur) >= len(buf) {
		out = make([]Lock, 0, len(cur)+1)
	}
	i := 0
	for i < len(cur) && less(cur[i], l) {
		i++
	}
	if i < len(cur) && cur[i] == l {
		return s
	}
	out = append(append(append(out, cur[:i]...), l), cur[i:]...)
	return t.intern(out)
}

// Without returns s with l removed.
func (t *Table) Without(s Set, l Lock) Set {
	cur := t.Locks(s)
	var buf scratch
	out := buf[:0]
	if len(cur) > len(buf) {
		out = make([]Lock, 0, len(cur))
	}
	found := false
	for _, k := range cur {
		if k == l {
			found = true
			continue
		}
		out = append(out, k)
	}
	if !found {
		return s
	}
	return t.intern(out)
}

// Protects reports whether s holds the lock at addr in a mode that guards
// an access (write or not).
func (t *Table) Protects(s Set, addr uintptr, write bool) bool {
	return protects(t.Locks(s), addr, write)
}

func protects(ls []Lock, addr uintptr, write bool) bool {
	for _, l := range ls {
		if l.Addr == addr && l.Guards(write) {
			return true
		}
		if l.Addr > addr {
			break
		}
	}
	return false
}

// Intersect returns the locks of c that held guards an access (write or
// not) with: Eraser's refinement C(v) ∩ locks_held(t) of a candidate set
// by the locks held at an access, by address, with the read-write rule
// that a write keeps only the locks held in write mode. The modes of c's
// locks are kept and play no part. Answers are cached by (c, held, write),
// but for a read holding c itself, whose answer is c.
func (t *Table) Intersect(c, held Set, write bool) Set {
	if c == Empty || held == Empty {
		return Empty
	}
	if c == held && !write {
		return c // every lock held guards a read
	}
	var slot *atomic.Uint64
	var key uint64
	if c < 1<<meetBits && held < 1<<meetBits {
		key = uint64(c)<<(2*meetBits+1) | uint64(held)<<(meetBits+1)
		if write {
			key |= 1 << meetBits
		}
		slot = &t.meets[(key>>meetBits*0x9e3779b97f4a7c15)>>(64-13)]
		if e := slot.Load(); e&^(1<<meetBits-1) == key {
			return Set(e & (1<<meetBits - 1))
		}
	}
	cs, hs := t.Locks(c), t.Locks(held)
	var buf scratch
	out := buf[:0]
	if len(cs) > len(buf) {
		out = make([]Lock, 0, len(cs))
	}
	for _, l := range cs {
		if protects(hs, l.Addr, write) {
			out = append(out, l)
		}
	}
	r := c
	if len(out) != len(cs) {
		r = t.intern(out)
	}
	if slot != nil && r < 1<<meetBits {
		slot.Store(key | uint64(r))
	}
	return r
}

// Common reports whether two accesses, a (holding set as, a write if aw)
// and b, hold a lock in common, each in a mode that guards it.
func (t *Table) Common(as Set, aw bool, bs Set, bw bool) bool {
	if as == Empty || bs == Empty {
		return false
	}
	bl := t.Locks(bs)
	for _, l := range t.Locks(as) {
		if l.Guards(aw) && protects(bl, l.Addr, bw) {
			return true
		}
	}
	return false
}

// Within reports whether every lock that guards access a (holding set as,
// a write if aw) also guards access b: then whatever b's locks protect b
// from, a's protect a from too.
func (t *Table) Within(as Set, aw bool, bs Set, bw bool) bool {
	if as == Empty || as == bs && aw == bw {
		return true
	}
	bl := t.Locks(bs)
	for _, l := range t.Locks(as) {
		if l.Guards(aw) && !protects(bl, l.Addr, bw) {
			return false
		}
	}
	return true
}

// Describe describes s for a report: "Mutex 0x… (write), RWMutex 0x…
// (read)", or "none".
func (t *Table) Describe(s Set) string {
	ls := t.Locks(s)
	if len(ls) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteString(", ")
		}
		kind, mode := "Mutex 0x", " (write)"
		if l.RW {
			kind = "RWMutex 0x"
		}
		if l.Read {
			mode = " (read)"
		}
		b.WriteString(kind)
		b.WriteString(strconv.FormatUint(uint64(l.Addr), 16))
		b.WriteString(mode)
	}
	return b.String()
}
