// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package trace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/race"
	"slices"
	"strings"
	"testing"
)

// sample is a stream with every kind of event, as the record detector
// writes them (stacks defined before use).
func sample() (Header, map[uint32][]uint64, []Event) {
	h := Header{GOROOT: "/usr/lib/go", Version: Version, Exe: "/tmp/prog", BuildID: "abc/def", PID: 4242}
	stacks := map[uint32][]uint64{
		1: {0x401000},
		2: {0x402000, 0x401010, 0x400100},
		7: {0x4ff000, 0x400000},
	}
	evs := []Event{
		{Kind: GoStart, G: 1, GoID: 1},
		{Kind: Malloc, Addr: 0xc000010000, Size: 64},
		{Kind: Write, G: 1, Addr: 0xc000010008, Size: 1, PC: 0x401234, Stack: 1},
		{Kind: GoStart, G: 2, Parent: 1, GoID: 7, PC: 0x401240, Stack: 1, ParentPC: 0x401234, ParentStack: 1},
		{Kind: FuncEnter, G: 2, PC: 0x402220},
		{Kind: Read, G: 2, Addr: 0xc000010008, Size: 1, PC: 0x402222, Stack: 2},
		{Kind: FuncExit, G: 2},
		{Kind: ReadRange, G: 2, Addr: 0xc000010000, Size: 48, PC: 0x402210, Stack: 2},
		{Kind: WriteRange, G: 1, Addr: 0xc000010010, Size: 8, PC: 0x401200, Stack: 0},
		{Kind: Atomic, G: 2, Op: 4, Width: 8, Size: 8, Addr: 0x6a0000, PC: 0x402300, Stack: 7},
		{Kind: Acquire, G: 2, Addr: 0x6a0000, PC: 0x402300},
		{Kind: Release, G: 2, Addr: 0x6a0000, PC: 0x402300},
		{Kind: ReleaseMerge, G: 1, Addr: 0xc000020000},
		{Kind: Sync, G: 1, SyncKind: 2, Addr: 0xc000030000, Arg: -1, PC: 0x401300, Stack: 1},
		{Kind: AcquireAll, G: 2},
		{Kind: Sync, G: 2, SyncKind: uint8(race.CondBroadcast), Addr: 0xc000040000, PC: 0x402400, Stack: 2},
		{Kind: Sync, G: 2, SyncKind: uint8(race.SelectCase), Addr: 0xc000040000, Arg: 1 | race.SelectCaseSend, PC: 0x402410, Stack: 2}, // the last sync kind
		{Kind: TestStart, G: 1, Name: "TestX"},
		{Kind: Report},
		{Kind: TestEnd, G: 1, Name: "TestX"},
		{Kind: Free, Addr: 0xc000010000, Size: 64},
		{Kind: GoEnd, G: 2},
		{Kind: Exit, G: 1},
		{Kind: Report},
	}
	return h, stacks, evs
}

func encode(t testing.TB, h Header, stacks map[uint32][]uint64, evs []Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, h)
	for _, ev := range evs {
		if ev.Stack != 0 {
			w.Stack(ev.Stack, stacks[ev.Stack])
		}
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads a whole trace: the events, the stacks and the error.
func readAll(data []byte, partial bool) (*Reader, []Event, error) {
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	r.Partial = partial
	var evs []Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return r, evs, nil
		}
		if err != nil {
			return r, evs, err
		}
		evs = append(evs, ev)
	}
}

// diffEvents describes the first difference between want and got, their
// offsets ignored, or returns "".
func diffEvents(want, got []Event) string {
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		w.Offset, g.Offset = 0, 0
		if w != g {
			return fmt.Sprintf("event %d: got %+v, want %+v", i, g, w)
		}
	}
	if len(want) != len(got) {
		return fmt.Sprintf("%d events, want %d", len(got), len(want))
	}
	return ""
}

