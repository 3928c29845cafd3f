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
