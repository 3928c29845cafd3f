// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package racetest

import (
	"path/filepath"
	"runtime/race"
	"slices"
	"testing"
)

// The detector to link is the package of the policy's New.
func TestPolicyPackage(t *testing.T) {
	p := &race.Policy{Name: "x", New: func() race.Detector { return nil }}
	got, err := policyPackage(p)
	if want := "drace/toolkit/racetest"; got != want || err != nil {
		t.Errorf("policyPackage = %q, %v; want %q", got, err, want)
	}
	if _, err := policyPackage(&race.Policy{Name: "x"}); err == nil {
		t.Errorf("policyPackage of a policy without New: no error")
	}
}

// parse keeps the named detector's JSON reports with their positions in
// the package's directory, and reports crashes and disabled detectors.
func TestParse(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "src", "racy"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.ToSlash(filepath.Join(dir, "racy_test.go"))
	out := `=== RUN   TestCounter
{"detector":"det","kind":"DATA RACE","message":"","accesses":[{"stack":[{"file":"/elsewhere/x.go","line":3},{"file":"` + f + `","line":16}]},{"stack":[{"file":"` + f + `","line":16}]}],"goroutines":[{"created":[{"file":"` + f + `","line":14}]}]}
{"detector":"other","kind":"DATA RACE","message":"","accesses":[],"goroutines":[]}
{"detector":"det","kind":"GOROUTINE LEAK","message":"still running","accesses":[{"stack":[{"file":"/elsewhere/y.go","line":1}]}],"goroutines":[]}
DRACE: detector det panicked and is disabled: boom
panic: test timed out after 5m0s
`
	findings, problems := parse([]byte(out), "det", filepath.Join("testdata", "src", "racy"))
	want := []Finding{
		{Kind: "race", Text: "DATA RACE", Pos: []Pos{{"racy_test.go", 16}, {"racy_test.go", 14}}},
		{Kind: "leak", Text: "GOROUTINE LEAK: still running"},
	}
	if !slices.EqualFunc(findings, want, func(a, b Finding) bool {
		return a.Kind == b.Kind && a.Text == b.Text && slices.Equal(a.Pos, b.Pos)
	}) {
		t.Errorf("findings = %+v, want %+v", findings, want)
	}
	wantProblems := []string{
		"DRACE: detector det panicked and is disabled: boom",
		"the test binary crashed: panic: test timed out after 5m0s",
	}
	if !slices.Equal(problems, wantProblems) {
		t.Errorf("problems = %q, want %q", problems, wantProblems)
	}
}
