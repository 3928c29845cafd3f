// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import (
	"math"
	"runtime/race"
	"sync/atomic"
)

// MaxSlots bounds the number of clock slots, and so every Clock's length,
// as ThreadSanitizer's 256 thread slots do.
const MaxSlots = 256

// An Epoch is a clock value of one slot, c@t: the clock in the high 32
// bits, the slot in the low 32 bits. The zero Epoch (clock 0) happens
// before everything, so it can stand for "none".
type Epoch uint64

// MakeEpoch returns the epoch c@t.
func MakeEpoch(t, c uint32) Epoch { return Epoch(c)<<32 | Epoch(t) }

// Slot returns e's slot t.
func (e Epoch) Slot() uint32 { return uint32(e) }

// Clock returns e's clock value c.
func (e Epoch) Clock() uint32 { return uint32(e >> 32) }

// Before reports whether e happens before (or is) the time v: e ⪯ v.
func (e Epoch) Before(v Clock) bool { return e.Clock() <= v.Get(e.Slot()) }

// A Clock is a vector clock indexed by slot; missing entries are zero. Its
// length never exceeds MaxSlots.
type Clock []uint32

// Get returns v's entry for slot t.
func (v Clock) Get(t uint32) uint32 {
	if int(t) < len(v) {
		return v[t]
	}
	return 0
}

// Grow extends *v to at least n entries, the new ones zero.
func (v *Clock) Grow(n int) {
	if len(*v) >= n {
		return
	}
	if cap(*v) >= n {
		*v = (*v)[:n]
		return
	}
	nv := make(Clock, n, n+n/4)
	copy(nv, *v)
	*v = nv
}

// Join sets *v to *v ⊔ w.
func (v *Clock) Join(w Clock) {
	v.Grow(len(w))
	d := *v
	for i, c := range w {
		if c > d[i] {
			d[i] = c
		}
	}
}

// Assign sets *v to a copy of w, reusing *v's storage when it can.
func (v *Clock) Assign(w Clock) { *v = append((*v)[:0], w...) }

// Leq reports whether v ⊑ w: every entry of v is at most w's.
func (v Clock) Leq(w Clock) bool {
	for i, c := range v {
		if c > w.Get(uint32(i)) {
			return false
		}
	}
	return true
}

// A Thread is a goroutine's happens-before state: its clock C_t, and the
// slot t lent to it, whose entry C_t[t] is its current epoch's clock.
type Thread struct {
	// C is the goroutine's vector clock; C[Slot()] is its own entry.
	C    Clock
	tid  uint32
	slot *slot
}

// Slot returns the slot lent to t.
func (t *Thread) Slot() uint32 { return t.tid }

// Epoch returns t's current epoch.
func (t *Thread) Epoch() Epoch { return MakeEpoch(t.tid, t.C[t.tid]) }

// Holds reports whether t holds a slot: from Attach to Detach.
func (t *Thread) Holds() bool { return t.slot != nil }

// A slot is a clock entry lent to one Thread at a time. Its clock only
// grows: a Thread that takes the slot over starts its epochs after the
// last one used in it.
type slot struct {
	// clock is the last clock value used in the slot: its holder's own
	// entry, stored at every Tick and kept when the holder ends, for
	// AcquireAll and the next holder.
	clock atomic.Uint32
}

// Slots lends slots to goroutines: a slot never used while fewer than
// MaxSlots have been, then the slot of the goroutine that ended longest ago
// (Detach), and only when every slot is held by a live goroutine, a new
// one. So there are at most MaxSlots slots, and a Clock has at most
// MaxSlots entries, while no more than MaxSlots goroutines are live at
// once; beyond, one slot per live goroutine. As with ThreadSanitizer's
// slot reuse, the price is precision: the Thread that takes a slot over,
// and every Thread that later synchronises with it, is ordered after
// everything done in the slot before.
//
// The zero Slots is ready to use; its methods may be called concurrently.
type Slots struct {
	mu race.SpinLock
	n  atomic.Uint32 // slots used so far
	// dir holds the slots in chunks that never move, so that a Thread's
	// slot pointer stays valid; it is replaced, never modified, to grow.
	dir atomic.Pointer[[]*[slotChunk]slot]
	// free holds the slots whose holders ended, oldest first, from head.
	free []uint32
	head int
}

// slotChunk is the number of slots allocated at once.
const slotChunk = MaxSlots

// at returns slot i, which must exist.
func (s *Slots) at(i uint32) *slot { return &(*s.dir.Load())[i/slotChunk][i%slotChunk] }

// Attach lends t a slot and starts t's first epoch in it, after every
// clock value used in the slot so far. t.C must hold what t knows of other
// slots: nothing for a goroutine whose parent is not known, a copy of the
// parent's clock for a new goroutine (see Fork).
func (s *Slots) Attach(t *Thread) {
	s.mu.Lock()
	var i uint32
	if n := s.n.Load(); n >= MaxSlots && s.head < len(s.free) {
		i = s.free[s.head]
		s.head++
		if s.head == len(s.free) {
			s.free, s.head = s.free[:0], 0
		}
	} else {
		i = n
		if i%slotChunk == 0 {
			var old []*[slotChunk]slot
			if d := s.dir.Load(); d != nil {
				old = *d
			}
			nd := append(old[:len(old):len(old)], new([slotChunk]slot))
			s.dir.Store(&nd)
		}
		s.n.Store(n + 1)
	}
	sl := s.at(i)
	c := sl.clock.Load()
	if c == math.MaxUint32 {
		s.mu.Unlock()
		panic("vclock: clock overflow")
	}
	c++
	sl.clock.Store(c)
	s.mu.Unlock()
	t.tid, t.slot = i, sl
	t.C.Grow(int(i) + 1)
	t.C[i] = c
}

// Detach gives back t's slot when its goroutine ends. t must not be used
// again.
func (s *Slots) Detach(t *Thread) {
	if t.slot == nil {
		return
	}
	s.mu.Lock()
	s.free = append(s.free, t.tid)
	s.mu.Unlock()
	t.slot = nil
}

// Fork returns the Thread of a goroutine that parent starts: a copy of
// parent's clock, in a slot of its own. The caller then ticks parent
// (fork: the child is ordered after what parent did so far, and parent's
// next epoch is not ordered before the child).
func (s *Slots) Fork(parent *Thread) *Thread {
	child := &Thread{C: append(Clock(nil), parent.C...)}
	s.Attach(child)
	return child
}

// Tick starts a new epoch of t: the next clock value in its slot.
func (s *Slots) Tick(t *Thread) {
	c := t.C[t.tid]
	if c == math.MaxUint32 {
		panic("vclock: clock overflow")
	}
	c++
	t.C[t.tid] = c
	t.slot.clock.Store(c)
}

// AcquireAll orders t after everything done so far in every slot, by live
// goroutines and ended ones: C_t[u] = max(C_t[u], last clock of u) for
// every slot u.
func (s *Slots) AcquireAll(t *Thread) {
	n := int(s.n.Load())
	t.C.Grow(n)
	for u := range n {
		if c := s.at(uint32(u)).clock.Load(); c > t.C[u] {
			t.C[u] = c
		}
	}
}

// Used returns the number of slots lent so far: at most MaxSlots unless
// more goroutines than that were live at once.
func (s *Slots) Used() int { return int(s.n.Load()) }
