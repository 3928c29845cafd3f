// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package count is the detector that counts events: linked with
// -drace=count, it prints at exit how many events of each kind the program
// delivered, to size a workload or to check the runtime's event dispatch.
//
// It counts memory reads and writes, range reads and writes, sync/atomic
// operations per operation and width (atomic.Load32, atomic.Add64, ...),
// acquires, releases and merging releases, goroutine starts and ends, heap
// allocations and frees, and Go-native synchronisation operations per kind
// (sync.MutexLock, sync.ChanSend, ...). The summary printed at exit has one
// "kind count" line per kind seen, sorted by kind; Counts and
// Detector.Counts return the same counts as a map.
//
// It finds nothing: Report always returns nil, so it has no false positives
// and misses every race. It counts function entries and exits only when
// told to (DRACE_FLAGS=count.funcs: Policy.New then returns a
// FuncCounter, a race.FuncDetector), since the runtime then records every
// call of instrumented code.
//
// Counts are exact. Each goroutine counts into its own counters (kept in
// race.Goroutine.State, created on its first memory, atomic or
// acquire/release event), so goroutines on different threads do not share
// cache lines; events that may not allocate (OnSync, OnGoStart, OnGoEnd)
// before a goroutine has counters, and allocations and frees, count into
// shared counters. When a goroutine ends, its counts are added to the
// shared ones and its counters dropped.
//
// Cost per event: one uncontended atomic add (and a type assertion), no
// lock; a goroutine's first counting event takes a SpinLock and allocates
// about 500 bytes, and its end takes the SpinLock to fold its counts in.
// Memory: about 500 bytes per live goroutine that has counted an event.
// Summary and Counts take the SpinLock and read every live goroutine's
// counters.
package count