func TestRoundTrip(t *testing.T) {
	h, stacks, want := sample()
	data := encode(t, h, stacks, want)
	r, got, err := readAll(data, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Header() != h {
		t.Errorf("header %+v, want %+v", r.Header(), h)
	}
	if diff := diffEvents(want, got); diff != "" {
		t.Errorf("events: %s", diff)
	}
	for id, frames := range stacks {
		if f, ok := r.Stack(id); !ok || !reflect.DeepEqual(f, frames) {
			t.Errorf("stack %d = %x, %v; want %x", id, f, ok, frames)
		}
	}
	if !r.Complete() || r.Count() != uint64(len(want)) || r.NumGoroutines() != 2 || r.NumStacks() != 3 {
		t.Errorf("Complete %v, Count %d, NumGoroutines %d, NumStacks %d", r.Complete(), r.Count(), r.NumGoroutines(), r.NumStacks())
	}
	// Offsets are increasing and each names its record's kind byte.
	for i, ev := range got {
		if data[ev.Offset] != byte(ev.Kind) || i > 0 && ev.Offset <= got[i-1].Offset {
			t.Errorf("event %d (%v) at offset %d: byte %d", i, ev.Kind, ev.Offset, data[ev.Offset])
		}
	}
}

// Every proper prefix of a trace is an error naming an offset within it;
// in partial mode the events read are a prefix of the trace's.
func TestTruncated(t *testing.T) {
	h, stacks, want := sample()
	data := encode(t, h, stacks, want)
	for n := 0; n < len(data); n++ {
		_, got, err := readAll(data[:n], false)
		var te *Error
		if !errors.As(err, &te) {
			t.Fatalf("prefix %d: error %v, want *Error", n, err)
		}
		if te.Offset < 0 || te.Offset > int64(n) {
			t.Errorf("prefix %d: offset %d outside the data", n, te.Offset)
		}
		if n > 30 && !strings.Contains(err.Error(), "truncated") {
			t.Errorf("prefix %d: %v, want a truncation", n, err)
		}
		r, pgot, err := readAll(data[:n], true)
		if r == nil {
			continue // the header itself is cut
		}
		if err != nil || r.Err() == nil || r.Complete() {
			t.Errorf("prefix %d partial: err %v, Err %v, Complete %v", n, err, r.Err(), r.Complete())
		}
		if len(pgot) > len(want) {
			t.Errorf("prefix %d partial: %d events, more than the trace's %d", n, len(pgot), len(want))
		} else if diff := diffEvents(want[:len(pgot)], pgot); diff != "" || len(got) != len(pgot) {
			t.Errorf("prefix %d partial: events differ: %s", n, diff)
		}
	}
}

func TestCorrupt(t *testing.T) {
	h, stacks, evs := sample()
	data := encode(t, h, stacks, evs)
	_, good, _ := readAll(data, false)
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), data...))
	}
	tests := []struct {
		name   string
		data   []byte
		offset int64
		msg    string
	}{
		{"Magic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), 0, "bad magic"},
		{"Version", mutate(func(b []byte) []byte { b[8] = 9; return b }), 8, "version 9"},
		{"Kind", mutate(func(b []byte) []byte { b[good[4].Offset] = 0xee; return b }), good[4].Offset, "unknown record kind 238"},
		{"Goroutine", mutate(func(b []byte) []byte { b[good[4].Offset+1] = 9; return b }), good[4].Offset, "goroutine 9 not started"},
		{"After", append(mutate(func(b []byte) []byte { return b }), 0), int64(len(data)), "data after the end record"},
		{"Count", mutate(func(b []byte) []byte { b[len(b)-1]++; return b }), int64(len(data) - 2), "end record counts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(tt.data, false)
			var te *Error
			if !errors.As(err, &te) || te.Offset != tt.offset || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want *Error at offset %d with %q", err, tt.offset, tt.msg)
			}
		})
	}
}

