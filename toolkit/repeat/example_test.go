// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package repeat_test

import (
	"fmt"

	"drace/toolkit/repeat"
)

// A detector's OnAccesses starts a batch, then looks up the shadow only of
// the accesses that do not repeat one of the batch.
func Example() {
	type access struct {
		addr, size uintptr
		write      bool
	}
	batch := []access{
		{0xc000010000, 1, false}, // a byte loop over one word...
		{0xc000010001, 1, false},
		{0xc000010000, 1, false}, // ...that goes round again
		{0xc000010001, 1, false},
		{0xc000010000, 8, true}, // a write of the whole word
		{0xc000010004, 4, false},
	}
	var f repeat.Filter
	f.Start()
	checked := 0
	for _, a := range batch {
		if f.Repeat(a.addr, a.size, a.write) {
			continue
		}
		checked++ // the detector's shadow lookup and checks go here
	}
	fmt.Printf("%d of %d accesses checked\n", checked, len(batch))
	// Output: 3 of 6 accesses checked
}
