// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package site_test

import (
	"fmt"

	"drace/toolkit/site"
)

// A detector keeps a 32-bit id in its shadow record in place of an
// access's PC and stack, and gets them back for a report.
func Example() {
	var sites site.Table
	read := site.Key{PC: 0x4a1230, Stack: 7}
	write := site.Key{PC: 0x4a1288, Stack: 7}

	r := sites.ID(read)
	w := sites.ID(write)
	fmt.Println(r, w, sites.ID(read)) // numbered once

	k := sites.Key(w)
	fmt.Printf("%#x %d\n", k.PC, k.Stack)
	fmt.Println(sites.Lookup(site.Key{PC: 0x4a1300}), sites.Len())
	// Output:
	// 1 2 1
	// 0x4a1288 7
	// 0 2
}
