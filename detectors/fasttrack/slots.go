// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fasttrack

import (
	"math"
	"runtime/race"
	"sync/atomic"
)

// maxSlots bounds the number of clock slots, and so every vector clock's
// length, as ThreadSanitizer's 256 thread slots do.
const maxSlots = 256

// A slot is a clock entry, the "tid" of FastTrack's epochs, lent to one
// goroutine at a time. Its clock only grows: a goroutine that takes the
// slot over starts its epochs after the last one used in it.
type slot struct {
	// owner is the goroutine the slot is lent to, nil if none.
	owner atomic.Pointer[gstate]
	// clock is the last clock value used in the slot: its owner's own
	// entry C_t[t], stored at every increment and kept when the owner
	// ends or loses the slot, for OnAcquireAll and the next owner.
	clock atomic.Uint32
}

// A slotTable lends slots to goroutines: a slot never used while there are
// some, then the slot of the goroutine that ended longest ago, and when
// every slot is lent to a live goroutine, the next in turn, taken from its
// owner, which takes another at its next event.
type slotTable struct {
	mu    race.SpinLock
	n     atomic.Uint32 // slots used so far; slots[n:] never lent
	slots [maxSlots]slot
	// free holds the slots whose owners ended, oldest first: a ring of
	// nfree entries from head.
	free        [maxSlots]uint32
	head, nfree uint32
	// steal is the next slot to take from a live goroutine.
	steal uint32
}

// attach lends g a slot and starts g's first epoch in it: g.tid is the
// slot and g.vc[g.tid] its clock, after every clock used in the slot so
// far. g.vc must hold what g knows of other slots.
func (st *slotTable) attach(g *gstate) {
	st.mu.Lock()
	var t uint32
	switch n := st.n.Load(); {
	case n < maxSlots:
		t = n
		st.n.Store(n + 1)
	case st.nfree > 0:
		t = st.free[st.head]
		st.head = (st.head + 1) % maxSlots
		st.nfree--
	default:
		t = st.steal
		st.steal = (st.steal + 1) % maxSlots
	}
	s := &st.slots[t]
	c := s.clock.Load()
	if c == math.MaxUint32 {
		st.mu.Unlock()
		panic("fasttrack: clock overflow")
	}
	c++
	s.clock.Store(c)
	s.owner.Store(g)
	st.mu.Unlock()
	g.tid = t
	g.vc.grow(int(t) + 1)
	g.vc[t] = c
	g.slot = s
}

// detach gives back g's slot when g ends, unless g has lost it.
func (st *slotTable) detach(g *gstate) {
	st.mu.Lock()
	if g.slot.owner.Load() == g {
		g.slot.owner.Store(nil)
		st.free[(st.head+st.nfree)%maxSlots] = g.tid
		st.nfree++
	}
	st.mu.Unlock()
	g.slot = nil
}

// owns reports whether g still holds its slot.
func (g *gstate) owns() bool { return g.slot.owner.Load() == g }
