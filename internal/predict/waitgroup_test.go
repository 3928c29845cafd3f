// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"reflect"
	"slices"
	"testing"
)

// predictWaitGroup runs shb on the script and returns its negative
// WaitGroup counters as "ADD~DONE", after checking each one's witness,
// and fails on any other prediction.
func predictWaitGroup(t *testing.T, text string) []string {
	t.Helper()
	sc, p := runScript(t, text, "shb", "wcp", "syncp")
	got := []string{}
	for _, r := range p.Races() {
		name := sc.labels[r.First.PC] + "~" + sc.labels[r.Second.PC]
		if r.Kind != NegativeWaitGroup || r.Algorithm != "shb" {
			t.Errorf("%s %q %s: want only shb's negative WaitGroup counters", r.Algorithm, r.Kind, name)
			continue
		}
		got = append(got, name)
		w, err := p.Witness(r)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if w.Schedule[len(w.Schedule)-1] == r.SecondIndex {
			t.Errorf("%s: the witness runs the Done", name)
		}
		// Running the Add it needs first makes the Done harmless.
		bad := &Witness{Race: r, Schedule: append(slices.Clone(w.Schedule), r.FirstIndex)}
		if err := Check(p.Events(), bad); err == nil {
			t.Errorf("%s: the checker accepts a schedule that runs the Add", name)
		}
	}
	slices.Sort(got)
	return got
}

var waitGroupCases = []struct {
	name, script string
	want         []string
}{
	{
		// go func() { wg.Done() }(); wg.Add(1); wg.Wait(): the child
		// ran late in this run.
		name: "RaceAddAfterGo",
		script: `
1 go 2
1 add g 1 @a
2 done g @b
2 end
1 wgwait g`,
		want: []string{"a~b"},
	},
	{
		name: "NoRaceAddBeforeGo",
		script: `
1 add g 1 @a
1 go 2
2 done g @b
2 end
1 wgwait g`,
		want: []string{},
	},
	{
		// The goroutine counts itself: its Add precedes its Done.
		name: "NoRaceAddInGoroutine",
		script: `
1 go 2
2 add g 1 @a
2 done g @b
2 end
1 wgwait g`,
		want: []string{},
	},
	{
		// A channel orders the parent's Add before the child's Done.
		name: "NoRaceAddThenSend",
		script: `
1 go 2
1 add g 1 @a
1 rel c
2 acq c
2 done g @b
2 end
1 wgwait g`,
		want: []string{},
	},
	{
		// Add(2) after both go statements: either Done may come first.
		name: "RaceTwoWorkers",
		script: `
1 go 2
1 go 3
1 add g 2 @a
2 done g @b
3 done g @c
1 wgwait g`,
		want: []string{"a~b", "a~c"},
	},
	{
		// One Add(1) before the go statements counts one worker: both
		// Dones may run before the later Add(1), the second then
		// panicking. Missed: each Done is summed with the Adds ordered
		// before it alone (doc.go), and either one alone leaves the
		// counter at zero.
		name: "MissedOneCountedOneNot",
		script: `
1 add g 1 @a
1 go 2
1 go 3
1 add g 1 @b
2 done g @c
3 done g @d
1 wgwait g`,
		want: []string{},
	},
	{
		// New memory: an earlier WaitGroup's Adds at the address do
		// not count for a new one.
		name: "RaceAfterMalloc",
		script: `
1 add g 1 @a
1 malloc g 16
1 go 2
1 add g 1 @b
2 done g @c
1 wgwait g`,
		want: []string{"b~c"},
	},
}

func TestWaitGroupNegative(t *testing.T) {
	for _, tc := range waitGroupCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := predictWaitGroup(t, tc.script); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWaitGroupEarliestAdd: of the Adds a Done is not ordered after, the
// one reported is the earliest in the trace, here another goroutine's
// that the Add after the go statement is ordered after; the witness is
// the Done's closure.
func TestWaitGroupEarliestAdd(t *testing.T) {
	got := predictWaitGroup(t, `
1 go 2
1 go 3
3 add g 1 @x
3 rel c
1 acq c
1 add g 1 @a
2 done g @b
2 done g @d
1 wgwait g`)
	if want := []string{"x~b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
