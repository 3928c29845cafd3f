// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package symbolize

import (
	"os"
	"runtime"
	"runtime/race"
	"testing"
)

// Stacks of this test binary, taken in inlined and non-inlined functions,
// generic ones too: race.Format, with a Host that symbolizes the binary
// from its file, must print what it prints with runtime.CallersFrames in
// the process.

func inlined(pcs []uintptr) []uintptr { return pcs[:runtime.Callers(1, pcs)] }

func inlinedOuter(pcs []uintptr) []uintptr { return inlined(pcs) }

//go:noinline
func notInlined(pcs []uintptr) []uintptr { return inlinedOuter(pcs) }

type number interface{ ~int | ~float64 }

//go:noinline
func generic[T number](pcs []uintptr, _ T) []uintptr { return notInlined(pcs) }

func closure(pcs []uintptr) []uintptr {
	f := func() []uintptr { return generic(pcs, 1.5) }
	return f()
}

// physical drops the virtual PCs runtime.Callers adds for inlined frames,
// keeping return addresses only, as the runtime's stack trie records them.
func physical(pcs []uintptr) []uintptr {
	var out []uintptr
	var last uintptr
	for _, pc := range pcs {
		f := runtime.FuncForPC(pc - 1)
		if f != nil && f.Entry() == last {
			continue
		}
		if f != nil {
			last = f.Entry()
		}
		out = append(out, pc)
	}
	return out
}

func TestFramesMatchRuntime(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()

	all := closure(make([]uintptr, 64))
	phys := physical(all)
	if len(phys) >= len(all) {
		t.Logf("no inlined frames in %x", all)
	}
	r := &race.Report{
		Kind:    "DATA RACE",
		Message: "a message",
		Accesses: []race.ReportAccess{
			{Write: true, Addr: 0xc000012345, G: 7, Frames: phys},
			{Previous: true, Addr: 0xc000012345, G: 1, Frames: all},
			{Verb: "lock", G: 3, PC: phys[0]},     // PC alone: its inlined outer frames are not expanded
			{Atomic: true, G: 4, PC: phys[1] - 1}, // not a return address
			{Verb: "Unlock", G: 5, Frames: []uintptr{1, 2}},
			{G: 6, Frames: []uintptr{}},
		},
		Goroutines: []int64{7, 3, 9},
	}
	info := func(id int64) race.GoroutineInfo {
		switch id {
		case 7:
			return race.GoroutineInfo{Known: true, Created: phys[2:]}
		case 3:
			return race.GoroutineInfo{Known: true, Finished: true}
		}
		return race.GoroutineInfo{}
	}
	want := string(race.Format("fasttrack", r, info))
	host := &tableHost{tab: tab, stacks: map[race.StackID][]uintptr{5: phys[1:]}}
	race.SetHost(host)
	defer race.SetHost(nil)
	got := string(race.Format("fasttrack", r, info))
	if host.calls == 0 {
		t.Errorf("Format did not ask the host for frames")
	}
	if got != want {
		t.Errorf("Format with the file's frames differs from Format with the process's\n--- got:\n%s\n--- want:\n%s", got, want)
	}
	t.Logf("report:\n%s", got)

	// The same through a StackID the host resolves: PC then frames.
	r2 := &race.Report{Accesses: []race.ReportAccess{{G: 2, PC: phys[0], Stack: 5}}}
	got2 := string(race.Format("x", r2, nil))
	race.SetHost(nil)
	r2.Accesses[0].Frames, r2.Accesses[0].PC, r2.Accesses[0].Stack = phys, 0, 0
	if want2 := string(race.Format("x", r2, nil)); got2 != want2 {
		t.Errorf("with a stack:\n--- got:\n%s\n--- want:\n%s", got2, want2)
	}
}

// tableHost answers for this binary from its file: frames from the
// Table, stacks from a map.
type tableHost struct {
	tab    *Table
	stacks map[race.StackID][]uintptr
	calls  int // of Frames
}

func (h *tableHost) Frames(pcs []uintptr) []runtime.Frame {
	h.calls++
	return h.tab.RuntimeFrames(pcs)
}

func (h *tableHost) StackFrames(id race.StackID) []uintptr { return h.stacks[id] }
func (h *tableHost) LookupGoroutine(int64) (race.GoroutineStatus, bool) {
	return race.GoroutineStatus{}, false
}
func (h *tableHost) Nanotime() int64            { return 0 }
func (h *tableHost) Callers(int, []uintptr) int { return 0 }
func (h *tableHost) GOROOT() string             { return "" }

func TestBuildID(t *testing.T) {
	exe, _ := os.Executable()
	tab, err := Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if tab.BuildID == "" {
		t.Errorf("no build ID in %s", exe)
	}
}
