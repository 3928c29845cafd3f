// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import "runtime/race"

// Holders records which goroutine held each slot from which clock value
// on, so that a report can name the goroutine of an earlier access kept
// as an epoch (a slot is not a goroutine: slots are reused). Each slot
// keeps its last HolderHistory holders; the goroutine of an access older
// than those is unknown. The zero Holders is empty and ready; it is safe
// for concurrent use.
type Holders struct {
	mu    race.SpinLock
	slots []*holderRing
}

// HolderHistory is how many holders of a slot Holders keeps.
const HolderHistory = 64

type holderRing struct {
	n    int // holders recorded
	from [HolderHistory]uint32
	gid  [HolderHistory]int64
}

// Attach records that goroutine gid holds t's slot from t's current clock
// value on: call it when a goroutine is given a slot (after Slots.Fork or
// Slots.Attach).
func (h *Holders) Attach(t *Thread, gid int64) {
	s := t.Slot()
	h.attach(s, t.C[s], gid)
}

func (h *Holders) attach(slot, from uint32, gid int64) {
	h.mu.Lock()
	for int(slot) >= len(h.slots) {
		h.slots = append(h.slots, nil)
	}
	r := h.slots[slot]
	if r == nil {
		r = new(holderRing)
		h.slots[slot] = r
	}
	i := r.n % HolderHistory
	r.from[i], r.gid[i] = from, gid
	r.n++
	h.mu.Unlock()
}

// Goroutine returns the goroutine that held e's slot at e's clock value,
// or 0 if it is not known (older than the holders kept, or never
// attached).
func (h *Holders) Goroutine(e Epoch) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	slot, c := e.Slot(), e.Clock()
	if int(slot) >= len(h.slots) || h.slots[slot] == nil {
		return 0
	}
	r := h.slots[slot]
	// The newest holder whose first clock value is at most c.
	for k := 1; k <= min(r.n, HolderHistory); k++ {
		i := (r.n - k) % HolderHistory
		if r.from[i] <= c {
			return r.gid[i]
		}
	}
	return 0
}
