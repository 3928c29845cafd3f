package main

// drace export: a trace of the record detector in another tool's format.
//
// -format=std is RAPID's STD format (https://github.com/umangm/rapid), one
// event per line:
//
//	T<tid>|<op>(<arg>)|<loc>
//
// with ops r(V) w(V) acq(L) rel(L) fork(T) join(T). The mapping:
//
//   - Threads: T<n>, n being the trace goroutine number (1, 2, ... in the
//     order goroutines were first seen; a cleanup's context and each
//     timers context are threads of their own). GoStart with a parent is
//     fork(T<child>) on the parent; Go has no join, so join is never
//     written (waiting goes through synchronisation, below).
//   - Variables: V<hex address>. A plain access (Read, Write) names its
//     address; a range access [a, a+n) is one event per 8-byte word it
//     overlaps, named by a for the first and by the word's address for
//     the others (at most 64 words per range: longer ranges are cut),
//     so an aligned variable is named alike by plain and range accesses.
//   - Happens-before edges: STD has only locks, so every Acquire,
//     Release and ReleaseMerge on address m becomes a one-event critical
//     section acq(L<hex m>) rel(L<hex m>) on the goroutine. A lock's
//     order then orders every edge on m: a release before an acquire
//     keeps its edge, and a release merges into what earlier
//     critical sections released (ReleaseMerge's semantics; a plain
//     Release's replacement of earlier releases is lost), but an acquire
//     now also orders later releases on m after it. This only adds
//     ordering: it can hide races, never invent one.
//   - sync/atomic: an operation on address x is a critical section on a
//     lock A<hex x> around the access, acq(A<x>) r(V<x>) rel(A<x>) for a
//     load or a failed CompareAndSwap and the same with w(V<x>) for a
//     store or read-modify-write;
//     the Acquire/Release records the runtime sends for the atomic are
//     not written again. Atomics on x are so totally ordered (stronger
//     than Go's model as ThreadSanitizer sees it, where loads do not
//     order one another) and still race with plain accesses to x.
//   - Not written: Go-native operations (their edges are the
//     Acquire/Release records), AcquireAll (before finalizers: a race
//     with a finalizer may be reported), goroutine ends, allocations,
//     test and exit events, report points.
//   - Locations: <loc> is a number, 1, 2, ... per distinct PC (0 for none);
//     with -locations=FILE, FILE gets one line per number:
//     "<loc>\t<pc>\t<function>\t<file>:<line>".
//
// Variables, locks and threads are named as above, not renumbered, so
// that a report of a tool names the same address as drace's reports.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"drace/detectors/record/trace"
	"drace/internal/symbolize"
)

const exportUsage = "usage: drace export -format=std [-partial] [-locations=FILE] [-binary=BIN] TRACE"

