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
		// The storage past len may hold entries of a longer clock
		// that Assign replaced: the new entries are zero.
		l := len(*v)
		*v = (*v)[:n]
		clear((*v)[l:])
		return
	}
	nv := make(Clock, n, n+n/4)
	copy(nv, *v)
	*v = nv
}

// Join sets *v to *v ⊔ w. It takes the maximum of each entry without a
// branch: joined clocks differ in unpredictable entries. On amd64 it
// takes eight at a time in vector registers (joinWide), then the rest
// four at a time.
func (v *Clock) Join(w Clock) {
	v.Grow(len(w))
	d := (*v)[:len(w)]
	i := joinWide(d, w)
	for ; i+4 <= len(w); i += 4 {
		a, b := d[i:i+4:i+4], w[i:i+4:i+4]
		a[0] = max(a[0], b[0])
		a[1] = max(a[1], b[1])
		a[2] = max(a[2], b[2])
		a[3] = max(a[3], b[3])
	}
	for ; i < len(w); i++ {
		d[i] = max(d[i], w[i])
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
	// token is the lease of the slot: the slot's owner while t holds it.
	token uint64
}

// Slot returns the slot lent to t.
func (t *Thread) Slot() uint32 { return t.tid }

// Epoch returns t's current epoch.
func (t *Thread) Epoch() Epoch { return MakeEpoch(t.tid, t.C[t.tid]) }

// Holds reports whether t holds a slot: from Attach to Detach, unless the
// slot was taken from it (see Slots).
func (t *Thread) Holds() bool { return t.slot != nil && t.slot.owner.Load() == t.token }

// A slot is a clock entry lent to one Thread at a time. Its clock only
// grows: a Thread that takes the slot over starts its epochs after the
// last one used in it.
type slot struct {
	// clock is the last clock value used in the slot: its holder's own
	// entry, advanced at every Tick (by compare-and-swap, so that a Tick
	// and a takeover never start the same epoch) and kept when the holder
	// ends, for AcquireAll and the next holder.
	clock atomic.Uint32
	// owner is the token of the lease of the Thread that holds the
	// slot, 0 if none.
	owner atomic.Uint64
	// The slots of goroutines running at once on different threads
	// are in different cache lines: each Tick writes its own.
	_ [64 - 16]byte
}

// Slots lends slots to goroutines, at most MaxSlots: a slot never used
// while fewer than MaxSlots have been, then the slot of the goroutine that
// ended longest ago (Detach), and when every slot is held by a live
// goroutine, the slot lent longest ago, taken from its holder, as
// ThreadSanitizer takes thread slots. So no Clock has more than MaxSlots
// entries, however many goroutines are live at once.
//
// The price is precision. The Thread that takes a slot over starts after
// the last epoch used in it, so it, and every Thread that later
// synchronises with it, is ordered after everything done in the slot
// before, by its earlier holders and, until that one notices, by the
// holder it was taken from. A Thread whose slot was taken keeps its clock
// and its current epoch (its accesses so far, and until it notices, count
// as made before the taker's), and notices at its next Tick, which then
// fails, or when it checks Holds: it must Attach again, to a new slot, and
// goes on from there with a new epoch. No two Threads ever start the same
// epoch.
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
	// leases holds the leases made, oldest first from lhead: the slot
	// taken when all are held is the one of the oldest lease still held.
	leases []lease
	lhead  int
	tokens uint64 // the last lease's token
}

// A lease is a slot lent, and the token it was lent with.
type lease struct {
	slot  uint32
	token uint64
}

// slotChunk is the number of slots allocated at once.
const slotChunk = MaxSlots

// at returns slot i, which must exist.
func (s *Slots) at(i uint32) *slot { return &(*s.dir.Load())[i/slotChunk][i%slotChunk] }

// Attach lends t a slot and starts t's first epoch in it, after every
// clock value used in the slot so far. t.C must hold what t knows of other
// slots: nothing for a goroutine whose parent is not known, a copy of the
// parent's clock for a new goroutine (see Fork), its own clock for a
// Thread whose slot was taken.
func (s *Slots) Attach(t *Thread) {
	s.mu.Lock()
	var i uint32
	switch n := s.n.Load(); {
	case n >= MaxSlots && s.head < len(s.free):
		i = s.free[s.head]
		s.head++
		if s.head == len(s.free) {
			s.free, s.head = s.free[:0], 0
		}
	case n >= MaxSlots:
		i = s.oldestLease()
	default:
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
	s.tokens++
	token := s.tokens
	// The owner changes before the clock advances: a Tick of the holder
	// the slot is taken from either advances the clock first (and this
	// starts after it) or fails.
	sl.owner.Store(token)
	c := sl.clock.Add(1)
	if c == math.MaxUint32 {
		s.mu.Unlock()
		panic("vclock: clock overflow")
	}
	s.leases = append(s.leases, lease{i, token})
	if live := len(s.leases) - s.lhead; live > 4*MaxSlots {
		s.compactLeases()
	}
	s.mu.Unlock()
	t.tid, t.slot, t.token = i, sl, token
	t.C.Grow(int(i) + 1)
	t.C[i] = c
}

// oldestLease returns the slot of the oldest lease still held, and drops
// the leases before it (s.mu held; every slot is held).
func (s *Slots) oldestLease() uint32 {
	for s.lhead < len(s.leases) {
		l := s.leases[s.lhead]
		s.lhead++
		if s.at(l.slot).owner.Load() == l.token {
			return l.slot
		}
	}
	panic("vclock: every slot held, but no lease")
}

// compactLeases drops the leases no longer held (s.mu held), so that
// leases stay within a few times MaxSlots.
func (s *Slots) compactLeases() {
	kept := s.leases[:0]
	for _, l := range s.leases[s.lhead:] {
		if s.at(l.slot).owner.Load() == l.token {
			kept = append(kept, l)
		}
	}
	clear(s.leases[len(kept):])
	s.leases, s.lhead = kept, 0
}

// Detach gives back t's slot when its goroutine ends, unless it was taken
// from t. t must not be used again.
func (s *Slots) Detach(t *Thread) {
	if t.slot == nil {
		return
	}
	s.mu.Lock()
	if t.slot.owner.Load() == t.token {
		t.slot.owner.Store(0)
		s.free = append(s.free, t.tid)
	}
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

// Tick starts a new epoch of t: the next clock value in its slot. It
// reports false, changing nothing, if t's slot was taken from it: t must
// Attach again, which starts its new epoch in another slot.
func (s *Slots) Tick(t *Thread) bool {
	c := t.C[t.tid]
	if c == math.MaxUint32 {
		panic("vclock: clock overflow")
	}
	if t.slot.owner.Load() != t.token || !t.slot.clock.CompareAndSwap(c, c+1) {
		return false
	}
	t.C[t.tid] = c + 1
	return true
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

// Used returns the number of slots lent so far: at most MaxSlots.
func (s *Slots) Used() int { return int(s.n.Load()) }
