// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package repeat

// slots is the number of entries of a Filter's table: enough for the
// working set of a loop body, small enough to stay in cache.
const slots = 32

// A Filter remembers the words accessed in the current batch. The zero
// Filter is ready for its first batch.
type Filter struct {
	// batch numbers the batches; an entry of another batch is empty.
	// It starts at 1 so that the zero entry is empty.
	batch uint32
	ents  [slots]entry
}

// An entry is a word accessed in the batch: its address divided by 8,
// the bytes read or written (a write counts as a read) and those written.
type entry struct {
	word           uintptr
	batch          uint32
	access, writes uint8
}

// Start begins a new batch: the accesses remembered so far are forgotten.
// It is O(1).
func (f *Filter) Start() {
	f.batch++
	if f.batch == 0 { // wrapped: entries of batch 1 may still be there
		f.ents = [slots]entry{}
		f.batch = 1
	}
}

// Repeat reports whether an access of size bytes at addr, a write if
// write is set, repeats an access of the current batch; if not, it
// remembers the access. An access that spans two aligned 8-byte words
// (or is empty) is never a repeat and is not remembered: a detector
// filters such an access word by word with RepeatWord.
func (f *Filter) Repeat(addr, size uintptr, write bool) bool {
	off := addr & 7
	if size-1 >= 8-off { // size 0, or past the word's end
		return false
	}
	return f.RepeatWord(addr>>3, uint8(0xff>>(8-size))<<off, write)
}

// RepeatWord is Repeat for the bytes mask (bit i: byte i; not 0) of the
// aligned 8-byte word at word<<3, the part of an access in that word:
// it reports whether they repeat bytes of the word accessed in the
// current batch, and if not remembers them. An access of several words,
// each checked with RepeatWord, is so filtered word by word: a word's
// part that repeats needs no shadow lookup, whatever the other words'.
// It is small enough to be inlined, for a detector's hottest loop.
func (f *Filter) RepeatWord(word uintptr, mask uint8, write bool) bool {
	e := &f.ents[(word^word>>5)%slots]
	if e.word != word || e.batch != f.batch {
		*e = entry{word: word, batch: f.batch}
	}
	had := e.access
	e.access |= mask
	if write {
		had = e.writes
		e.writes |= mask
	}
	return had&mask == mask
}
