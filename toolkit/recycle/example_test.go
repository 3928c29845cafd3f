// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package recycle_test

import (
	"fmt"

	"drace/toolkit/recycle"
)

// gstate is a detector's state of one goroutine: its held locks, reset
// for each goroutine, and a buffer kept from one goroutine to the next.
type gstate struct {
	held  []uintptr
	stack []uintptr
}

// A detector takes an ended goroutine's state for a goroutine that starts
// (its OnGoStart), resetting what must not carry over, and gives it back
// when the goroutine ends (its OnGoEnd).
func ExampleBin() {
	ended := recycle.Bin[gstate]{Max: 256}

	start := func() *gstate {
		g := ended.Get()
		if g == nil {
			return &gstate{stack: make([]uintptr, 0, 32)}
		}
		g.held = g.held[:0]
		return g
	}

	g1 := start()
	g1.held = append(g1.held, 0x1000)
	ended.Put(g1) // goroutine 1 ended

	g2 := start()
	fmt.Println(g2 == g1, len(g2.held), cap(g2.stack))
	// Output: true 0 32
}
