// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package vclock is the happens-before bookkeeping of drace's detectors,
// for any detector to use: vector clocks over a bounded set of slots,
// epochs, and the goroutine operations on them.
//
// A goroutine's Thread holds its vector clock C_t and the slot t lent to
// it, like ThreadSanitizer's "thread slot": a slot is reused once its
// goroutine ends, so there are at most MaxSlots (256) slots, and no Clock
// has more than 256 entries, while no more than 256 goroutines are live at
// once, however many a program starts; beyond, one slot per live
// goroutine. Clock operations cost O(slots in use). An Epoch c@t is one
// clock value of one slot, the FastTrack representation of an access's
// time: it happens before a Clock V when c ≤ V[t].
//
// Slots lends the slots: a slot never used while fewer than 256 have been,
// then the slot of the goroutine that ended longest ago, and a new one only
// when all are held. A slot's clock only grows, so epochs are never
// reused. The price of reuse, as in ThreadSanitizer, is precision: the
// goroutine that takes a slot over, and every goroutine that later
// synchronises with it, is ordered after everything done in the slot
// before it, so a happens-before detector misses a race between that
// earlier access and theirs. With slots reused oldest first, the accesses
// concerned are many goroutine lifetimes old. Unlike ThreadSanitizer,
// Slots never takes a slot from a live goroutine. A slot is not a
// goroutine: a detector whose reports name goroutines keeps the goroutine
// ID with the epoch, or asks Holders, which keeps each slot's last holders
// and the clock value each took it at.
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
//
// The package is compiled without race instrumentation when a -drace
// detector imports it, like the detector itself.
package vclock
