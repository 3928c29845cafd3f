package main

import (
	"bytes"
	"strings"
	"testing"

	"drace/detectors/record/trace"
)

func TestExportSTD(t *testing.T) {
	var buf bytes.Buffer
	w := trace.NewWriter(&buf, trace.Header{Exe: "/nonexistent"})
	for _, ev := range []trace.Event{
		{Kind: trace.GoStart, G: 1, GoID: 1},
		{Kind: trace.GoStart, G: 2, Parent: 1, GoID: 5, PC: 0x401000},
		{Kind: trace.Write, G: 1, Addr: 0x1000, PC: 0x401010},
		{Kind: trace.ReadRange, G: 2, Addr: 0x1004, Size: 12, PC: 0x402000}, // words 0x1000 and 0x1008
		{Kind: trace.Atomic, G: 2, Op: 1, Width: 8, Addr: 0x2000, PC: 0x402010},
		{Kind: trace.Acquire, G: 2, Addr: 0x2000, PC: 0x402010}, // the load's edge
		{Kind: trace.Atomic, G: 1, Op: 4, Width: 4, Addr: 0x2000, PC: 0x401020},
		{Kind: trace.Acquire, G: 1, Addr: 0x2000, PC: 0x401020}, // the add's edges
		{Kind: trace.Release, G: 1, Addr: 0x2000, PC: 0x401020},
		{Kind: trace.Atomic, G: 2, Op: 7, Width: 4, Failed: true, Addr: 0x2000, PC: 0x402020},
		{Kind: trace.Acquire, G: 2, Addr: 0x2000, PC: 0x402020}, // a failed CompareAndSwap's one edge: a load
		{Kind: trace.Release, G: 1, Addr: 0x3000},               // a channel send, say
		{Kind: trace.Malloc, Addr: 0x4000, Size: 8},
		{Kind: trace.Acquire, G: 2, Addr: 0x3000},
		{Kind: trace.GoEnd, G: 2},
	} {
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	var out bytes.Buffer
	if _, err := exportSTD(bytes.NewReader(buf.Bytes()), false, &out); err != nil {
		t.Fatal(err)
	}
	want := `T1|fork(T2)|1
T1|w(V1000)|2
T2|r(V1004)|3
T2|r(V1008)|3
T2|acq(A2000)|4
T2|r(V2000)|4
T2|rel(A2000)|4
T1|acq(A2000)|5
T1|w(V2000)|5
T1|rel(A2000)|5
T2|acq(A2000)|6
T2|r(V2000)|6
T2|rel(A2000)|6
T1|acq(L3000)|0
T1|rel(L3000)|0
T2|acq(L3000)|0
T2|rel(L3000)|0
`
	if got := out.String(); got != want {
		t.Errorf("export:\n%s\nwant:\n%s", got, want)
	}
	// A cut trace is an error naming its offset.
	_, err := exportSTD(bytes.NewReader(buf.Bytes()[:buf.Len()-5]), false, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "byte offset") {
		t.Errorf("cut trace: %v", err)
	}
}

func TestStat(t *testing.T) {
	var buf bytes.Buffer
	w := trace.NewWriter(&buf, trace.Header{Exe: "/x"})
	w.Stack(3, []uint64{0x400100})
	for _, ev := range []trace.Event{
		{Kind: trace.GoStart, G: 1, GoID: 1},
		{Kind: trace.Write, G: 1, Addr: 0x1000, PC: 0x401010, Stack: 3},
		{Kind: trace.Read, G: 1, Addr: 0x1000, PC: 0x401020, Stack: 3},
		{Kind: trace.TestStart, G: 1, Name: "TestA"},
		{Kind: trace.Release, G: 1, Addr: 0x3000},
	} {
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	st, err := traceStats(bytes.NewReader(buf.Bytes()), false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 5 || st.Goroutines != 1 || st.Stacks != 1 || st.Addresses != 1 || st.SyncAddrs != 1 || st.PCs != 2 || st.Tests != 1 || !st.Complete || st.PerKind[trace.Write] != 1 {
		t.Errorf("stats %+v", st)
	}
}
