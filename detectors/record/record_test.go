// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package record

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/race"
	"strings"
	"testing"

	"drace/detectors/record/trace"
)

// Interfaces the detector must implement.
var (
	_ race.Detector           = (*detector)(nil)
	_ race.RangeDetector      = (*detector)(nil)
	_ race.AtomicDetector     = (*detector)(nil)
	_ race.SyncDetector       = (*detector)(nil)
	_ race.GoroutineDetector  = (*detector)(nil)
	_ race.MemoryDetector     = (*detector)(nil)
	_ race.NativeSyncDetector = (*detector)(nil)
	_ race.TestDetector       = (*detector)(nil)
	_ race.ExitDetector       = (*detector)(nil)
	_ race.FuncDetector       = (*detector)(nil)
	_ race.Summarizer         = (*detector)(nil)
)

func TestExpandPID(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"drace.trace", "drace.trace"},
		{"t.%p", "t.42"},
		{"%p/%p%", "42/42%"},
		{"a%%pb", "a%42b"},
	} {
		if got := expandPID(tt.in, 42); got != tt.want {
			t.Errorf("expandPID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBuildIDOfTestBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if id := buildID(exe); id == "" || strings.ContainsAny(id, "\x00\n") {
		t.Errorf("buildID(%s) = %q", exe, id)
	}
}

// A synthetic stream: the file starts with the header, counts every
// event, and ends with one end record after the exit, rewritten by later
// flushes.
func TestTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.trace")
	d := newDetector(path)
	if d.fd < 0 {
		t.Fatalf("open failed: %s", d.Summary())
	}
	g1, g2 := &race.Goroutine{ID: 1}, &race.Goroutine{ID: 7}
	d.OnWrite(race.Access{G: g1, Addr: 0x1000, Size: 1, PC: 0x401000}) // g1 announced lazily
	d.OnGoStart(g1, g2, 0x401010)
	d.OnMalloc(0xc000010000, 64)
	d.OnReadRange(race.Access{G: g2, Addr: 0xc000010000, Size: 64, PC: 0x402000})
	d.OnAtomic(race.AtomicAccess{Access: race.Access{G: g2, Addr: 0x2000, Size: 8, PC: 0x402010}, Op: race.AtomicAdd, Width: 8})
	d.OnAcquire(race.Sync{G: g2, Addr: 0x2000, PC: 0x402010})
	d.OnRelease(race.Sync{G: g2, Addr: 0x2000})
	d.OnSync(race.SyncOp{G: g1, Kind: race.MutexLockWait, Obj: 0x3000, PC: 0x401020})
	d.OnTestStart(g1, "TestX")
	d.OnTestEnd(g1, "TestX")
	// Answers are recorded but are not events.
	d.OnHostAnswer(g1, race.HostAnswer{Kind: race.LookupAnswer, ID: 2, Found: true,
		Status: race.GoroutineStatus{State: "chan receive", Blocked: true, Stack: []uintptr{0x401100, 0x401200}}})
	d.OnHostAnswer(g1, race.HostAnswer{Kind: race.NanotimeAnswer, Time: 12345})
	d.OnHostAnswer(nil, race.HostAnswer{Kind: race.CallersAnswer, PCs: []uintptr{0x401300}})
	d.OnGoEnd(g2)
	d.OnExit(g1)
	d.Report()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const events = 14 // 2 GoStart + 12 calls (OnExit's flush counts the exit)
	if d.count != events {
		t.Errorf("count %d, want %d", d.count, events)
	}
	if !bytes.HasPrefix(data, append([]byte(trace.Magic), trace.Version)) {
		t.Errorf("header %q", data[:min(len(data), 16)])
	}
	if end := []byte{byte(trace.End), events}; !bytes.HasSuffix(data, end) {
		t.Errorf("trace ends with %x, want end record %x", data[len(data)-4:], end)
	}
	// Events after the exit: the end record moves to the end.
	d.OnFree(0xc000010000, 64)
	d.Report()
	data, _ = os.ReadFile(path)
	if end := []byte{byte(trace.End), events + 2}; !bytes.HasSuffix(data, end) || bytes.Count(data, []byte{byte(trace.End), events}) != 0 {
		t.Errorf("after more events the trace ends with %x, want %x and no earlier end", data[len(data)-4:], end)
	}
	if s := d.Summary(); !strings.Contains(s, "16 events") {
		t.Errorf("Summary = %q", s)
	}
}

func TestMemoryDoesNotAllocate(t *testing.T) {
	d := newDetector(filepath.Join(t.TempDir(), "t.trace"))
	addr := uintptr(0xc000010000)
	allocs := testing.AllocsPerRun(200000, func() { // several buffer flushes
		d.OnMalloc(addr, 64)
		d.OnFree(addr, 64)
		addr += 64
	})
	if allocs != 0 {
		t.Errorf("OnMalloc and OnFree allocate: %v per run", allocs)
	}
}

func TestOpenFails(t *testing.T) {
	d := newDetector(filepath.Join(t.TempDir(), "no", "such", "dir", "t.trace"))
	d.OnWrite(race.Access{G: &race.Goroutine{ID: 1}, Addr: 1})
	if s := d.Summary(); !strings.Contains(s, "incomplete: open") {
		t.Errorf("Summary = %q", s)
	}
}
