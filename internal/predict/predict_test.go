// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"bytes"
	"reflect"
	"testing"

	"drace/detectors/record/trace"
)

// The textbook traces of the WCP (PLDI'17) and SHB (OOPSLA'18) papers:
// the races each algorithm predicts and those it must not, each
// prediction with a witness the checker accepts.
var textbook = []struct {
	name   string
	script string
	shb    []string
	wcp    []string
	syncp  []string
}{
	{
		name: "plain race",
		script: `
1 go 2
1 w x @a
2 w x @b`,
		shb:   []string{"a~b"},
		wcp:   []string{"a~b"},
		syncp: []string{"a~b"},
	},
	{
		// WCP's motivating trace: the critical sections share only
		// reads, so swapping them exposes the race that the lock
		// hand-off hides from happens-before.
		name: "critical sections without conflict",
		script: `
1 go 2
1 w x @a
1 lock l
1 r y
1 unlock l
2 lock l
2 r y
2 unlock l
2 w x @b`,
		shb:   []string{},
		wcp:   []string{"a~b"},
		syncp: []string{"a~b"},
	},
	{
		// Rule (a): the second critical section reads what the first
		// wrote, so they cannot be swapped (the read would see another
		// value): no race.
		name: "rule (a): conflicting critical sections",
		script: `
1 go 2
1 w x @a
1 lock l
1 w y
1 unlock l
2 lock l
2 r y
2 unlock l
2 r x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// Rule (b): goroutine 2's section on m must follow goroutine
		// 1's (rule (a) on z), which is inside 1's section on l, so
		// 2's section on l follows 1's whole section on l: no race on
		// x. Without rule (b), WCP would report one.
		name: "rule (b): nested critical sections",
		script: `
1 go 2
1 lock l
1 lock m
1 w z
1 unlock m
1 w x @a
1 unlock l
2 lock m
2 r z
2 unlock m
2 lock l
2 unlock l
2 r x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// SHB's motivating trace: both pairs race by happens-before,
		// but goroutine 2's read of y sees 1's write, so in every
		// reordering 1's write of x comes first: only y races.
		name: "reads-from orders what follows the read",
		script: `
1 go 2
1 w x @a
1 w y @c
2 r y @d
2 r x @b`,
		shb:   []string{"c~d"},
		wcp:   []string{"c~d"},
		syncp: []string{"c~d"},
	},
	{
		// Every pair, not only the first per variable.
		name: "every pair",
		script: `
1 go 2
1 go 3
1 w x @a
2 w x @b
3 r x @c`,
		shb:   []string{"a~b", "a~c", "b~c"},
		wcp:   []string{"a~b", "a~c", "b~c"},
		syncp: []string{"a~b", "a~c", "b~c"},
	},
	{
		// A buffered channel of capacity 1, as the runtime records it
		// (each operation acquires and releases its buffer slot): the
		// first receive happens before the second send completes.
		name: "buffered channel capacity 1",
		script: `
1 go 2
1 acq s0
1 rel s0
2 r x @a
2 acq s0
2 rel s0
1 acq s0
1 rel s0
1 w x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// Capacity 2: the second send uses the other slot and does not
		// wait for the receive.
		name: "buffered channel capacity 2",
		script: `
1 go 2
1 acq s0
1 rel s0
2 r x @a
2 acq s0
2 rel s0
1 acq s1
1 rel s1
1 w x @b`,
		shb:   []string{"a~b"},
		wcp:   []string{"a~b"},
		syncp: []string{"a~b"},
	},
	{
		name: "RWMutex read mode shares",
		script: `
1 go 2
1 rlock l
1 w x @a
1 runlock l
2 rlock l
2 w x @b
2 runlock l`,
		shb:   []string{"a~b"},
		wcp:   []string{"a~b"},
		syncp: []string{"a~b"},
	},
	{
		name: "RWMutex write mode excludes",
		script: `
1 go 2
1 wlock l
1 w x @a
1 wunlock l
2 rlock l
2 r x @b
2 runlock l`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		name: "atomic publication",
		script: `
1 go 2
1 w x @a
1 store f
2 load f
2 r x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// Go's race suite, TestNoRaceMutexSemaphore: a mutex locked by
		// one goroutine and unlocked by another orders what precedes
		// the Unlock before the next Lock.
		name: "mutex as a semaphore",
		script: `
1 lock l
1 go 2
1 go 3
2 w x @a
2 unlock l
3 lock l
3 w x @b
3 unlock l`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// Conflicts are per byte, as ThreadSanitizer's (a plain access
		// is its first byte): two bytes of a word do not race.
		name: "bytes of a word",
		script: `
1 go 2
1 w x @a
2 w x+1 @b
2 wr x 8 @c`,
		shb:   []string{"a~c"},
		wcp:   []string{"a~c"},
		syncp: []string{"a~c"},
	},
	{
		// A mutex's memory reused for a channel: its edges order again.
		name: "mutex memory reused",
		script: `
1 lock m
1 unlock m
1 malloc m 64
1 go 2
1 w x @a
1 rel m
2 acq m
2 r x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// Go's race suite, TestRaceMutexOverwrite: a plain write of a
		// mutex races with Lock's and Unlock's atomics on its state
		// word.
		name: "mutex overwritten",
		script: `
1 go 2
2 w l @a
1 lock l @b
1 unlock l @c`,
		shb:   []string{"a~b", "a~c"},
		wcp:   []string{"a~b", "a~c"},
		syncp: []string{"a~b", "a~c"},
	},
	{
		// A range longer than bigRange is kept per page, not per word:
		// it races as a short one, and a read of one of its words reads
		// from it.
		name: "big range",
		script: `
1 go 2
1 go 3
1 w x @a
1 wr buf 1024 @c
2 r buf+512 @d
2 r x @b
3 rr buf+1000 2000 @e`,
		shb:   []string{"c~d", "c~e"},
		wcp:   []string{"c~d", "c~e"},
		syncp: []string{"c~d", "c~e"},
	},
	{
		// New memory inside a big range forgets that part of it.
		name: "big range reallocated",
		script: `
1 go 2
1 wr buf 4096 @a
1 malloc buf+1024 64
2 w buf+1024
2 w buf+1032
2 w buf+2048 @b
2 w buf+8 @c`,
		shb:   []string{"a~b", "a~c"},
		wcp:   []string{"a~b", "a~c"},
		syncp: []string{"a~b", "a~c"},
	},
	{
		// A send on a channel that another goroutine closes: the
		// runtime records the send's read of the channel and the
		// close's write of it (and a release), so a reordering that
		// closes first, a send on a closed channel, is a race on the
		// channel. Here a lock hand-off ordered the send first.
		name: "send on closed channel",
		script: `
1 go 2
2 r c @send
2 acq c.slot
2 rel c.slot
2 lock l
2 unlock l
1 lock l
1 unlock l
1 w c @close
1 rel c`,
		shb:   []string{},
		wcp:   []string{"send~close"},
		syncp: []string{"send~close"},
	},
	{
		// A range access is one event: one race, however many words.
		name: "range",
		script: `
1 go 2
1 wr x 24 @a
2 rr x 16 @b`,
		shb:   []string{"a~b"},
		wcp:   []string{"a~b"},
		syncp: []string{"a~b"},
	},
}

// The SyncP paper's (POPL'21) kinds of trace: sync-preserving races
// are those a reordering that keeps each mutex's critical sections in
// their observed order exposes, leaving out the sections it does not
// need. syncp finds them all, also where WCP's rule (a) orders two
// sections; it misses a race that only reversing two sections exposes,
// which wcp finds.
var syncpTextbook = []struct {
	name   string
	script string
	shb    []string
	wcp    []string
	syncp  []string
}{
	{
		// The sections conflict (both write y), so WCP orders 1's
		// Unlock before 2's write of y and, with happens-before, a
		// before b. But a precedes 1's section: a reordering runs 2's
		// section alone, then a and b, with the one section on l in
		// its order.
		name: "conflicting sections a reordering drops",
		script: `
1 go 2
1 w x @a
1 lock l
1 w y
1 unlock l
2 lock l
2 w y
2 unlock l
2 w x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{"a~b"},
	},
	{
		// a is inside 1's section, which precedes 2's: a
		// sync-preserving reordering that runs 2's section must run
		// 1's whole section first, a included. Only running 2's
		// section before 1's exposes the race: wcp finds it, syncp
		// does not.
		name: "only reversed sections expose",
		script: `
1 go 2
1 lock l
1 w x @a
1 unlock l
2 lock l
2 unlock l
2 w x @b`,
		shb:   []string{},
		wcp:   []string{"a~b"},
		syncp: []string{},
	},
	{
		// The closure needs the lock rule twice: b's read of v reads
		// 3's write inside its section on m, so 3's section, which
		// precedes 2's on m, runs whole, its read of y included; that
		// reads 4's write inside its section on l, which follows 1's:
		// so 1's section runs whole, a included. No sync-preserving
		// race on x (a reordering putting 4's section before 1's
		// exposes one, which wcp misses too: its reads-from edge takes
		// in the writer's happens-before clock, which has 1's Unlock),
		// while y races for all and v for wcp (2's section on m before
		// 3's).
		name: "lock rule through two mutexes",
		script: `
1 go 2
1 go 3
1 go 4
1 lock l
1 w x @a
1 unlock l
4 lock l
4 w y @wy
4 unlock l
3 lock m
3 w v @wv
3 r y @ry
3 unlock m
2 lock m
2 unlock m
2 r v @rv
2 w x @b`,
		shb:   []string{"wy~ry"},
		wcp:   []string{"wv~rv", "wy~ry"},
		syncp: []string{"wy~ry"},
	},
	{
		// Mutual exclusion: both accesses inside sections of one
		// mutex never race.
		name: "both inside sections",
		script: `
1 go 2
1 lock l
1 w x @a
1 unlock l
2 lock l
2 w x @b
2 unlock l`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// A read in the later section sees a write after a: the
		// reordering must keep it, and so a.
		name: "reads-from across sections",
		script: `
1 go 2
1 w x @a
1 lock l
1 w y
1 unlock l
2 lock l
2 r y
2 unlock l
2 w x @b`,
		shb:   []string{},
		wcp:   []string{},
		syncp: []string{},
	},
	{
		// RWMutex: read-mode sections need no order among themselves,
		// so 1's read-mode section need not close before 2's.
		name: "read-mode sections",
		script: `
1 go 2
1 rlock l
1 w x @a
1 runlock l
2 rlock l
2 runlock l
2 wlock l
2 wunlock l
2 w x @b`,
		shb:   []string{},
		wcp:   []string{"a~b"},
		syncp: []string{},
	},
}