func exportCmd(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "std", "output format: std (RAPID)")
	partial := fs.Bool("partial", false, "export what precedes a truncated or malformed record instead of failing")
	locations := fs.String("locations", "", "write the location table (number, PC, function, file:line) to this file")
	binary := fs.String("binary", "", "the traced binary, for -locations (default: the path the trace names)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Println(exportUsage)
		return nil
	} else if err != nil {
		return usagef("export: %v", err)
	}
	if fs.NArg() != 1 {
		return usagef("%s", exportUsage)
	}
	if *format != "std" {
		return usagef("export: unknown format %q (have std)", *format)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	if !*partial {
		// A malformed trace is an error before any output: check it
		// first (the export is streamed, it can be large).
		if _, err := traceStats(f, false); err != nil {
			return fmt.Errorf("export %s: %v", fs.Arg(0), err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	w := bufferedStdout()
	x, err := exportSTD(f, *partial, w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("export %s: %v", fs.Arg(0), err)
	}
	if *locations != "" {
		if err := x.writeLocations(*locations, *binary); err != nil {
			return err
		}
	}
	if x.err != nil {
		fmt.Fprintf(os.Stderr, "drace: export %s: partial: %v\n", fs.Arg(0), x.err)
	}
	return nil
}

type stdExporter struct {
	r    *trace.Reader
	out  io.Writer
	locs map[uint64]int
	pcs  []uint64 // by location number - 1
	// pending are the Acquire/Release records still expected after an
	// Atomic record, per goroutine: the edges of the atomic, not
	// written again.
	pending map[uint64]pendingAtomic
	err     error
	line    []byte
}

type pendingAtomic struct {
	addr    uint64
	acquire bool // an Acquire is still expected (then a Release if release)
	release bool
}

const maxRangeWords = 64

func exportSTD(in io.Reader, partial bool, out io.Writer) (*stdExporter, error) {
	r, err := trace.NewReader(in)
	if err != nil {
		return nil, err
	}
	r.Partial = partial
	r.SkipAnswers = true
	x := &stdExporter{r: r, out: out, locs: make(map[uint64]int), pending: make(map[uint64]pendingAtomic)}
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := x.event(&ev); err != nil {
			return nil, err
		}
	}
	x.err = r.Err()
	return x, nil
}

func (x *stdExporter) loc(pc uint64) int {
	if pc == 0 {
		return 0
	}
	n, ok := x.locs[pc]
	if !ok {
		x.pcs = append(x.pcs, pc)
		n = len(x.pcs)
		x.locs[pc] = n
	}
	return n
}

func (x *stdExporter) emit(tid uint64, op string, prefix byte, arg uint64, loc int) error {
	b := x.line[:0]
	b = append(b, 'T')
	b = strconv.AppendUint(b, tid, 10)
	b = append(b, '|')
	b = append(b, op...)
	b = append(b, '(', prefix)
	if prefix == 'T' {
		b = strconv.AppendUint(b, arg, 10)
	} else {
		b = strconv.AppendUint(b, arg, 16)
	}
	b = append(b, ")|"...)
	b = strconv.AppendInt(b, int64(loc), 10)
	b = append(b, '\n')
	x.line = b
	_, err := x.out.Write(b)
	return err
}

func (x *stdExporter) event(ev *trace.Event) error {
	loc := x.loc(ev.PC)
	switch ev.Kind {
	case trace.Read, trace.Write:
		op := "r"
		if ev.Kind == trace.Write {
			op = "w"
		}
		return x.emit(ev.G, op, 'V', ev.Addr, loc)
	case trace.ReadRange, trace.WriteRange:
		op := "r"
		if ev.Kind == trace.WriteRange {
			op = "w"
		}
		end := ev.Addr + ev.Size
		for a, n := ev.Addr, 0; a < end && n < maxRangeWords; n++ {
			if err := x.emit(ev.G, op, 'V', a, loc); err != nil {
				return err
			}
			a = (a + 8) &^ 7
		}
		return nil
	case trace.Atomic:
		op, p := "w", pendingAtomic{addr: ev.Addr, acquire: true, release: true}
		switch {
		case ev.Op == 1 || ev.Failed: // Load, or a CompareAndSwap that only loaded
			op, p.release = "r", false
		case ev.Op == 2: // Store
			p.acquire = false
		}
		x.pending[ev.G] = p
		if err := x.emit(ev.G, "acq", 'A', ev.Addr, loc); err != nil {
			return err
		}
		if err := x.emit(ev.G, op, 'V', ev.Addr, loc); err != nil {
			return err
		}
		return x.emit(ev.G, "rel", 'A', ev.Addr, loc)
	case trace.Acquire, trace.Release, trace.ReleaseMerge:
		if p, ok := x.pending[ev.G]; ok && p.addr == ev.Addr {
			switch {
			case ev.Kind == trace.Acquire && p.acquire:
				p.acquire = false
				if p.release {
					x.pending[ev.G] = p
				} else {
					delete(x.pending, ev.G)
				}
				return nil
			case ev.Kind == trace.Release && !p.acquire && p.release:
				delete(x.pending, ev.G)
				return nil
			}
		}
		delete(x.pending, ev.G)
		if err := x.emit(ev.G, "acq", 'L', ev.Addr, loc); err != nil {
			return err
		}
		return x.emit(ev.G, "rel", 'L', ev.Addr, loc)
	case trace.GoStart:
		if ev.Parent != 0 {
			return x.emit(ev.Parent, "fork", 'T', ev.G, loc)
		}
	}
	return nil
}

// writeLocations writes the location table, symbolized from the binary.
func (x *stdExporter) writeLocations(name, binary string) error {
	if binary == "" {
		binary = x.r.Header().Exe
	}
	tab, err := symbolize.Open(binary)
	if err != nil {
		return fmt.Errorf("the traced binary: %v (pass -binary)", err)
	}
	defer tab.Close()
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufferedWriter(f)
	for i, pc := range x.pcs {
		fr := tab.Location(pc)
		fmt.Fprintf(w, "%d\t%#x\t%s\t%s:%d\n", i+1, pc, fr.Function, fr.File, fr.Line)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
