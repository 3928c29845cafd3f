// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import "testing"

// TestGoroutinesAttachAtFirstUse: a started goroutine takes no slot until
// its first Use, which starts its first epoch after its parent's clock.
func TestGoroutinesAttachAtFirstUse(t *testing.T) {
	var gs Goroutines
	var main, child Goroutine
	gs.Start(nil, &main, 1)
	if gs.Slots.Used() != 0 || main.Holds() || gs.Ready(&main) {
		t.Fatalf("Start lent a slot: %d used, ready %v", gs.Slots.Used(), gs.Ready(&main))
	}
	gs.Use(&main)
	if !main.Holds() || !gs.Ready(&main) || gs.Slots.Used() != 1 {
		t.Fatalf("first Use: holds %v, %d used; want a slot", main.Holds(), gs.Slots.Used())
	}
	before := main.Epoch()
	gs.Start(&main, &child, 2)
	if child.Holds() || gs.Slots.Used() != 1 {
		t.Fatalf("Start of a child lent it a slot: %d used", gs.Slots.Used())
	}
	if !before.Before(child.C) {
		t.Errorf("parent's epoch %v before the start is not in the child's clock %v", before, child.C)
	}
	if after := main.Epoch(); after.Before(child.C) {
		t.Errorf("parent's epoch after the start %v is in the child's clock %v", after, child.C)
	}
	gs.Use(&child)
	if !child.Holds() || child.Slot() == main.Slot() || gs.Slots.Used() != 2 {
		t.Fatalf("child's first Use: holds %v, slot %d (parent's %d), %d used",
			child.Holds(), child.Slot(), main.Slot(), gs.Slots.Used())
	}
	if !before.Before(child.C) {
		t.Errorf("attaching lost the parent's clock: %v", child.C)
	}
	if got := gs.Holders.Goroutine(child.Epoch()); got != 2 {
		t.Errorf("holder of the child's epoch = %d, want 2", got)
	}
	// A second Use at a later event changes nothing.
	e := child.Epoch()
	gs.Use(&child)
	if child.Epoch() != e {
		t.Errorf("Use of a goroutine holding its slot moved its epoch from %v to %v", e, child.Epoch())
	}
}

// TestGoroutinesEndBeforeUse: a goroutine that ends before its first
// event never takes a slot.
func TestGoroutinesEndBeforeUse(t *testing.T) {
	var gs Goroutines
	var main Goroutine
	gs.Start(nil, &main, 1)
	gs.Use(&main)
	for i := range 3 * MaxSlots {
		var g Goroutine
		gs.Start(&main, &g, int64(10+i))
		gs.End(&g)
	}
	if used := gs.Slots.Used(); used != 1 {
		t.Errorf("%d slots used by goroutines that never ran, want 1 (main's)", used)
	}
	// One that does run takes a slot, and gives it back at its end.
	var g Goroutine
	gs.Start(&main, &g, 5)
	gs.Use(&g)
	gs.End(&g)
	if used := gs.Slots.Used(); used != 2 {
		t.Errorf("%d slots used, want 2", used)
	}
}