func TestSyncPTextbook(t *testing.T) {
	for _, tc := range syncpTextbook {
		t.Run(tc.name, func(t *testing.T) {
			got := predictScript(t, tc.script, "shb", "wcp", "syncp")
			for algo, want := range map[string][]string{"shb": tc.shb, "wcp": tc.wcp, "syncp": tc.syncp} {
				if !reflect.DeepEqual(got[algo], want) {
					t.Errorf("%s: got %q, want %q", algo, got[algo], want)
				}
			}
		})
	}
}

func TestTextbook(t *testing.T) {
	for _, tc := range textbook {
		t.Run(tc.name, func(t *testing.T) {
			got := predictScript(t, tc.script, "shb", "wcp", "syncp")
			if !reflect.DeepEqual(got["shb"], tc.shb) {
				t.Errorf("shb: got %q, want %q", got["shb"], tc.shb)
			}
			if !reflect.DeepEqual(got["wcp"], tc.wcp) {
				t.Errorf("wcp: got %q, want %q", got["wcp"], tc.wcp)
			}
			if !reflect.DeepEqual(got["syncp"], tc.syncp) {
				t.Errorf("syncp: got %q, want %q", got["syncp"], tc.syncp)
			}
		})
	}
}

func TestUnknownAlgorithm(t *testing.T) {
	if _, err := New(Options{Algorithms: []string{"cp"}}); err == nil {
		t.Error("New accepts algorithm cp")
	}
	if _, err := New(Options{Algorithms: []string{"wcp", "wcp"}}); err == nil {
		t.Error("New accepts wcp twice")
	}
}

