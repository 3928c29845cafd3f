// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

// joinVec sets d[i] = max(d[i], w[i]) for i < n, a multiple of 8, eight
// entries at a time (join_amd64.s).
//
//go:noescape
func joinVec(d, w *uint32, n int)

// joinWide joins the longest prefix of w whose length is a multiple of 8
// into d (len(d) >= len(w)), and returns its length.
func joinWide(d, w Clock) int {
	n := len(w) &^ 7
	if n > 0 {
		joinVec(&d[0], &w[0], n)
	}
	return n
}
