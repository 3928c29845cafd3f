// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package repeat

import "testing"

func TestRepeat(t *testing.T) {
	const x = 0xc000010000
	type acc struct {
		addr, size uintptr
		write      bool
		repeat     bool
	}
	r := func(a, s uintptr, rep bool) acc { return acc{a, s, false, rep} }
	w := func(a, s uintptr, rep bool) acc { return acc{a, s, true, rep} }
	for _, tc := range []struct {
		name string
		accs []acc
	}{
		{"ReadRead", []acc{r(x, 8, false), r(x, 8, true)}},
		{"WriteWrite", []acc{w(x, 4, false), w(x, 4, true)}},
		{"WriteCoversRead", []acc{w(x, 8, false), r(x+2, 2, true)}},
		{"ReadDoesNotCoverWrite", []acc{r(x, 8, false), w(x, 8, false), w(x, 8, true)}},
		{"BytesOfAWord", []acc{r(x, 1, false), r(x+1, 1, false), r(x, 2, true), r(x, 4, false), r(x+2, 2, true)}},
		{"WiderIsNotARepeat", []acc{r(x, 4, false), r(x, 8, false), r(x+4, 4, true)}},
		{"WritesMergeBytes", []acc{w(x, 4, false), w(x+4, 4, false), w(x, 8, true), r(x+3, 2, true)}},
		{"OtherWords", []acc{r(x, 8, false), r(x+8, 8, false), r(x+16, 8, false), r(x+8, 8, true)}},
		{"SpanningTwoWords", []acc{r(x+6, 4, false), r(x+6, 4, false), r(x+6, 2, false), r(x+6, 2, true)}},
		{"Empty", []acc{r(x, 0, false), r(x, 0, false)}},
		// Words in the same slot replace each other: only a cost.
		{"Collision", []acc{r(x, 8, false), r(x+8*slots*slots, 8, false), r(x, 8, false), r(x, 8, true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Filter
			f.Start()
			for i, a := range tc.accs {
				if got := f.Repeat(a.addr, a.size, a.write); got != a.repeat {
					t.Errorf("access %d (%#x, %d, write=%v): Repeat = %v, want %v", i, a.addr, a.size, a.write, got, a.repeat)
				}
			}
		})
	}
}

func TestRepeatNewBatch(t *testing.T) {
	const x = 0xc000020000
	var f Filter
	f.Start()
	f.Repeat(x, 8, true)
	f.Start()
	if f.Repeat(x, 8, false) {
		t.Errorf("an access of the previous batch counted as a repeat")
	}
	if !f.Repeat(x, 8, false) {
		t.Errorf("an access of this batch did not count")
	}
	// The batch number wraps: nothing from before survives.
	f.batch = ^uint32(0)
	f.Repeat(x+64, 8, true)
	f.Start()
	if f.batch != 1 || f.Repeat(x+64, 8, false) {
		t.Errorf("after the batch number wrapped (now %d), an old access counted as a repeat", f.batch)
	}
	// The zero Filter, not started, works too.
	var z Filter
	if z.Repeat(x, 8, false) || !z.Repeat(x, 8, false) {
		t.Errorf("the zero Filter does not remember")
	}
}

func BenchmarkRepeat(b *testing.B) {
	var f Filter
	buf := make([]byte, 4096)
	base := uintptr(0xc000030000)
	for b.Loop() {
		f.Start()
		for i := range buf {
			f.Repeat(base+uintptr(i), 1, false)
		}
	}
}

// RepeatWord filters the words of a longer access one
// by one: a word's part repeats when the batch accessed its bytes, whatever
// the other word's.
func TestRepeatWord(t *testing.T) {
	const x = 0xc000040000
	word := uintptr(x >> 3)
	var f Filter
	f.Start()
	// A 16-byte string header read whole: two words.
	if f.RepeatWord(word, 0xff, false) || f.RepeatWord(word+1, 0xff, false) {
		t.Fatalf("the first read of a string header's words counted as a repeat")
	}
	if !f.RepeatWord(word, 0xff, false) || !f.RepeatWord(word+1, 0xff, false) {
		t.Errorf("a second read of a string header's words did not count")
	}
	// Its length word written on its own: not a repeat of the reads, and
	// the first word is still only read.
	if f.RepeatWord(word+1, 0xff, true) {
		t.Errorf("a write of a word the batch only read counted as a repeat")
	}
	if !f.RepeatWord(word+1, 0xff, true) {
		t.Errorf("a second write of a word did not count")
	}
	if f.RepeatWord(word, 0xff, true) {
		t.Errorf("a write of a word the batch only read counted as a repeat")
	}
	// Word parts and one-word accesses share the table.
	if f.RepeatWord(word+2, 0x0f, false) {
		t.Errorf("a word not accessed counted as a repeat")
	}
	if !f.Repeat(x+16+3, 1, false) || f.Repeat(x+16+4, 1, false) {
		t.Errorf("Repeat does not see the bytes that RepeatWord remembered")
	}
	if !f.RepeatWord(word+2, 0x1f, false) {
		t.Errorf("RepeatWord does not see the byte that Repeat remembered")
	}
	// A new batch forgets word parts as it forgets accesses.
	f.Start()
	if f.RepeatWord(word, 0xff, false) {
		t.Errorf("a word part of the previous batch counted as a repeat")
	}
}
