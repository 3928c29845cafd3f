package main

// drace stat: what a trace of the record detector holds.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"drace/detectors/record/trace"
)

const statUsage = "usage: drace stat [-partial] TRACE"

func statCmd(args []string) error {
	fs := flag.NewFlagSet("stat", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	partial := fs.Bool("partial", false, "count what precedes a truncated or malformed record instead of failing")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Println(statUsage)
		return nil
	} else if err != nil {
		return usagef("stat: %v", err)
	}
	if fs.NArg() != 1 {
		return usagef("%s", statUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := traceStats(f, *partial)
	if err != nil {
		return fmt.Errorf("stat %s: %v", fs.Arg(0), err)
	}
	w := bufferedStdout()
	st.print(w)
	w.Flush()
	if st.Err != nil {
		fmt.Fprintf(os.Stderr, "drace: stat %s: partial: %v\n", fs.Arg(0), st.Err)
	}
	return nil
}

type traceStat struct {
	Header     trace.Header
	Bytes      int64
	Events     uint64
	PerKind    [trace.NumKinds]uint64
	Goroutines int
	Stacks     int
	// Addresses are the distinct addresses of memory accesses (plain,
	// range starts, atomics); SyncAddrs those of happens-before edges and
	// Go-native operations; PCs the distinct PCs of all events.
	Addresses, SyncAddrs, PCs int
	Tests                     int       // distinct test names
	Answers                   [3]uint64 // answer records: Lookup, Clock, Callers
	Complete                  bool
	Err                       error
}

func traceStats(in io.Reader, partial bool) (*traceStat, error) {
	r, err := trace.NewReader(in)
	if err != nil {
		return nil, err
	}
	r.Partial = partial
	r.SkipAnswers = true
	st := &traceStat{Header: r.Header()}
	addrs := make(map[uint64]struct{})
	syncs := make(map[uint64]struct{})
	pcs := make(map[uint64]struct{})
	tests := make(map[string]struct{})
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		st.PerKind[ev.Kind]++
		switch ev.Kind {
		case trace.Read, trace.Write, trace.ReadRange, trace.WriteRange, trace.Atomic:
			addrs[ev.Addr] = struct{}{}
		case trace.Acquire, trace.Release, trace.ReleaseMerge, trace.Sync:
			syncs[ev.Addr] = struct{}{}
		case trace.TestStart:
			tests[ev.Name] = struct{}{}
		}
		if ev.PC != 0 {
			pcs[ev.PC] = struct{}{}
		}
	}
	st.Bytes = r.Offset()
	st.Events = r.Count()
	st.Goroutines = r.NumGoroutines()
	st.Stacks = r.NumStacks()
	for k := trace.Lookup; k <= trace.Callers; k++ {
		st.Answers[k-trace.Lookup] = r.NumAnswers(k)
	}
	st.Addresses, st.SyncAddrs, st.PCs, st.Tests = len(addrs), len(syncs), len(pcs), len(tests)
	st.Complete = r.Complete()
	st.Err = r.Err()
	return st, nil
}

func (st *traceStat) print(out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "binary\t%s\n", st.Header.Exe)
	fmt.Fprintf(w, "build ID\t%s\n", st.Header.BuildID)
	fmt.Fprintf(w, "pid\t%d\n", st.Header.PID)
	complete := "yes"
	if !st.Complete {
		complete = "no (no end record: the program did not exit normally, or the trace is cut)"
	}
	fmt.Fprintf(w, "complete\t%s\n", complete)
	fmt.Fprintf(w, "bytes\t%d\n", st.Bytes)
	fmt.Fprintf(w, "events\t%d\n", st.Events)
	if st.Events > 0 {
		fmt.Fprintf(w, "bytes/event\t%.2f\n", float64(st.Bytes)/float64(st.Events))
	}
	fmt.Fprintf(w, "goroutines\t%d\n", st.Goroutines)
	fmt.Fprintf(w, "stacks\t%d\n", st.Stacks)
	fmt.Fprintf(w, "addresses\t%d\n", st.Addresses)
	fmt.Fprintf(w, "sync addresses\t%d\n", st.SyncAddrs)
	fmt.Fprintf(w, "locations (PCs)\t%d\n", st.PCs)
	fmt.Fprintf(w, "tests\t%d\n", st.Tests)
	fmt.Fprintf(w, "\nkind\tevents\n")
	for k := trace.Read; int(k) < trace.NumKinds; k++ {
		if n := st.PerKind[k]; n > 0 && k.IsEvent() {
			fmt.Fprintf(w, "%v\t%d\n", k, n)
		}
	}
	if st.Answers != [3]uint64{} {
		fmt.Fprintf(w, "\nanswer\trecords\n")
		for k := trace.Lookup; k <= trace.Callers; k++ {
			fmt.Fprintf(w, "%v\t%d\n", k, st.Answers[k-trace.Lookup])
		}
	}
	w.Flush()
}
