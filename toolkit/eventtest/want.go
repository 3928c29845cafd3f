// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"fmt"
	"runtime/race"
	"strconv"
	"strings"
	"testing"
)

// A Case is a synthetic event stream and the reports a detector is to make
// of it: one pattern per report (see Match).
type Case struct {
	Name  string
	Steps []Step
	Want  []string
}

// Races returns n patterns "DATA RACE": n data race reports, whatever
// their accesses.
func Races(n int) []string { return Repeat(n, "DATA RACE") }

// Repeat returns n copies of pattern: n reports matching it.
func Repeat(n int, pattern string) []string {
	want := make([]string, n)
	for i := range want {
		want[i] = pattern
	}
	return want
}

// RunCases runs each case as a subtest of t: it feeds the case's steps to
// a new detector of newDetector's and checks its reports against the
// case's Want (Check). Following the race detector's own tests, a test
// named TestNoRace... must want no reports of any case, and one named
// TestRace... some of each.
func RunCases(t *testing.T, newDetector func() race.Detector, cases []Case) {
	t.Helper()
	noRace := strings.HasPrefix(t.Name(), "TestNoRace")
	isRace := strings.HasPrefix(t.Name(), "TestRace")
	for _, c := range cases {
		switch {
		case noRace && len(c.Want) > 0:
			t.Errorf("%s/%s: a case of a TestNoRace test wants %d reports", t.Name(), c.Name, len(c.Want))
			continue
		case isRace && len(c.Want) == 0:
			t.Errorf("%s/%s: a case of a TestRace test wants no report", t.Name(), c.Name)
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Helper()
			h := New(t, newDetector())
			h.Check(h.Run(c.Steps...), c.Want...)
		})
	}
}

// Check reports an error unless reps match want, a pattern per report in
// any order (see Match); the message shows the script delivered and the
// reports.
func (h *Harness) Check(reps []race.Report, want ...string) {
	h.t.Helper()
	if err := Match(reps, want...); err != nil {
		h.t.Errorf("%v\nscript:\n%sreports:\n%swant:\n\t%s", err, h.Script(), format(reps, &h.names), strings.Join(want, "\n\t"))
	}
}

// Match reports whether reps match want, one pattern per report, in any
// order. A pattern is a report's Kind, "*" for any kind, optionally
// followed by a colon and its accesses, all of them, in order, separated
// by commas:
//
//	DATA RACE
//	DATA RACE: write g2, previous write g1
//	DATA RACE: read g3 pc=0x2222 addr=0xc000010003 size=1, previous atomic write g1
//	POTENTIAL DEADLOCK: lock g1, previous lock g1
//
// An access is described by words in any order: "previous" and "atomic"
// if and only if the access has Previous and Atomic set; "read" or "write"
// for an access without a Verb, else the Verb (case-insensitive); gN, the
// goroutine; and pc=, addr=, size= and stack= for those fields, in Go's
// integer syntax. A field not given is not checked. Format writes
// accesses in this syntax.
func Match(reps []race.Report, want ...string) error {
	pats := make([]pattern, len(want))
	for i, w := range want {
		p, err := parsePattern(w)
		if err != nil {
			return err
		}
		pats[i] = p
	}
	if len(reps) != len(want) {
		return fmt.Errorf("got %d reports, want %d", len(reps), len(want))
	}
	// Find a report for each pattern (a bipartite matching, by augmenting
	// paths: patterns may be more general than one another).
	owner := make([]int, len(reps)) // the pattern matched to each report, +1
	for i := range pats {
		seen := make([]bool, len(reps))
		if !augment(i, pats, reps, owner, seen) {
			return fmt.Errorf("no report matches %q (of the rest)", want[i])
		}
	}
	return nil
}

func augment(i int, pats []pattern, reps []race.Report, owner []int, seen []bool) bool {
	for j := range reps {
		if seen[j] || !pats[i].match(&reps[j]) {
			continue
		}
		seen[j] = true
		if owner[j] == 0 || augment(owner[j]-1, pats, reps, owner, seen) {
			owner[j] = i + 1
			return true
		}
	}
	return false
}

type pattern struct {
	kind     string // "*": any
	accesses []accessPattern
	all      bool // accesses given: the report has exactly these
}

type accessPattern struct {
	previous, atomic bool
	verb             string // "": any
	g, pc, addr      *uint64
	size, stack      *uint64
}

