// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package pages is a sparse page table for a detector's state of
// addresses that are not worth a direct-mapped shadow: the clocks of
// synchronisation objects (fasttrack, hybrid), the lock-graph nodes of
// locks and channels (lockorder). A Table holds a detector's page type
// for each 4 KiB page of addresses that has state, by key addr>>PageShift,
// in 64 shards behind a race.SpinLock each, and drops the state of a
// range of memory for OnMalloc and OnFree without allocating: each page
// drops its own part (Page.Drop), and a page left empty is removed.
//
// Per-word state of every access belongs in the toolkit's shadow package
// (a lookup by arithmetic, no lock); a Table costs a shard lock and a map
// lookup, and suits state that few addresses have and that is looked up
// at synchronisation events only.
//
// Like the rest of the toolkit, the package is compiled without race
// instrumentation when a -drace detector imports it, so its code may run
// inside the allocator and on the system stack. Installed in the patched
// GOROOT, its import path is runtime/race/toolkit/pages.
package pages
