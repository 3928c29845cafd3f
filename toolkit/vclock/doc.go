// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package vclock is the happens-before bookkeeping of drace's detectors,
// for any detector to use: vector clocks over a bounded set of slots,
// epochs, and the goroutine operations on them.
//
// A goroutine's Thread holds its vector clock C_t and the slot t lent to
// it, like ThreadSanitizer's "thread slot": there are at most MaxSlots
// (256) slots, so no Clock has more than 256 entries, however many
// goroutines a program starts or keeps live. Clock operations cost O(slots
// in use). An Epoch c@t is one clock value of one slot, the FastTrack
// representation of an access's time: it happens before a Clock V when
// c ≤ V[t].
//
// Slots lends the slots: a slot never used while fewer than 256 have been,
// then the slot of the goroutine that ended longest ago, and when all are
// held by live goroutines, the slot lent longest ago, taken from its
// holder, as ThreadSanitizer takes thread slots. The holder notices when
// its next Tick fails, or when Thread.Holds reports false (check it at
// each event), and Attaches again, keeping its clock. A slot's clock only
// grows, and a takeover advances it with the same atomic operation a Tick
// does, so no two Threads ever start the same epoch. The price of reuse,
// as in ThreadSanitizer, is precision: the goroutine that takes a slot
// over, and every goroutine that later synchronises with it, is ordered
// after everything done in the slot before it (by the holder it was taken
// from too, until that one notices), so a happens-before detector misses a
// race between that earlier access and theirs; it never reports one that
// did not happen, as a clock value of a slot stands for a prefix of what
// was done in it. With slots reused oldest first, the accesses concerned
// are many goroutine lifetimes old, or made by the goroutines live the
// longest. A slot is not a goroutine: a detector whose reports name
// goroutines keeps the goroutine ID with the epoch, or asks Holders,
// which keeps each slot's last holders and the clock value each took it
// at.
//
// The operations, in FastTrack's notation:
//
//   - start: Slots.Fork(parent) copies C_parent into the child, which
//     starts a new epoch in a slot of its own; then Slots.Tick(parent).
//   - acquire of m: t.C.Join(L_m). release: L_m.Assign(t.C), then
//     Slots.Tick(t). release-merge: L_m.Join(t.C), then Slots.Tick(t).
//   - acquire-all (before finalizers and cleanups): Slots.AcquireAll(t),
//     after which every goroutine should start a new epoch at its next
//     event, so that what it does then is not ordered before t.
//   - end: Slots.Detach(t) gives the slot back.
//   - at each event of t: if !t.Holds(), Slots.Attach(t) (its slot was
//     taken); when Slots.Tick(t) reports false, the same.
//
// Goroutines does all of this for a detector, lending slots lazily: a
// goroutine started (Goroutines.Start) takes its slot at its first event
// (Goroutines.Use), not before, so goroutines started but not yet run,
// and those that end before any event, hold none. Use also notices a
// takeover and attaches the goroutine again, keeping its clock, starts a
// new epoch after an AcquireAll, and records each slot's holders for
// reports (Holders).
//
// The package is compiled without race instrumentation when a -drace
// detector imports it, like the detector itself.
package vclock
