// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock_test

import (
	"fmt"

	"drace/toolkit/vclock"
)

// The happens-before order of a goroutine that starts another, writes, and
// unlocks a mutex that the other then locks.
func Example() {
	var slots vclock.Slots
	main := new(vclock.Thread)
	slots.Attach(main)

	child := slots.Fork(main)
	slots.Tick(main)

	write := main.Epoch() // main writes x
	fmt.Println("write before child:", write.Before(child.C))

	var mu vclock.Clock // the mutex's clock L_m
	mu.Assign(main.C)   // main unlocks
	slots.Tick(main)
	child.C.Join(mu) // child locks
	fmt.Println("write before child after the lock:", write.Before(child.C))

	// Output:
	// write before child: false
	// write before child after the lock: true
}

// A detector's goroutines under Goroutines: a goroutine started takes its
// slot at its first event, and one that ends before any takes none.
func ExampleGoroutines() {
	var gs vclock.Goroutines
	var main, worker, idle vclock.Goroutine
	gs.Start(nil, &main, 1) // a goroutine found running: no parent known
	gs.Use(&main)           // its first event: it takes a slot

	gs.Start(&main, &worker, 2) // main starts two goroutines
	gs.Use(&main)
	gs.Start(&main, &idle, 3)
	fmt.Println("slots after the starts:", gs.Slots.Used())

	gs.End(&idle)   // idle ends before any event
	gs.Use(&worker) // worker's first event
	fmt.Println("slots after worker's first event:", gs.Slots.Used())
	fmt.Println("goroutine of worker's epoch:", gs.Holders.Goroutine(worker.Epoch()))

	// Output:
	// slots after the starts: 1
	// slots after worker's first event: 2
	// goroutine of worker's epoch: 2
}