// The record detector's writer and this package's reader and writer agree
// on a real program's trace: it reads without error, every event's
// goroutine and stack are defined, and re-encoding the events with Writer
// (stacks defined just before first use, as the detector does) gives the
// same bytes.
func TestRecordedProgram(t *testing.T) {
	// The module's root, where the patched toolchain is built; a copy
	// of this package installed in that toolchain has none.
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	goCmd := filepath.Join(root, "_build", "goroot", "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "racy")
	build := exec.Command(goCmd, "build", "-drace=drace/detectors/record", "-o", bin, "./detectors/record/trace/testdata/racy")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	tracePath := filepath.Join(tmp, "t-%p.trace")
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "DRACE_TRACE="+tracePath, "GORACE=atexit_sleep_ms=0")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(tmp, "t-*.trace"))
	if len(matches) != 1 || strings.Contains(matches[0], "%p") {
		t.Fatalf("trace files %v: want one with the pid", matches)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	r, evs, err := readAll(data, false)
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if h.Exe != bin || h.BuildID == "" || !strings.Contains(matches[0], fmt.Sprint(h.PID)) {
		t.Errorf("header %+v, want exe %s, a build ID and the pid in %s", h, bin, matches[0])
	}
	// The detector's summary counts the same events, and the bytes
	// before the end record.
	if want := fmt.Sprintf("%d events, %d bytes", len(evs), len(data)-1-len(binary.AppendUvarint(nil, uint64(len(evs))))); !strings.Contains(string(out), want) {
		t.Errorf("summary: %s (want %q)", out, want)
	}
	var kinds [NumKinds]int
	failed := 0
	for _, ev := range evs {
		kinds[ev.Kind]++
		if ev.Kind == Atomic && ev.Failed {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("no failed CompareAndSwap in the trace")
	}
	for _, k := range []Kind{Read, Write, ReadRange, WriteRange, Atomic, Acquire, Release, GoStart, GoEnd, Malloc, Sync, Exit, Report} {
		if kinds[k] == 0 {
			t.Errorf("no %v event in the trace", k)
		}
	}

	var buf bytes.Buffer
	w := NewWriter(&buf, h)
	for _, ev := range evs {
		if ev.Stack != 0 {
			frames, _ := r.Stack(ev.Stack)
			w.Stack(ev.Stack, frames)
		}
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if !bytes.Equal(buf.Bytes(), data) {
		n := 0
		for n < len(data) && n < buf.Len() && data[n] == buf.Bytes()[n] {
			n++
		}
		t.Errorf("re-encoded trace differs from the recorded one at byte %d (lengths %d, %d)", n, buf.Len(), len(data))
	}
}

// Answers are kept out of the events and handed out per asking goroutine
// and kind, in order, also when they were logged after the event during
// which they were given.
func TestAnswers(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Header{Exe: "prog"})
	w.Event(Event{Kind: GoStart, G: 1, GoID: 1})
	w.Answer(Answer{Kind: Clock, G: 1, Time: 100})
	w.Event(Event{Kind: TestEnd, G: 1, Name: "TestA"})
	w.Event(Event{Kind: Read, G: 1, Addr: 0x1000, PC: 0x401000})
	w.Answer(Answer{Kind: Lookup, G: 1, ID: 7, Found: true, Blocked: true, State: "chan receive", PCs: []uint64{0x402000, 0x401f00}, Waits: lookupWaits})
	w.Answer(Answer{Kind: Clock, G: 1, Time: 200})
	w.Answer(Answer{Kind: Callers, G: 0, PCs: []uint64{0x403000}})
	w.Event(Event{Kind: Exit, G: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	next := func() {
		ev, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, ev.Kind)
	}
	next() // GoStart
	next() // TestEnd
	if a, ok := r.Answer(1, Clock); !ok || a.Time != 100 {
		t.Errorf("first clock answer: %+v, %v", a, ok)
	}
	// Logged after the Read: read ahead for it.
	if a, ok := r.Answer(1, Lookup); !ok || a.ID != 7 || !a.Found || !a.Blocked || a.State != "chan receive" ||
		len(a.PCs) != 2 || a.PCs[1] != 0x401f00 || !slices.Equal(a.Waits, lookupWaits) {
		t.Errorf("lookup answer: %+v, %v", a, ok)
	}
	if a, ok := r.Answer(1, Clock); !ok || a.Time != 200 {
		t.Errorf("second clock answer: %+v, %v", a, ok)
	}
	if _, ok := r.Answer(1, Clock); ok {
		t.Errorf("a third clock answer")
	}
	if a, ok := r.Answer(0, Callers); !ok || len(a.PCs) != 1 || a.PCs[0] != 0x403000 {
		t.Errorf("callers answer: %+v, %v", a, ok)
	}
	next() // Read, read ahead
	next() // Exit
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last event: %v, want EOF", err)
	}
	if want := []Kind{GoStart, TestEnd, Read, Exit}; !slices.Equal(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
	if r.Count() != 4 {
		t.Errorf("Count %d, want 4 (answers are not events)", r.Count())
	}
}

// lookupWaits is what a recorded Lookup answer says a goroutine waits on:
// one of each kind of field.
var lookupWaits = []race.Wait{
	{Kind: race.WaitChanRecv, Addr: 0xc000010000, Cap: 4, Len: 0, PC: 0x402468}, // a select's case
	{Kind: race.WaitChanSend, Addr: 0},
	{Kind: race.WaitWaitGroup, Addr: 0xc000020000, Counter: -1},
	{Kind: race.WaitWaitGroup, Addr: 0xc000020040, Counter: 1 << 31},
}

// A version 3 trace, whose Lookup answers have no waits, still reads; a
// Lookup with a wait of no known kind is corrupt.
func TestLookupWaitsVersions(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Header{Exe: "prog"})
	w.Event(Event{Kind: GoStart, G: 1, GoID: 1})
	w.Answer(Answer{Kind: Lookup, G: 1, ID: 7, Found: true, Blocked: true, State: "select", PCs: []uint64{0x402000}})
	w.Event(Event{Kind: Exit, G: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	v4 := buf.Bytes()
	lookup := func(data []byte) (Answer, error) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return Answer{}, err
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				return Answer{}, err
			}
		}
		a, ok := r.Answer(1, Lookup)
		if !ok {
			return a, errors.New("no lookup answer")
		}
		return a, nil
	}
	a4, err := lookup(v4)
	if err != nil || a4.State != "select" || a4.Waits != nil {
		t.Fatalf("version 4: %+v, %v", a4, err)
	}
	// The Lookup record ends with its waits' count, 0: the version 3
	// record is the same without it.
	end := int(a4.Offset) + bytes.Index(v4[a4.Offset:], []byte{byte(Exit)})
	if v4[end-1] != 0 {
		t.Fatalf("lookup record does not end with a zero count of waits: % x", v4[a4.Offset:end])
	}
	v3 := slices.Concat(v4[:end-1], v4[end:])
	if v3[8] != Version {
		t.Fatalf("version byte %d, want %d", v3[8], Version)
	}
	v3[8] = 3
	if a3, err := lookup(v3); err != nil || a3.State != "select" || len(a3.PCs) != 1 || a3.Waits != nil {
		t.Errorf("version 3: %+v, %v", a3, err)
	}
	bad := slices.Concat(v4[:end-1], []byte{1, 0xee, 0, 0, 0, 0}, v4[end:])
	if _, err := lookup(bad); err == nil || !strings.Contains(err.Error(), "bad wait kind 238") {
		t.Errorf("a wait of kind 0xee: %v, want bad wait kind 238", err)
	}
}

