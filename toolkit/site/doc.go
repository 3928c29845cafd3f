// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package site numbers code locations for drace's detectors: a Table gives
// each distinct (PC, StackID) pair, a Key, a 32-bit id, so that a
// detector's fixed-size shadow record (see package shadow) can say where an
// access was made in 4 bytes, and a report can get the PC and stack back.
//
// A location is numbered the first time it is seen and keeps its id for
// the Table's life: the table is never emptied, and its memory grows with
// the number of distinct locations of the run (about 30 bytes
// each), not with the number of accesses. Ids are dense, from 1; 0 means
// "no location".
//
// A Table's memory is mapped outside the Go heap, as toolkit/shadow's is:
// a run whose deep recursions make millions of distinct stacks numbers
// millions of locations, and tens of MiB of them on the heap would raise
// the collector's goal by as much, and the program's heap with it. An
// index outgrown is given back to the system (it stays mapped, for the
// readers still probing it, and reads as zero: a miss).
//
// ID is lock-free for a location already numbered: every goroutine that
// runs a code location looks it up, and a lock would be taken by each new
// goroutine at each of its locations. It takes the Table's race.SpinLock
// only to number a new location, and may then allocate: a detector calls
// it from its access callbacks, not from OnMalloc or OnFree. Key, for
// reports, takes the lock.
//
// Like the rest of the toolkit, the package is compiled without race
// instrumentation when a -drace detector imports it. Installed in the
// patched GOROOT, its import path is runtime/race/toolkit/site.
package site
