// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import "testing"

var sink []byte

func TestAllocs(t *testing.T) {
	setups := 0
	if n := Allocs(2, func() { setups++; sink = make([]byte, 64) }, func() {}); n != 0 {
		t.Errorf("Allocs counted %d allocations of the setup", n)
	}
	// Each attempt runs setup once a round; the runtime's own allocations
	// can spoil an attempt (more so on a loaded machine), so there may be
	// up to three.
	if setups%2 != 0 || setups < 2 || setups > 6 {
		t.Errorf("setup ran %d times, want 2, 4 or 6 (whole attempts of 2 rounds)", setups)
	}
	if n := Allocs(2, func() {}, func() { sink = make([]byte, 64) }); n < 2 {
		t.Errorf("Allocs = %d, want at least 2", n)
	}
}

func TestGoroutines(t *testing.T) {
	gs := Goroutines{}
	if g := gs.G(3); g.ID != 3 || gs.G(3) != g {
		t.Errorf("G(3) = %+v, then %+v", g, gs.G(3))
	}
}
