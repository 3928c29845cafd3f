// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package recycle keeps a detector's per-goroutine states of goroutines
// that ended, up to a bound, for goroutines started later.
//
// A program may start goroutines by the hundred thousand, each running a
// few microseconds (a server's handlers, a worker pool that is not one).
// A detector that allocates a state for each (held locks, a clock, caches
// of code locations) makes the collector run for them, and the state's
// own buffers are allocated again each time. A Bin hands an ended
// goroutine's state to the next goroutine to start instead: the detector
// resets what must not carry over and keeps what may (buffers, tables
// whose entries do not depend on the goroutine).
//
// A Bin is safe for concurrent use, and takes no lock of the Go scheduler
// (race.SpinLock): a detector's goroutine events run inside the runtime's
// goroutine creation and exit.
package recycle
