// Package gosuite scores a race detector on the Go distribution's own race
// tests (GOROOT/src/runtime/race/testdata), as ../shared/eval/gosuite.sh
// does: the log of `go test -count=1 -v FLAGS ./testdata/*_test.go` run in
// GOROOT/src/runtime/race, where every TestRace* must report a race and no
// TestNoRace* may. A test reported if its output holds "DATA RACE" (from
// ThreadSanitizer or any detector) or "fatal error: concurrent map".
package gosuite

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// A Test is one test of the log: a "=== RUN   Test(No)Race…" line and the
// output up to the next RUN line.
type Test struct {
	Name    string // without "Test", as gosuite.sh prints it: "RaceX", "NoRaceX/sub"
	Want    bool   // a TestRace*: must report
	Got     bool   // reported
	Skipped bool   // a "--- SKIP:" line came before the next RUN line
}

// A Result is a parsed log.
type Result struct {
	Tests []Test
	// Complete is whether the run printed "ALL TESTS COMPLETE" (the race
	// tests' TestMain does at the end): a log without it is a broken run.
	Complete bool
}

const runPrefix = "=== RUN   Test"

// Parse parses a log as gosuite.sh's awk script does, line by line: a RUN
// line of a test named Test(No)Race… starts a test (subtests too, as their
// own tests), other RUN lines end it; "--- SKIP:" skips the current test
// and "DATA RACE" or "fatal error: concurrent map" marks it reported.
func Parse(log []byte) *Result {
	r := new(Result)
	var cur *Test
	flush := func() {
		if cur != nil {
			r.Tests = append(r.Tests, *cur)
			cur = nil
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "ALL TESTS COMPLETE") {
			r.Complete = true
		}
		if name, ok := strings.CutPrefix(line, runPrefix); ok {
			flush()
			if strings.HasPrefix(name, "Race") || strings.HasPrefix(name, "NoRace") {
				cur = &Test{Name: name, Want: strings.HasPrefix(name, "Race")}
			}
			continue
		}
		if cur == nil {
			continue
		}
		if strings.Contains(line, "--- SKIP:") {
			cur.Skipped = true
		}
		if strings.Contains(line, "DATA RACE") || strings.Contains(line, "fatal error: concurrent map") {
			cur.Got = true
		}
	}
	flush()
	return r
}

// A Score is a detector's score on the suite.
type Score struct {
	Passed, Total int
	FP, FN        int
	// Failed are gosuite.sh's lines for the failing tests, in log order:
	// "FAILED+ NoRaceX" for a false positive, "FAILED- RaceX" for a miss.
	Failed []string
}

// Score scores the result; skipped tests do not count.
func (r *Result) Score() Score {
	var s Score
	for _, t := range r.Tests {
		if t.Skipped {
			continue
		}
		s.Total++
		switch {
		case t.Want == t.Got:
			s.Passed++
		case t.Got:
			s.FP++
			s.Failed = append(s.Failed, "FAILED+ "+t.Name)
		default:
			s.FN++
			s.Failed = append(s.Failed, "FAILED- "+t.Name)
		}
	}
	return s
}

// Percent is the share of tests passed, 0 with no tests.
func (s Score) Percent() float64 {
	if s.Total == 0 {
		return 0
	}
	return 100 * float64(s.Passed) / float64(s.Total)
}

// String is gosuite.sh's summary line: "Passed N of M tests (P%, F+, F-)".
func (s Score) String() string {
	return fmt.Sprintf("Passed %d of %d tests (%.2f%%, %d+, %d-)", s.Passed, s.Total, s.Percent(), s.FP, s.FN)
}
