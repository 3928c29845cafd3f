// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package policytest checks a built-in detector with racetest, as any
// detector is checked: linked into the test programs of its testdata, it
// reports what their want comments say, and nothing in the fixed twins.
package policytest

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"drace/toolkit/racetest"
	"runtime/race"
)

// Run runs racetest on the detector's testdata directory (its racy case
// and fixed twin). It is skipped in -short mode, and for the copy of the
// detector installed in the patched GOROOT: there the testdata packages
// are standard-library code, which detectors leave alone.
func Run(t *testing.T, p *race.Policy) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs test programs")
	}
	if fn := runtime.FuncForPC(reflect.ValueOf(p.New).Pointer()); fn != nil && strings.HasPrefix(fn.Name(), "runtime/") {
		t.Skip("installed in the GOROOT, where testdata packages are standard-library code")
	}
	racetest.Run(t, "testdata", p)
}
