// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

// joinVec sets d[i] = max(d[i], w[i]) for i < n, a multiple of 8, eight
// entries at a time (join_amd64.s).
//
//go:noescape
func joinVec(d, w *uint32, n int)

// joinVec41 is joinVec in SSE4.1, which has an unsigned maximum
// (PMAXUD): half the instructions.
//
//go:noescape
func joinVec41(d, w *uint32, n int)

// hasSSE41 reports whether the processor has SSE4.1 (CPUID).
func hasSSE41() bool

// sse41 tells joinWide to use joinVec41. Read before it is set (by a
// join during the initialisation of the packages before this one), it
// is false, and joinVec serves.
var sse41 = hasSSE41()

// joinWide joins the longest prefix of w whose length is a multiple of 8
// into d (len(d) >= len(w)), and returns its length.
func joinWide(d, w Clock) int {
	n := len(w) &^ 7
	if n > 0 {
		if sse41 {
			joinVec41(&d[0], &w[0], n)
		} else {
			joinVec(&d[0], &w[0], n)
		}
	}
	return n
}