// A range that runs past the end of the address space, as only a corrupt
// trace has, is cut there (FuzzPredict found the endless loop it made).
func TestRangeOverflow(t *testing.T) {
	var buf bytes.Buffer
	w := trace.NewWriter(&buf, trace.Header{Exe: "prog"})
	for _, ev := range []trace.Event{
		{Kind: trace.GoStart, G: 1, GoID: 1},
		{Kind: trace.GoStart, Parent: 1, G: 2, GoID: 2},
		{Kind: trace.WriteRange, G: 1, Addr: ^uint64(0) - 100, Size: 1 << 62},
		{Kind: trace.Read, G: 2, Addr: ^uint64(0) - 15, Size: 1},
		{Kind: trace.Read, G: 2, Addr: ^uint64(0) - 3, Size: 1},
	} {
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := Run(bytes.NewReader(buf.Bytes()), false, Options{Algorithms: Algorithms, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Races()); n != len(RaceAlgorithms) {
		t.Errorf("%d races, want one per algorithm", n)
	}
}

func TestTruncated(t *testing.T) {
	sc := writeScript(t, "1 go 2\n1 w x\n2 w x")
	_, err := Run(bytes.NewReader(sc.trace[:len(sc.trace)-3]), false, Options{Algorithms: []string{"wcp"}})
	if err == nil {
		t.Fatal("Run accepts a truncated trace")
	}
}
