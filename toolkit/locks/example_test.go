// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package locks_test

import (
	"fmt"

	"drace/toolkit/locks"
)

// Eraser's refinement of a variable's candidate set by the locks held at
// its accesses, with a sync.Mutex mu and a sync.RWMutex rw.
func Example() {
	var t locks.Table
	mu := locks.Lock{Addr: 0xc000010000}
	rw := locks.Lock{Addr: 0xc000010040, RW: true}
	rrw := locks.Lock{Addr: rw.Addr, RW: true, Read: true}

	var g1, g2 locks.Held
	g1.Acquire(&t, mu, 0, 0)
	g1.Acquire(&t, rw, 0, 0)
	c := g1.Set() // the first access, a write holding both: C(v)
	fmt.Println("C(v) =", t.Describe(c))

	g2.Acquire(&t, rrw, 0, 0) // a read holding rw in read mode
	c = t.Intersect(c, g2.Set(), false)
	fmt.Println("after a read:", t.Describe(c))

	c = t.Intersect(c, g2.Set(), true) // a write: read mode does not guard it
	fmt.Println("after a write:", t.Describe(c))

	g1.Release(&t, rw)
	fmt.Println("g1 holds", t.Describe(g1.Set()), "again:", g1.Set() == t.Intern(mu))

	// Output:
	// C(v) = Mutex 0xc000010000 (write), RWMutex 0xc000010040 (write)
	// after a read: RWMutex 0xc000010040 (write)
	// after a write: none
	// g1 holds Mutex 0xc000010000 (write) again: true
}

// What a lock-order detector reads: the locks a goroutine holds when it
// takes another, in the order it took them, with where it took each.
func ExampleHeld_Locks() {
	var t locks.Table
	var h locks.Held
	a, b := locks.Lock{Addr: 0xc000010000}, locks.Lock{Addr: 0xc000010008}
	h.Acquire(&t, b, 0x401000, 7)
	h.Acquire(&t, a, 0x402000, 9)
	for _, l := range h.Locks() {
		fmt.Printf("%#x taken at pc %#x (stack %d)\n", l.Addr, l.PC, l.Stack)
	}
	// Output:
	// 0xc000010008 taken at pc 0x401000 (stack 7)
	// 0xc000010000 taken at pc 0x402000 (stack 9)
}
