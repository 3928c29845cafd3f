// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build linux

package shadow_test

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"drace/toolkit/shadow"
)

// A detector's record for a word: here, the bytes of it written so far, as
// a mask, kept with an atomic operation.
type written struct{ mask atomic.Uint64 }

// Recording writes in a Map, and dropping the state of freed memory.
func Example() {
	var m shadow.Map[written]
	buf := make([]byte, 32)
	addr := uintptr(unsafe.Pointer(&buf[0]))

	write := func(a, n uintptr) {
		for b := a; b < a+n; b++ {
			w := m.Word(b)
			m.Mark(b)
			w.mask.Or(1 << (b & 7))
		}
	}
	write(addr+6, 4) // the last 2 bytes of word 0, the first 2 of word 1
	fmt.Printf("%08b %08b\n", m.Word(addr).mask.Load(), m.Word(addr+8).mask.Load())

	// Freeing [addr+7, addr+32): word 0 in part (clip), words 1-3 whole.
	m.Reset(addr+7, 25, func(w *written, lo, hi uint8) {
		w.mask.And(^(uint64(1)<<hi - uint64(1)<<lo))
	}, nil)
	fmt.Printf("%08b %08b\n", m.Word(addr).mask.Load(), m.Word(addr+8).mask.Load())
	// Output:
	// 11000000 00000011
	// 01000000 00000000
}
