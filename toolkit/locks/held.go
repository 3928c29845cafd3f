// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package locks

import "runtime/race"

// An Acquired is a lock a goroutine holds: how many times (read locks
// nest; a count above 1 for a write lock is a program that locks twice),
// and where it took it first.
type Acquired struct {
	Lock
	N     int32
	PC    uintptr
	Stack race.StackID
	// Data is the detector's, kept with the entry while the lock is
	// held (a lock-order detector's node of the lock, say).
	Data any
	// before is the goroutine's set before it took the lock, for a
	// release of the last lock taken.
	before Set
}

// Held is the locks one goroutine holds: in acquisition order, and as a
// Set of its Table, always the same Table, or with a nil Table in every
// call, as a list alone (Set is then always Empty): a detector that needs
// the order and the sites, not the sets, saves the interning. The zero
// Held holds nothing. It belongs to its goroutine: its methods must not
// be called concurrently.
type Held struct {
	set  Set
	list []Acquired
	// memo remembers the last sets made by acquiring a lock, so that a
	// goroutine taking the same locks again and again finds its next
	// set without the Table.
	memo [memoSize]step
	next int
}

// A step is a set, a lock, and the set with the lock added.
type step struct {
	from, to Set
	l        Lock
}

const memoSize = 4

// Set returns the set of locks held.
func (h *Held) Set() Set { return h.set }

// Locks returns the locks held, oldest first. The slice is h's own, valid
// until h next changes.
func (h *Held) Locks() []Acquired { return h.list }

// find returns the index of l in h's list (the last taken first), or -1.
func (h *Held) find(l Lock) int {
	for i := len(h.list) - 1; i >= 0; i-- {
		if h.list[i].Lock == l {
			return i
		}
	}
	return -1
}

// Holds reports whether l is held (in l's mode).
func (h *Held) Holds(l Lock) bool { return h.find(l) >= 0 }

// Acquire records that the goroutine took l at pc with stack (an RLock of
// a lock it holds in read mode nests), and returns l's entry, valid until
// h next changes: N is 1 if l was not held.
func (h *Held) Acquire(t *Table, l Lock, pc uintptr, stack race.StackID) *Acquired {
	if i := h.find(l); i >= 0 {
		h.list[i].N++
		return &h.list[i]
	}
	h.list = append(h.list, Acquired{Lock: l, N: 1, PC: pc, Stack: stack, before: h.set})
	a := &h.list[len(h.list)-1]
	if t == nil {
		return a
	}
	for i := range h.memo {
		if m := &h.memo[i]; m.from == h.set && m.l == l && m.to != Empty {
			h.set = m.to
			return a
		}
	}
	to := t.With(h.set, l)
	h.memo[h.next] = step{h.set, to, l}
	h.next = (h.next + 1) % memoSize
	h.set = to
	return a
}

// Release records that the goroutine released l once, and reports whether
// it held it; a lock released as often as it was taken is no longer held.
// Releasing the lock taken last restores the set from before it.
func (h *Held) Release(t *Table, l Lock) bool {
	i := h.find(l)
	if i < 0 {
		return false
	}
	if h.list[i].N--; h.list[i].N > 0 {
		return true
	}
	h.list[i].Data = nil
	if i == len(h.list)-1 {
		h.set = h.list[i].before
		h.list = h.list[:i]
		return true
	}
	if t != nil {
		// Out of order: the later locks' sets from before them
		// included l.
		h.set = t.Without(h.set, l)
		for j := i + 1; j < len(h.list); j++ {
			h.list[j].before = t.Without(h.list[j].before, l)
		}
	}
	copy(h.list[i:], h.list[i+1:])
	h.list[len(h.list)-1] = Acquired{} // no Data kept past the end
	h.list = h.list[:len(h.list)-1]
	return true
}

// Reset drops every lock held.
func (h *Held) Reset() {
	h.set = Empty
	clear(h.list)
	h.list = h.list[:0]
}