// A select's cases (SyncKind SelectCase) are new in version 5: in a
// version 4 trace the kind is corrupt, and a version 4 trace without it
// still reads.
func TestSelectCaseVersions(t *testing.T) {
	write := func(kind race.SyncKind) []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf, Header{Exe: "prog"})
		w.Event(Event{Kind: GoStart, G: 1, GoID: 1})
		w.Event(Event{Kind: Sync, G: 1, SyncKind: uint8(kind), Addr: 0xc000040000, Arg: 2 | race.SelectCaseTimer, PC: 0x402410})
		w.Event(Event{Kind: Exit, G: 1})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, tt := range []struct {
		kind    race.SyncKind
		version byte
		err     string
	}{
		{race.SelectCase, Version, ""},
		{race.SelectCase, 4, fmt.Sprintf("bad sync kind %d", race.SelectCase)},
		{race.CondBroadcast, 4, ""},
		{race.SelectCase + 1, Version, fmt.Sprintf("bad sync kind %d", race.SelectCase+1)},
	} {
		data := write(tt.kind)
		if data[8] != Version {
			t.Fatalf("version byte %d, want %d", data[8], Version)
		}
		data[8] = tt.version
		_, evs, err := readAll(data, false)
		if tt.err == "" {
			if err != nil || len(evs) != 3 || evs[1].SyncKind != uint8(tt.kind) || evs[1].Arg != 2|race.SelectCaseTimer {
				t.Errorf("%v in version %d: %+v, %v", tt.kind, tt.version, evs, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%v in version %d: %v, want %q", tt.kind, tt.version, err, tt.err)
		}
	}
}

// A failed CompareAndSwap (Event.Failed, new in version 6) reads back as
// written; in a version 5 trace its op byte is corrupt, and the bit on an
// operation other than CompareAndSwap is corrupt in any version.
func TestFailedCASVersions(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Header{Exe: "prog"})
	w.Event(Event{Kind: GoStart, G: 1, GoID: 1})
	w.Event(Event{Kind: Atomic, G: 1, Op: uint8(race.AtomicCompareAndSwap), Width: 4, Failed: true, Addr: 0xc000010000, PC: 0x402410})
	w.Event(Event{Kind: Atomic, G: 1, Op: uint8(race.AtomicCompareAndSwap), Width: 4, Addr: 0xc000010000, PC: 0x402420})
	w.Event(Event{Kind: Atomic, G: 1, Op: uint8(race.AtomicLoad), Width: 8, Failed: true, Addr: 0xc000010008, PC: 0x402430})
	w.Event(Event{Kind: Exit, G: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	_, evs, err := readAll(data, false)
	if err != nil || len(evs) != 5 {
		t.Fatalf("%+v, %v", evs, err)
	}
	// Failed is dropped from the Load: it means nothing there.
	for i, want := range []bool{true, false, false} {
		if ev := evs[1+i]; ev.Failed != want || ev.Op == 0 || ev.Op > 7 || ev.Width == 0 {
			t.Errorf("atomic %d: %+v, want Failed %v", i, ev, want)
		}
	}
	old := slices.Clone(data)
	old[8] = 5
	if _, _, err := readAll(old, false); err == nil || !strings.Contains(err.Error(), "bad atomic operation 135") {
		t.Errorf("version 5: %v, want bad atomic operation 135", err)
	}
	i := bytes.IndexByte(data, byte(race.AtomicCompareAndSwap)|atomicFailed)
	if i < 0 || data[i-1] != byte(Atomic) {
		t.Fatalf("no failed CompareAndSwap record: % x", data)
	}
	bad := slices.Clone(data)
	bad[i] = byte(race.AtomicAdd) | atomicFailed
	if _, _, err := readAll(bad, false); err == nil || !strings.Contains(err.Error(), "failed atomic operation 4 is no CompareAndSwap") {
		t.Errorf("a failed Add: %v", err)
	}
}

// A version 4 trace's waits have no PC (version 5 ends each with its
// select case's PC): they still read, with PC 0.
func TestLookupWaitsVersion4(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Header{Exe: "prog"})
	w.Event(Event{Kind: GoStart, G: 1, GoID: 1})
	w.Answer(Answer{Kind: Lookup, G: 1, ID: 7, Found: true, Blocked: true, State: "select",
		Waits: []race.Wait{{Kind: race.WaitChanSend, Addr: 0xc000010000}}})
	w.Event(Event{Kind: Exit, G: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	v5 := buf.Bytes()
	end := bytes.LastIndex(v5, []byte{byte(Exit)})
	if v5[end-1] != 0 {
		t.Fatalf("the wait does not end with PC 0: % x", v5)
	}
	v4 := slices.Concat(v5[:end-1], v5[end:])
	v4[8] = 4
	r, err := NewReader(bytes.NewReader(v4))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	a, ok := r.Answer(1, Lookup)
	if want := []race.Wait{{Kind: race.WaitChanSend, Addr: 0xc000010000}}; !ok || !slices.Equal(a.Waits, want) {
		t.Errorf("version 4 waits %+v, %v; want %+v", a.Waits, ok, want)
	}
}
