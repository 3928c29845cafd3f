// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import (
	"slices"
	"testing"
)

// TestJoinVecBoth: joinVec (SSE2) and joinVec41 (SSE4.1, when the
// processor has it) both take each entry's unsigned maximum, entries past
// 1<<31 included, over lengths of 8 to 256 entries.
func TestJoinVecBoth(t *testing.T) {
	seed := uint32(7)
	rnd := func() uint32 {
		seed = seed*1664525 + 1013904223
		if seed>>31 != 0 {
			return seed // past 1<<31
		}
		return seed >> 20
	}
	t.Logf("SSE4.1: %v", sse41)
	for n := 8; n <= 256; n += 8 {
		d, w := make(Clock, n), make(Clock, n)
		for i := range n {
			d[i], w[i] = rnd(), rnd()
			if i%5 == 0 {
				w[i] = d[i]
			}
		}
		want := make(Clock, n)
		for i := range n {
			want[i] = max(d[i], w[i])
		}
		d2 := slices.Clone(d)
		joinVec(&d2[0], &w[0], n)
		if !slices.Equal(d2, want) {
			t.Fatalf("joinVec, %d entries: %v, want %v", n, d2, want)
		}
		if sse41 {
			d4 := slices.Clone(d)
			joinVec41(&d4[0], &w[0], n)
			if !slices.Equal(d4, want) {
				t.Fatalf("joinVec41, %d entries: %v, want %v", n, d4, want)
			}
		}
	}
}
