// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package repeat drops the memory accesses of a batch that repeat an
// earlier access of the same batch, before a detector looks up their
// shadow: a same-epoch filter for any detector that receives accesses in
// batches (race.AccessDetector).
//
// The runtime delivers a batch before the goroutine's next event of any
// other kind (synchronisation, atomic, go statement), so all the accesses
// of a batch are made in one epoch of one goroutine, in program order.
// Most accesses repeat one made earlier in the same epoch: a loop reading
// a slice byte by byte reads each word eight times, a struct's fields are
// read again and again. For a happens-before detector such a repeat
// changes nothing (FastTrack's "same epoch" rule): what the first access
// recorded is still the goroutine's latest access to those bytes, and any
// access of another goroutine that races with the repeat races with the
// first access too. A Filter remembers the words a batch has accessed, by
// byte mask and kind, in a small direct-mapped table that stays in the
// L1 cache, so a repeat costs a few instructions instead of a load of
// shadow memory that often misses the cache.
//
// A detector need not pass every access: a repeat is judged against the
// accesses passed. One whose shadow has a same-epoch check of its own
// that is cheaper than the table (a word's last recorded access kept in
// place, FastTrack's epoch fast path) may make that check first and ask
// the Filter only about the accesses it leaves: a repeat's shadow is then
// most often in cache, brought there by the first access, and the Filter
// still ends the repeats the check misses (words read-shared, or whose
// cell in place is another access's) before the detector's lock.
//
// Repeats are judged as ThreadSanitizer's same-access fast path judges
// them: a read repeats an earlier read or write of at least its bytes; a
// write repeats an earlier write of at least its bytes. Repeat takes an
// access within one word; one that spans two words is never a repeat and
// never remembered there. RepeatWord, small enough to be inlined, takes
// one word's part of an access, so that a detector can filter an access of two or more words (a string
// header, a small struct copied whole, a range) word by word: a word's
// part repeats if the batch has accessed its bytes, as a one-word access
// does, whatever the access's other words. This is sound for the same
// reason: the state of each byte is what the first access of the batch
// made it.
//
// What is lost: the repeat's own PC and stack. Where the first access and
// its repeat are in different functions or lines, a race is reported at
// the first one only, as by ThreadSanitizer once the repeat's shadow cell
// is the first's. The memory of a batch is not freed and reused while the
// batch waits for delivery (the runtime keeps it alive), so a repeat
// always refers to the object the first access did.
//
// A detector whose own state can forget an access within an epoch
// (evicting a cell while the goroutine still runs in the same epoch)
// must not filter: the repeat would be needed to record the access again.
// Start a new batch with Start; a Filter is about 512 bytes, kept per
// goroutine or per thread. Filter's methods are not safe for concurrent
// use: a batch is processed by the goroutine that made it.
package repeat
