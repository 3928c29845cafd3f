// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package eventtest tests a race detector (a runtime/race Detector) on
// synthetic event streams, without running a program: a script of steps
// (reads and writes, atomics, happens-before edges, mutex operations,
// go statements, allocations, tests starting and ending...) by goroutines
// named by number, fed to a fresh detector, whose reports are checked
// against compact patterns.
//
//	h := eventtest.New(t, mydetector.Policy.New())
//	reps := h.Run(
//		eventtest.Write(1, x),
//		eventtest.Unlock(1, mu),
//		eventtest.Lock(2, mu),
//		eventtest.Write(2, x),
//	)
//	h.Check(reps) // no report
//
// A table of Cases runs with RunCases, a subtest per case.
//
// Concurrently runs a detector's methods from several goroutines at once,
// outside any script, to test its own locking.
//
// # Faithful delivery
//
// A Harness delivers its steps through package runtime/race's own
// dispatcher, with a race.Replayer, so that a detector receives the calls
// the runtime makes for the same operations, in the same order: memory
// accesses gathered in a batch per goroutine (a race.AccessBatch for an
// AccessDetector, unpacked for a ReadWriteDetector) and delivered before
// the goroutine's next event of another kind (Yield is one that makes no
// callback), before another goroutine's event and before reports are
// collected; a goroutine that started before
// the detector announced by OnGoStart with a nil parent before its first
// event; an atomic operation followed by the acquire and release it
// implies; range accesses through OnRead and OnWrite for a detector that
// is no RangeDetector; a panic in a callback recovered and the detector
// disabled (the harness reports it as a test error). Steps that stand for
// a sync operation (Lock, RUnlock, ...) deliver every event package sync
// makes for it, native operation and edges. So a detector that passes its
// synthetic tests has been driven through the entry points a running
// program drives.
//
// Each step has a PC and a call stack: those given with At and InStack, or
// else ones of its own, PC(n) and Stack(n) for the n-th step delivered,
// so that distinct steps are distinct code locations. Stacks here are
// numbers the runtime never made: a detector's tests compare them, and
// must not print them with race.StackID.Frames.
//
// # Reports
//
// Run returns the detector's race.Report values: those of each call of its
// Report method, made where the runtime makes it (before a test starts and
// after it ends, after a Lock call that may block, at exit) and at the end
// of the run. Check (and Match) compare them with patterns, one per
// report, in any order:
//
//	DATA RACE
//	DATA RACE: write g2, previous write g1
//	DATA RACE: read g3 pc=0x2222, previous atomic write g1 addr=0xc000010000 size=8
//
// and a failure prints the script delivered, its steps numbered with their
// PCs, and the reports in the same syntax (Format), with the addresses
// named by Harness.Name shown by name.
//
// Allocs and NoDropAllocs check that OnMalloc and OnFree, which run inside
// the allocator, do not allocate.
//
// Host answers a detector's questions about the program (race.Host) with
// the test binary's own functions and stacks the test makes up, for a
// detector that classifies code or walks stacks (SetHost installs it).
//
// Only tests use the package; it is not compiled into detectors. Installed
// in the patched GOROOT, its import path is runtime/race/toolkit/eventtest.
package eventtest
