// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pages_test

import (
	"fmt"

	"drace/toolkit/pages"
)

// A syncPage is a detector's state of the synchronisation objects in a
// page: here, a count of releases per address.
type syncPage struct {
	releases map[uintptr]int
}

// Drop implements pages.Page: the objects in [lo, hi] were freed.
func (p *syncPage) Drop(start, lo, hi uintptr) (empty bool) {
	for addr := range p.releases {
		if lo <= addr && addr <= hi {
			delete(p.releases, addr)
		}
	}
	return len(p.releases) == 0
}

// A detector keeps per-object state in a Table, locking the page's shard
// around its use, and drops it when the memory is freed.
func Example() {
	var t pages.Table[syncPage, *syncPage]
	release := func(addr uintptr) {
		s, p := t.Lock(addr>>pages.PageShift, true)
		if p.releases == nil {
			p.releases = make(map[uintptr]int)
		}
		p.releases[addr]++
		s.Unlock()
	}
	mu, wg := uintptr(0xc000010008), uintptr(0xc000012000)
	release(mu)
	release(mu)
	release(wg)
	fmt.Println("pages:", t.Len(), "releases of mu:", t.Find(mu>>pages.PageShift, false).releases[mu])

	t.Drop(0xc000010000, 64) // OnFree of the object holding mu
	fmt.Println("pages:", t.Len())
	// Output:
	// pages: 2 releases of mu: 2
	// pages: 1
}
