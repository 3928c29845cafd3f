// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import (
	"slices"
	"sync"
	"testing"
)

func TestEpoch(t *testing.T) {
	e := MakeEpoch(7, 42)
	if e.Slot() != 7 || e.Clock() != 42 {
		t.Fatalf("MakeEpoch(7, 42) = slot %d clock %d", e.Slot(), e.Clock())
	}
	v := Clock{0, 0, 0, 0, 0, 0, 0, 41}
	if e.Before(v) {
		t.Errorf("42@7 before %v", v)
	}
	v[7] = 42
	if !e.Before(v) {
		t.Errorf("42@7 not before %v", v)
	}
	if !Epoch(0).Before(nil) {
		t.Errorf("the zero epoch is not before the empty clock")
	}
}

func TestClockJoinAssignLeq(t *testing.T) {
	var v Clock
	v.Join(Clock{1, 5})
	v.Join(Clock{3, 2, 4})
	if want := (Clock{3, 5, 4}); !v.Leq(want) || !want.Leq(v) {
		t.Fatalf("join = %v, want %v", v, want)
	}
	var w Clock
	w.Assign(v)
	w[0] = 9
	if v[0] != 3 {
		t.Errorf("Assign shares storage with its argument")
	}
	if w.Leq(v) || !v.Leq(w) {
		t.Errorf("Leq: %v vs %v", v, w)
	}
}

// TestClockShorterAssignThenJoin: a clock assigned a shorter one, in its
// storage, and then joined with a longer one holds the join of the two,
// not the entries it held before the assignment (a sync clock released
// into by a goroutine with a long clock, then one with a short clock,
// then merged into).
func TestClockShorterAssignThenJoin(t *testing.T) {
	v := Clock{7, 7, 7, 7, 7, 7, 7, 7, 7, 7}
	v.Assign(Clock{1, 2})
	v.Join(Clock{0, 0, 0, 3, 0, 0, 0, 0, 0})
	if want := (Clock{1, 2, 0, 3, 0, 0, 0, 0, 0}); !slices.Equal(v, want) {
		t.Errorf("after Assign of a shorter clock and Join: %v, want %v", v, want)
	}
	w := Clock{5, 5, 5, 5}
	w.Assign(Clock{1})
	w.Grow(3)
	if want := (Clock{1, 0, 0}); !slices.Equal(w, want) {
		t.Errorf("after Assign of a shorter clock and Grow: %v, want %v", w, want)
	}
}

// TestClockJoinLengths: Join takes the maximum of every entry, eight at a
// time in vector registers, four at a time and then one by one, whatever
// the two lengths, and leaves the receiver's entries past w's alone. The
// entries are small, equal, or past 1<<31 (where a signed comparison
// would order them wrongly).
func TestClockJoinLengths(t *testing.T) {
	seed := uint32(1)
	rnd := func() uint32 {
		seed = seed*1664525 + 1013904223
		switch seed >> 30 {
		case 0:
			return seed >> 24
		case 1:
			return 1<<31 + seed>>28
		case 2:
			return 7
		}
		return seed
	}
	for nv := range 41 {
		for nw := range 41 {
			v, w := make(Clock, nv), make(Clock, nw)
			for i := range v {
				v[i] = rnd()
			}
			for i := range w {
				w[i] = rnd()
			}
			got := append(Clock(nil), v...)
			got.Join(w)
			if len(got) != max(nv, nw) {
				t.Fatalf("%v ⊔ %v: length %d", v, w, len(got))
			}
			for i := range got {
				if want := max(v.Get(uint32(i)), w.Get(uint32(i))); got[i] != want {
					t.Fatalf("%v ⊔ %v = %v: entry %d is %d, want %d", v, w, got, i, got[i], want)
				}
			}
		}
	}
}

// Under churn, every clock stays within MaxSlots entries, and a slot taken
// over starts after its last epoch.
func TestSlotsChurnBounded(t *testing.T) {
	var s Slots
	main := new(Thread)
	s.Attach(main)
	var mu Clock
	last := map[uint32]uint32{}
	for range 20 * MaxSlots {
		child := s.Fork(main)
		s.Tick(main)
		if c, ok := last[child.Slot()]; ok && child.C[child.Slot()] <= c {
			t.Fatalf("slot %d restarted at %d after %d", child.Slot(), child.C[child.Slot()], c)
		}
		s.Tick(child)
		mu.Join(child.C) // the child releases into a shared clock ...
		s.Tick(child)
		last[child.Slot()] = child.C[child.Slot()]
		s.Detach(child)
		main.C.Join(mu) // ... which main acquires
	}
	if s.Used() > MaxSlots || len(main.C) > MaxSlots || len(mu) > MaxSlots {
		t.Errorf("slots %d, clock lengths %d and %d: want at most %d", s.Used(), len(main.C), len(mu), MaxSlots)
	}
}

// The slot of the goroutine that ended longest ago is reused first.
func TestSlotsReuseOldestEnded(t *testing.T) {
	var s Slots
	ts := make([]*Thread, MaxSlots)
	for i := range ts {
		ts[i] = new(Thread)
		s.Attach(ts[i])
	}
	s.Detach(ts[9])
	s.Detach(ts[3])
	a, b := new(Thread), new(Thread)
	s.Attach(a)
	s.Attach(b)
	if a.Slot() != 9 || b.Slot() != 3 {
		t.Errorf("took slots %d and %d, want 9 then 3", a.Slot(), b.Slot())
	}
}

