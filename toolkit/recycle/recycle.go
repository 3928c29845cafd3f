// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package recycle

import "runtime/race"

// A Bin keeps up to Max values for reuse, the last kept given first (its
// memory the most likely still in cache). The zero Bin keeps none: set
// Max before use.
type Bin[T any] struct {
	// Max is the number of values the Bin keeps at most: a bound on the
	// memory that ended goroutines hold.
	Max int

	mu   race.SpinLock
	kept []*T
}

// Get returns a kept value, which no longer belongs to the Bin, or nil if
// the Bin has none.
func (b *Bin[T]) Get() *T {
	b.mu.Lock()
	var x *T
	if n := len(b.kept); n > 0 {
		x = b.kept[n-1]
		b.kept[n-1] = nil
		b.kept = b.kept[:n-1]
	}
	b.mu.Unlock()
	return x
}

// Put keeps x for a later Get, unless the Bin holds Max values already; it
// reports whether it kept x. The caller must not use x after it is kept.
func (b *Bin[T]) Put(x *T) bool {
	b.mu.Lock()
	ok := len(b.kept) < b.Max
	if ok {
		b.kept = append(b.kept, x)
	}
	b.mu.Unlock()
	return ok
}

// Len returns the number of values the Bin keeps.
func (b *Bin[T]) Len() int {
	b.mu.Lock()
	n := len(b.kept)
	b.mu.Unlock()
	return n
}
