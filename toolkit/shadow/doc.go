// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package shadow is direct-mapped shadow memory for drace's detectors: a
// fixed-size record of the detector's choosing (a word's "shadow", type W)
// for every aligned 8-byte word of the program's memory, found from the
// word's address by arithmetic, as ThreadSanitizer finds its shadow cells.
//
// A Map reserves its shadow in windows of 1 GiB of application memory
// (WindowSize), each the first time a word in it is touched: a window's
// shadow is one anonymous mapping of WindowSize/8 records, reserved
// without backing (MAP_NORESERVE), so that only the pages of shadow a
// detector writes take memory. The shadow of address a is then
//
//	window[a>>30] + (a&(1<<30-1))>>3 * sizeof(W)
//
// two loads (the address of the table of windows' bases, and the window's
// base from it, both staying in cache) and arithmetic. A Go heap under
// -race lives in [0xc000000000, 0xe000000000), 128 windows, and a
// program's data in one or two more. The table (1 MiB of address space)
// is mapped at the first reservation, outside the Go heap, whose goal it
// would otherwise raise.
//
// Memory is bounded by the memory the program touches: the shadow of a
// word costs sizeof(W) bytes once touched (ThreadSanitizer's costs 16),
// and Reset gives the shadow of a large range (1 MiB of shadow or more)
// back to the system, madvise(MADV_DONTNEED) on its written pages, and
// zeroes a smaller one, writing only the records that are not already
// zero.
//
// The size of W must be a power of two from 8 to 4096 bytes (records do
// not straddle pages). A detector calls Mark before it first writes a
// record after a reset: Reset reads and zeroes only the blocks of shadow
// (256 bytes of records, or one record if larger) with a marked record (a
// bitmap, a bit per block), so that resetting the shadow of memory the
// detector never saw — a new goroutine's stack, a large buffer the
// program fills without racing — costs a bitmap scan, and resetting
// memory of which it saw a few words (a goroutine's stack used again by
// the next goroutine) costs the blocks of those words.
//
// The records live outside the Go heap: W must not contain Go pointers (a
// detector that needs more than fits in a record keeps an index into its
// own tables there), and the zero W must mean "no state". Records are not
// synchronised by the Map: a detector that updates them from several
// goroutines locks them itself (a lock bit in the record) or uses atomic
// operations on their fields.
//
// SetFar gives each record a far half, another W in a plane of its own
// at a fixed distance: a detector whose record has a second part that few
// words use (a second variable in the word) keeps it there, and pays for
// it only in the pages of the far plane written. A far half is read with
// LoadFar and written only through WriteFar, which marks its block of far
// halves (a bit of the same bitmap per block of far halves) and finds it
// from the record's address alone (a window's shadow is then aligned to
// its size): Reset reads and zeroes the far halves of a block only if it
// was marked so, and a detector that keeps a bit of the near half saying
// whether the far one is used never reads the far half of a word that
// does not use it.
//
// Uniform keeps one record for an aligned 4 KiB page of application
// memory that a range access covered whole while no word of it had a
// record, standing for each of the page's 512 words until an access to
// part of the page needs the words' own (Expand copies it into each):
// a large buffer filled, copied or written out then costs a record per
// 4 KiB, in time and memory, where ThreadSanitizer writes the shadow of
// every word.
//
// Blocks allocates, outside the Go heap too, the slices a detector needs
// beyond a record (a read-shared word's cells, say): state kept on the Go
// heap raises the collector's heap goal, so the program's objects spread
// over more memory and their shadow with them. Slabs allocates blocks of
// one size, a multiple of 4 KiB, for state that is sparse within a block
// (a table indexed by slot that most programs fill only the start of):
// a block's pages take memory only once written, and are given back to
// the system when it is freed.
//
// Like the rest of the toolkit, the package is compiled without race
// instrumentation: its code may run inside the allocator (Reset, from
// OnMalloc and OnFree), and does not allocate there.
//
// Installed in the patched GOROOT, its import path is
// runtime/race/toolkit/shadow.
package shadow