// With every slot held by a live Thread, a new Thread takes the slot lent
// longest ago, after its last epoch, and its holder notices: its Tick
// fails and it attaches again, to the next slot lent longest ago. There
// are never more than MaxSlots slots.
func TestSlotsTakenWhenAllHeld(t *testing.T) {
	var s Slots
	ts := make([]*Thread, MaxSlots)
	for i := range ts {
		ts[i] = new(Thread)
		s.Attach(ts[i])
	}
	s.Tick(ts[0])
	last := ts[0].Epoch()
	th := new(Thread)
	s.Attach(th)
	if th.Slot() != ts[0].Slot() || th.Epoch().Clock() != last.Clock()+1 {
		t.Fatalf("new Thread started at %d@%d, want %d@%d: after the oldest lease's last epoch", th.Epoch().Clock(), th.Slot(), last.Clock()+1, last.Slot())
	}
	if ts[0].Holds() || !th.Holds() || !ts[1].Holds() {
		t.Errorf("Holds: taken-from %v, taker %v, other %v; want false, true, true", ts[0].Holds(), th.Holds(), ts[1].Holds())
	}
	if s.Tick(ts[0]) || ts[0].Epoch() != last {
		t.Fatalf("Tick of the Thread whose slot was taken succeeded, or changed its epoch to %v", ts[0].Epoch())
	}
	s.Attach(ts[0])
	if ts[0].Slot() != ts[1].Slot() || ts[1].Holds() || !ts[0].Holds() {
		t.Errorf("attaching again took slot %d, want the next oldest lease's, %d", ts[0].Slot(), ts[1].Slot())
	}
	if !last.Before(ts[0].C) {
		t.Errorf("the Thread forgot its own epoch %v in its new slot", last)
	}
	// Detaching a Thread whose slot was taken frees nothing.
	s.Detach(ts[1])
	if !ts[0].Holds() {
		t.Errorf("Detach of a Thread whose slot was taken freed its taker's slot")
	}
	for range 10 * MaxSlots {
		th := new(Thread)
		s.Attach(th)
	}
	if s.Used() != MaxSlots {
		t.Errorf("%d slots used, want %d", s.Used(), MaxSlots)
	}
	if n := len(s.leases) - s.lhead; n > 4*MaxSlots+1 {
		t.Errorf("%d leases kept, want at most about %d", n, 4*MaxSlots)
	}
}

// A Tick racing with a takeover of its slot either starts its epoch first
// (the taker starts after it) or fails.
func TestSlotsTakeoverRacesTick(t *testing.T) {
	for range 200 {
		var s Slots
		ts := make([]*Thread, MaxSlots)
		for i := range ts {
			ts[i] = new(Thread)
			s.Attach(ts[i])
		}
		victim, taker := ts[0], new(Thread)
		var ticked bool
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			ticked = s.Tick(victim)
		}()
		s.Attach(taker)
		wg.Wait()
		if ticked && victim.Epoch() == taker.Epoch() {
			t.Fatalf("victim and taker both started %v", taker.Epoch())
		}
		if !ticked && victim.Epoch().Clock() != 1 {
			t.Fatalf("failed Tick changed the epoch to %v", victim.Epoch())
		}
	}
}

func TestAcquireAll(t *testing.T) {
	var s Slots
	a, b, c := new(Thread), new(Thread), new(Thread)
	s.Attach(a)
	s.Attach(b)
	s.Tick(a)
	ea := a.Epoch()
	s.Detach(a) // ended goroutines count too
	eb := b.Epoch()
	s.Attach(c)
	s.AcquireAll(c)
	if !ea.Before(c.C) || !eb.Before(c.C) {
		t.Errorf("after AcquireAll, %v and %v not before %v", ea, eb, c.C)
	}
}

// Slots may be used by several goroutines at once.
func TestSlotsConcurrent(t *testing.T) {
	var s Slots
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 * MaxSlots {
				th := new(Thread)
				s.Attach(th)
				s.Tick(th)
				s.Detach(th)
			}
		}()
	}
	wg.Wait()
	if s.Used() > MaxSlots {
		t.Errorf("%d slots used", s.Used())
	}
}

// No two Threads ever start the same epoch: more Threads than MaxSlots,
// attaching and ticking on several goroutines at once.
func TestSlotsEpochsUnique(t *testing.T) {
	var s Slots
	const workers, perWorker, ticks = 4, 80, 200
	type use struct {
		e     Epoch
		owner int
	}
	logs := make([][]use, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ths := make([]*Thread, perWorker)
			for i := range ths {
				ths[i] = new(Thread)
				s.Attach(ths[i])
				logs[w] = append(logs[w], use{ths[i].Epoch(), w*perWorker + i})
			}
			for range ticks {
				for i, th := range ths {
					if !s.Tick(th) {
						s.Attach(th) // its slot was taken
					}
					logs[w] = append(logs[w], use{th.Epoch(), w*perWorker + i})
				}
			}
		}()
	}
	wg.Wait()
	owner := map[Epoch]int{}
	for _, l := range logs {
		for _, u := range l {
			if o, ok := owner[u.e]; ok && o != u.owner {
				t.Fatalf("epoch %d@%d started by Threads %d and %d", u.e.Clock(), u.e.Slot(), o, u.owner)
			}
			owner[u.e] = u.owner
		}
	}
}