// TestGoroutinesTakeover: when every slot is held, a new goroutine takes
// the oldest lease's slot; its holder notices at its next Use and attaches
// again to another slot, keeping its clock.
func TestGoroutinesTakeover(t *testing.T) {
	var gs Goroutines
	var root Goroutine
	gs.Start(nil, &root, 1)
	gs.Use(&root)
	live := make([]Goroutine, MaxSlots)
	for i := range live {
		gs.Start(&root, &live[i], int64(100+i))
		if i > 0 { // root holds one slot; live[0] waits
			gs.Use(&live[i])
		}
	}
	// live[0] runs last: every slot is held, so it takes root's (the
	// oldest lease).
	victim := root.Slot()
	vc := append(Clock(nil), root.C...)
	gs.Use(&live[0])
	if live[0].Slot() != victim {
		t.Fatalf("new goroutine took slot %d, want the oldest lease's %d", live[0].Slot(), victim)
	}
	if root.Holds() || gs.Ready(&root) {
		t.Fatal("root still holds the slot taken from it")
	}
	// root's accesses so far are ordered before the taker (the price of
	// reuse), and its new epochs after the takeover are not.
	if !root.Epoch().Before(live[0].C) {
		t.Errorf("root's epoch %v not before the taker's clock %v", root.Epoch(), live[0].C)
	}
	// Free a slot, so that root can attach again; it notices at its Use.
	gs.End(&live[5])
	freed := live[5].Slot()
	gs.Use(&root)
	if !root.Holds() || root.Slot() != freed {
		t.Fatalf("root after Use: holds %v, slot %d; want the freed slot %d", root.Holds(), root.Slot(), freed)
	}
	if !vc.Leq(root.C) {
		t.Errorf("re-attaching lost root's clock: had %v, now %v", vc, root.C)
	}
	if root.Epoch().Before(live[0].C) {
		t.Errorf("root's new epoch %v is before the taker's clock %v", root.Epoch(), live[0].C)
	}
	if got := gs.Holders.Goroutine(root.Epoch()); got != 1 {
		t.Errorf("holder of root's new epoch = %d, want 1", got)
	}
	if got := gs.Holders.Goroutine(live[0].Epoch()); got != 100 {
		t.Errorf("holder of the taker's epoch = %d, want 100", got)
	}
	if used := gs.Slots.Used(); used != MaxSlots {
		t.Errorf("%d slots used, want %d", used, MaxSlots)
	}
}

// TestGoroutinesTickAfterTakeover: a Tick of a goroutine whose slot was
// taken attaches it again instead.
func TestGoroutinesTickAfterTakeover(t *testing.T) {
	var gs Goroutines
	live := make([]Goroutine, MaxSlots+1)
	for i := range live {
		gs.Start(nil, &live[i], int64(i+1))
	}
	for i := range MaxSlots {
		gs.Use(&live[i])
	}
	gs.Use(&live[MaxSlots]) // every slot held: takes the oldest lease, live[0]'s
	if live[0].Holds() {
		t.Fatal("live[0] still holds its slot")
	}
	e := live[0].Epoch()
	gs.Tick(&live[0])
	if live[0].Slot() == e.Slot() || !live[0].Holds() {
		t.Fatalf("Tick after a takeover: slot %d (was %d), holds %v", live[0].Slot(), e.Slot(), live[0].Holds())
	}
	if live[0].C.Get(e.Slot()) != e.Clock() {
		t.Errorf("Tick after a takeover lost the old slot's entry: %v", live[0].C)
	}
}

// TestGoroutinesAcquireAll: after an AcquireAll, every other goroutine
// starts a new epoch at its next Use, not ordered before the acquirer;
// the acquirer is ordered after what each did before.
func TestGoroutinesAcquireAll(t *testing.T) {
	var gs Goroutines
	var a, b Goroutine
	gs.Start(nil, &a, 1)
	gs.Start(nil, &b, 2)
	gs.Use(&a)
	gs.Use(&b)
	old := b.Epoch()
	gs.Use(&a)
	gs.AcquireAll(&a)
	if !old.Before(a.C) {
		t.Errorf("b's epoch %v not before the acquirer's clock %v", old, a.C)
	}
	ae := a.Epoch()
	if !gs.Ready(&a) || gs.Ready(&b) {
		t.Errorf("after AcquireAll: acquirer ready %v (want true), other ready %v (want false)", gs.Ready(&a), gs.Ready(&b))
	}
	gs.Use(&a)
	if a.Epoch() != ae {
		t.Errorf("the acquirer's own epoch moved at its next Use: %v to %v", ae, a.Epoch())
	}
	gs.Use(&b)
	if !gs.Ready(&b) {
		t.Error("not ready after Use")
	}
	if b.Epoch() == old || b.Epoch().Before(a.C) {
		t.Errorf("b after AcquireAll: epoch %v (was %v), acquirer's clock %v", b.Epoch(), old, a.C)
	}
}
