// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import "sync/atomic"

// LockBit takes a spin lock that is one bit of a record's word, so that a
// record needs no room of its own for its lock: it waits until the bit is
// clear and sets it, keeping the other bits. While it holds the lock, the
// holder alone may change the word, keeping the bit set; UnlockBit clears
// it. The lock carries no annotations for ThreadSanitizer (which does not
// see shadow memory), unlike race.SpinLock. Hold it briefly, and take no
// other record's lock while holding one.
func LockBit(w *atomic.Uint64, bit uint64) {
	for spins := 0; ; spins++ {
		old := w.Load()
		if old&bit == 0 && w.CompareAndSwap(old, old|bit) {
			return
		}
		if spins < 64 {
			// Test, pausing between tests: a waiter only reads the
			// word's cache line until it looks free.
			for i := 0; i < 16 && w.Load()&bit != 0; i++ {
			}
			continue
		}
		yield()
		spins = 0
	}
}

// yield lets the OS run another thread: detector callbacks run with
// preemption off, so the holder is running on some thread. It is a call
// with a stack check, so that where preemption is on (a detector's own
// tests, calling it from ordinary goroutines), the scheduler can preempt
// a waiter here for a holder it preempted.
//
//go:noinline
func yield() { osyield() }

// UnlockBit releases a lock taken with LockBit.
func UnlockBit(w *atomic.Uint64, bit uint64) { w.Store(w.Load() &^ bit) }