func parsePattern(s string) (pattern, error) {
	kind, accs, found := strings.Cut(s, ":")
	p := pattern{kind: strings.TrimSpace(kind), all: found}
	if !found {
		return p, nil
	}
	for a := range strings.SplitSeq(accs, ",") {
		ap, err := parseAccess(a)
		if err != nil {
			return p, fmt.Errorf("pattern %q: %v", s, err)
		}
		p.accesses = append(p.accesses, ap)
	}
	return p, nil
}

func parseAccess(s string) (accessPattern, error) {
	var ap accessPattern
	var verb []string
	num := func(v string) (*uint64, error) {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			return nil, err
		}
		return &n, nil
	}
	for _, w := range strings.Fields(s) {
		var err error
		key, val, isKV := strings.Cut(w, "=")
		switch {
		case w == "previous":
			ap.previous = true
		case w == "atomic":
			ap.atomic = true
		case isKV && key == "pc":
			ap.pc, err = num(val)
		case isKV && key == "addr":
			ap.addr, err = num(val)
		case isKV && key == "size":
			ap.size, err = num(val)
		case isKV && key == "stack":
			ap.stack, err = num(val)
		case len(w) > 1 && w[0] == 'g' && w[1] >= '0' && w[1] <= '9':
			ap.g, err = num(w[1:])
		default:
			verb = append(verb, w)
		}
		if err != nil {
			return ap, fmt.Errorf("access %q: %v", strings.TrimSpace(s), err)
		}
	}
	ap.verb = strings.Join(verb, " ")
	return ap, nil
}

func (p *pattern) match(r *race.Report) bool {
	if p.kind != "*" && p.kind != r.Kind {
		return false
	}
	if !p.all {
		return true
	}
	if len(p.accesses) != len(r.Accesses) {
		return false
	}
	for i := range p.accesses {
		if !p.accesses[i].match(&r.Accesses[i]) {
			return false
		}
	}
	return true
}

func (ap *accessPattern) match(a *race.ReportAccess) bool {
	if ap.previous != a.Previous || ap.atomic != a.Atomic {
		return false
	}
	if ap.verb != "" && !strings.EqualFold(ap.verb, verb(a)) {
		return false
	}
	eq := func(want *uint64, got uint64) bool { return want == nil || *want == got }
	return eq(ap.g, uint64(a.G)) && eq(ap.pc, uint64(a.PC)) && eq(ap.addr, uint64(a.Addr)) &&
		eq(ap.size, uint64(a.Size)) && eq(ap.stack, uint64(a.Stack))
}

func verb(a *race.ReportAccess) string {
	switch {
	case a.Verb != "":
		return a.Verb
	case a.Write:
		return "write"
	}
	return "read"
}

// Format formats reports for a test's failure message: a line "Kind" or
// "Kind: Message" per report, then a line per access in Match's syntax, with its
// Note and Frames if set.
func Format(reps []race.Report) string { return format(reps, nil) }

// format is Format with the addresses named by names; the pattern syntax
// has no names, so each is followed by its address.
func format(reps []race.Report, names *names) string {
	var b strings.Builder
	for _, r := range reps {
		b.WriteString(r.Kind)
		if r.Message != "" {
			fmt.Fprintf(&b, ": %s", r.Message)
		}
		b.WriteString("\n")
		for i := range r.Accesses {
			a := &r.Accesses[i]
			b.WriteString("\t")
			if a.Previous {
				b.WriteString("previous ")
			}
			if a.Atomic {
				b.WriteString("atomic ")
			}
			fmt.Fprintf(&b, "%s g%d pc=%#x addr=%#x size=%d stack=%d", verb(a), a.G, a.PC, a.Addr, a.Size, a.Stack)
			if n := names.format(a.Addr); n[0] != '0' {
				fmt.Fprintf(&b, " [%s]", n)
			}
			if a.Frames != nil {
				fmt.Fprintf(&b, " frames=%#x", a.Frames)
			}
			if a.Note != "" {
				fmt.Fprintf(&b, " (%s)", a.Note)
			}
			b.WriteString("\n")
		}
		if r.Goroutines != nil {
			fmt.Fprintf(&b, "\tgoroutines %v\n", r.Goroutines)
		}
	}
	return b.String()
}
