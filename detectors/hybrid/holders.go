// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package hybrid

import "runtime/race"

// holders records which goroutine held each slot from which clock on, the
// last holderHistory of them per slot: a report names the goroutine of an
// earlier access made by one of its slot's last holderHistory holders, and
// says "goroutine 0" (unknown) for an older one.
type holders struct {
	mu    race.SpinLock
	slots []*holderRing
}

const holderHistory = 64

type holderRing struct {
	n    int // holders recorded
	from [holderHistory]uint32
	gid  [holderHistory]int64
}

// attach records that goroutine gid holds slot t from clock c on.
func (h *holders) attach(t, c uint32, gid int64) {
	h.mu.Lock()
	for int(t) >= len(h.slots) {
		h.slots = append(h.slots, nil)
	}
	r := h.slots[t]
	if r == nil {
		r = new(holderRing)
		h.slots[t] = r
	}
	i := r.n % holderHistory
	r.from[i], r.gid[i] = c, gid
	r.n++
	h.mu.Unlock()
}

// gid returns the goroutine that held slot t at clock c, 0 if not known.
func (h *holders) gid(t, c uint32) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if int(t) >= len(h.slots) || h.slots[t] == nil {
		return 0
	}
	r := h.slots[t]
	// The newest holder whose first clock is at most c.
	for k := 1; k <= min(r.n, holderHistory); k++ {
		i := (r.n - k) % holderHistory
		if r.from[i] <= c {
			return r.gid[i]
		}
	}
	return 0 // before the oldest holder kept
}
