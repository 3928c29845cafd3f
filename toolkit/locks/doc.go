// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package locks is the held-lock bookkeeping of drace's detectors: the
// locks a goroutine holds, with sync.RWMutex modes, and interned sets of
// locks that fit in 32 bits, for any detector to use.
//
// A Lock is a sync.Mutex or sync.RWMutex by address, held in write mode
// (Lock, TryLock) or read mode (RLock, TryRLock); a sync.Mutex is always
// in write mode. A lock held in write mode guards any access by the
// lock discipline, one held in read mode guards reads only (Eraser's
// read-write rule): see Lock.Guards.
//
// A Set is a set of locks interned in a Table: a small integer, 0 for the
// empty set, that a detector can keep in a 32-bit field of a shadow record
// (toolkit/shadow) instead of a pointer. Equal sets have equal ids, so
// comparing sets is comparing ids. The Table answers the questions lockset
// detectors ask of two sets: Intersect (Eraser's refinement of a
// candidate set by the locks held at an access, cached by id pair without
// a lock), Common (whether two accesses hold a lock in common) and Within
// (whether the locks guarding one access all guard another). Interning
// and lookups take no lock once a set is known; a set seen for the first
// time is added under a race.SpinLock. Sets are never freed: a Table
// grows with the number of distinct combinations of locks the program
// holds at once, not with its accesses or goroutines (and a lock's
// address, once its memory is reused, names the new lock).
//
// Held is one goroutine's held locks, in acquisition order, each with its
// nesting count (read locks nest), where it was first acquired (PC and
// StackID) and the detector's Data, and the Set of them: Acquire and
// Release keep both, and releasing the lock acquired last costs no lookup.
// The acquisition sites and order serve lock-order detectors, which may
// pass a nil Table to keep no Set (lockorder keeps its graph node of each
// lock as Data); the Set serves lockset ones.
//
// Like the rest of the toolkit, the package is compiled without race
// instrumentation. Table methods allocate only when they meet a set for
// the first time (and Describe); none may be called from OnMalloc or
// OnFree.
//
// Installed in the patched GOROOT, its import path is
// runtime/race/toolkit/locks.
package locks
