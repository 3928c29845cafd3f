// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"slices"
	"strings"
	"testing"
)

// The checker rejects schedules that are not valid executions, and no
// witness is found for a pair the trace orders.
func TestCheckRejects(t *testing.T) {
	_, p := runScript(t, `
1 go 2
1 w x
1 lock l
1 w y
1 unlock l
2 lock l
2 r y
2 unlock l
2 r x`, "shb")
	// Model events: 0 start 1, 1 start 2, 2 w x, 3 the lock's atomic,
	// 4 lock, 5 w y, 6 unlock, 7 atomic, 8 atomic, 9 lock, 10 r y,
	// 11 unlock, 12 atomic, 13 r x.
	ev := p.Events()
	if len(ev) != 14 || ev[2].Op != Write || ev[10].Op != Read || ev[9].Op != Lock || !ev[8].Atomic {
		t.Fatalf("model: %+v", ev)
	}
	race := Race{First: ev[2], Second: ev[13], FirstIndex: 2, SecondIndex: 13}
	for _, tc := range []struct {
		schedule []uint64
		why      string
	}{
		{[]uint64{0, 1, 8, 9, 10, 11}, "would see another write"},
		{[]uint64{0, 8, 9}, "out of program order"},
		{[]uint64{1, 0}, "before its go statement"},
		{[]uint64{0, 1, 2, 3, 4, 8, 9}, "while held"},
		{[]uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "not both next"},
		{[]uint64{0, 1, 1}, "repeated"},
	} {
		err := Check(ev, &Witness{Race: race, Schedule: tc.schedule})
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("Check(%v) = %v, want an error with %q", tc.schedule, err, tc.why)
		}
	}
	if w, err := p.Witness(race); err == nil {
		t.Errorf("Witness of an ordered pair: %v", w.Schedule)
	}
}

// A fixed edge keeps the releases its acquire saw: an acquire may not run
// before them, nor after a release it did not see.
func TestCheckEdges(t *testing.T) {
	_, p := runScript(t, `
1 go 2
1 w x
1 rel c
2 acq c
2 w z
1 rel c
2 w x`, "shb")
	// 0 start 1, 1 start 2, 2 w x, 3 rel, 4 acq, 5 w z, 6 rel, 7 w x.
	ev := p.Events()
	if len(ev) != 8 || ev[4].Op != Acquire {
		t.Fatalf("model: %+v", ev)
	}
	race := Race{First: ev[5], Second: ev[7], FirstIndex: 5, SecondIndex: 7}
	for _, schedule := range [][]uint64{{0, 1, 4}, {0, 1, 2, 3, 6, 4}} {
		if err := Check(ev, &Witness{Race: race, Schedule: schedule}); err == nil || !strings.Contains(err.Error(), "release") {
			t.Errorf("Check(%v) = %v, want an error about releases", schedule, err)
		}
	}
	if len(p.Races()) != 0 {
		t.Errorf("races: %+v", p.Races())
	}
}

// The closure meets acquires on one address in any order: an acquire
// later in the trace may be met first.
func TestWitnessAcquiresOutOfOrder(t *testing.T) {
	got := predictScript(t, `
1 go 2
1 go 3
2 rel c
3 acq c
3 rel c
1 acq c
2 w x @a
1 w x @b`, "shb")
	if want := []string{"a~b"}; !slices.Equal(got["shb"], want) {
		t.Errorf("shb: got %q, want %q", got["shb"], want)
	}
}

// A read in a critical section that reads from a write in another
// goroutine's critical section on the same mutex needs that section
// closed first: Go's corpus, uber/safeappend.
func TestWitnessClosesCriticalSections(t *testing.T) {
	got := predictScript(t, `
1 go 2
1 go 3
1 r s @r1
2 lock l
2 r s
2 w s @w2
2 unlock l
3 lock l
3 r s
3 w s @w3
3 unlock l`, "shb", "wcp")
	want := []string{"r1~w2", "r1~w3"}
	if !slices.Equal(got["shb"], want) || !slices.Equal(got["wcp"], want) {
		t.Errorf("got %q, want %q for both", got, want)
	}
}
