// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package racetest_test

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"drace/toolkit/racetest"
	"drace/toolkit/racetest/testdata/det"
)

// Run passes on a racy case whose race has its want and on its fixed twin.
func TestRun(t *testing.T) {
	skipUnsupported(t)
	racetest.Run(t, "testdata/src", det.Policy)
}

// fakeT records the errors a test reports, to check that Run fails
// when it must.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	panic("fatal")
}

// Run reports a want no report matches, and a report matching no want,
// by file:line.
func TestRunMismatches(t *testing.T) {
	skipUnsupported(t)
	for _, tc := range []struct{ pkg, want string }{
		{"missing", "testdata/bad/missing/missing_test.go:8: no report matching want race"},
		{"unexpected", "testdata/bad/unexpected/unexpected_test.go:16: unexpected race report: DATA RACE"},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			f := &fakeT{TB: t}
			racetest.Run(f, "testdata/bad", det.Policy, tc.pkg)
			if len(f.errors) != 1 || !strings.HasPrefix(f.errors[0], tc.want) {
				t.Errorf("errors:\n%s\nwant one starting %q", strings.Join(f.errors, "\n"), tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	parse := func(s string) racetest.Want {
		ws, err := racetest.ParseWant(s)
		if err != nil || len(ws) != 1 {
			t.Fatalf("ParseWant(%q) = %v, %v", s, ws, err)
		}
		ws[0].File, ws[0].Line = "a_test.go", 10
		return ws[0]
	}
	race := racetest.Finding{Kind: "race", Text: "DATA RACE", Pos: []racetest.Pos{{"a_test.go", 12}, {"a_test.go", 10}}}
	deadlock := racetest.Finding{Kind: "deadlock", Text: "POTENTIAL DEADLOCK: lock order inversion", Pos: []racetest.Pos{{"a_test.go", 10}}}
	wants := []racetest.Want{parse(" race"), parse(` deadlock "lock order"`), parse(` deadlock "recursive"`), parse(" leak")}
	unexpected, unmatched := racetest.Match(wants, []racetest.Finding{race, deadlock, {Kind: "race", Text: "DATA RACE"}})
	if !slices.Equal(unexpected, []int{2}) || !slices.Equal(unmatched, []int{2, 3}) {
		t.Errorf("Match: unexpected %v, unmatched %v; want [2], [2 3]", unexpected, unmatched)
	}
}

func TestParseWant(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"race", `[a:1: want race]`},
		{` race deadlock "lock\torder"`, `[a:1: want race a:1: want deadlock "lock\torder"]`},
		{"\tleak `created by` panic", `[a:1: want leak "created by" a:1: want panic]`},
		{"", "want: no kind"},
		{"races", `want: unknown kind "races" (kinds: race atomicmix deadlock leak panic)`},
		{`"x"`, `want: regexp "x" follows no kind`},
		{`race "x""y"`, `want: no space after "x"`},
		{`race "("`, "want: error parsing regexp: missing closing ): `(`"},
	} {
		ws, err := racetest.ParseWant(tc.in)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			var s []string
			for _, w := range ws {
				w.File, w.Line = "a", 1
				s = append(s, w.String())
			}
			got = "[" + strings.Join(s, " ") + "]"
		}
		if got != tc.want {
			t.Errorf("ParseWant(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFileWants(t *testing.T) {
	const src = `package p

func f() {
	x++ // want race
	y++ // wanted, not a want
	// want deadlock "order"
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("dir", "p.go"), src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := racetest.FileWants(fset, f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.String())
	}
	if want := []string{"p.go:4: want race", `p.go:6: want deadlock "order"`}; !slices.Equal(got, want) {
		t.Errorf("FileWants = %q, want %q", got, want)
	}
}

func skipUnsupported(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("-drace is supported only on linux/amd64")
	}
	if testing.Short() {
		t.Skip("builds and runs test binaries")
	}
}
