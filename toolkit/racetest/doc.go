// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package racetest tests a race detector (a runtime/race Policy) the way
// package analysistest of golang.org/x/tools tests an analyzer: on
// testdata packages whose comments say what the detector must report.
//
//	func TestDetector(t *testing.T) {
//		racetest.Run(t, "testdata", mydetector.Policy)
//	}
//
// Run builds the tests of each package under testdata with the detector
// linked in (go test -c -drace=PKG, PKG the package that declares the
// policy's New), runs them with the reports printed as JSON
// (DRACE_FORMAT=json), and matches the detector's reports to the
// packages' want comments:
//
//	counter++ // want race
//	mu2.Lock() // want deadlock "lock order"
//
// A want names a kind (race, atomicmix, deadlock, leak, panic), and
// optionally a Go-quoted regexp the report's "Kind: Message" text must
// match. A report satisfies a want when one of its stacks has its
// innermost frame in the package on the want's line: a race report
// matches at either of its accesses, or at the go statement of one of
// its goroutines. Every report that satisfies no want, and every want no
// report satisfies, is a test error naming its file:line. The syntax and
// the matching are those of drace's race corpus, which uses this
// package's Match.
//
// Testdata packages are in the module of the detector (a testdata
// directory is left out of ./... but can be built), so that the go
// command finds the detector for -drace; they are ordinary test packages,
// one racy case and its fixed twin, say, each a TestX. They are built with the go command running the
// test, which must be drace's patched one.
//
// For unit tests that need no program, Events returns a harness that feeds
// a script of synthetic events to the detector: see package eventtest.
//
// Installed in the patched GOROOT, its import path is
// runtime/race/toolkit/racetest. Unlike the rest of the toolkit it is
// never linked into a detector, only into its tests.
package racetest
