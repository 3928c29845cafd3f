// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest_test

import (
	"fmt"
	"runtime/race"
	"testing"

	"drace/toolkit/eventtest"
)

// naive is a toy detector: two writes of a byte by different goroutines
// race unless the second goroutine acquired something in between.
type naive struct {
	last     map[uintptr]race.Access
	released map[uintptr]int64 // the last goroutine to release each address
	reports  []race.Report
}

func (d *naive) OnRead(race.Access) {}

func (d *naive) OnWrite(a race.Access) {
	if p, ok := d.last[a.Addr]; ok && p.G.ID != a.G.ID {
		d.reports = append(d.reports, race.Report{Kind: "DATA RACE", Accesses: []race.ReportAccess{
			{Write: true, Addr: a.Addr, Size: 1, G: a.G.ID, PC: a.PC},
			{Write: true, Previous: true, Addr: p.Addr, Size: 1, G: p.G.ID, PC: p.PC},
		}})
	}
	d.last[a.Addr] = a
}

// OnAcquire forgets the writes of the goroutine that released s.Addr last.
func (d *naive) OnAcquire(s race.Sync) {
	r, ok := d.released[s.Addr]
	for addr, p := range d.last {
		if ok && p.G.ID == r {
			delete(d.last, addr)
		}
	}
}

func (d *naive) OnRelease(s race.Sync)        { d.released[s.Addr] = s.G.ID }
func (d *naive) OnReleaseMerge(race.Sync)     {}
func (d *naive) OnAcquireAll(*race.Goroutine) {}

func (d *naive) Report() []race.Report {
	r := d.reports
	d.reports = nil
	return r
}

func newNaive() race.Detector {
	return &naive{last: map[uintptr]race.Access{}, released: map[uintptr]int64{}}
}

// printTB prints the harness's errors: outside a test, a Harness needs
// somewhere to report them.
type printTB struct{}

func (printTB) Helper()                           {}
func (printTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (printTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

const x, mu = 0xc000010000, 0xc000020000

func Example() {
	h := eventtest.New(printTB{}, newNaive())
	reps := h.Run(
		eventtest.Write(1, x),
		eventtest.Write(2, x).At(0x4242),
		eventtest.Unlock(2, mu),
		eventtest.Lock(3, mu),
		eventtest.Write(3, x),
	)
	fmt.Print(h.Script())
	fmt.Print(eventtest.Format(reps))
	fmt.Println(eventtest.Match(reps, "DATA RACE: write g2 pc=0x4242, previous write g1"))
	// Output:
	// 0: g1 write 0xc000010000 pc=0x100000 stack=1000
	// 1: g2 write 0xc000010000 pc=0x4242 stack=0
	// 2: g2 Unlock 0xc000020000 pc=0x100020 stack=1002
	// 3: g3 Lock 0xc000020000 pc=0x100030 stack=1003
	// 4: g3 write 0xc000010000 pc=0x100040 stack=1004
	// DATA RACE
	// 	write g2 pc=0x4242 addr=0xc000010000 size=1 stack=0
	// 	previous write g1 pc=0x100000 addr=0xc000010000 size=1 stack=0
	// <nil>
}

// A table of cases, a subtest each.
func TestRaceNaive(t *testing.T) {
	eventtest.RunCases(t, newNaive, []eventtest.Case{
		{Name: "WriteWrite", Steps: []eventtest.Step{eventtest.Write(1, x), eventtest.Write(2, x)},
			Want: []string{"DATA RACE: write g2, previous write g1"}},
		{Name: "LockOtherMutex", Steps: []eventtest.Step{
			eventtest.Write(1, x), eventtest.Unlock(1, mu), eventtest.Lock(2, mu+8), eventtest.Write(2, x)},
			Want: eventtest.Races(1)},
	})
}

func TestNoRaceNaive(t *testing.T) {
	eventtest.RunCases(t, newNaive, []eventtest.Case{
		{Name: "LockSameMutex", Steps: []eventtest.Step{
			eventtest.Write(1, x), eventtest.Unlock(1, mu), eventtest.Lock(2, mu), eventtest.Write(2, x)}},
	})
}
