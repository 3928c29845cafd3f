// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package racetest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// WantKinds are the kinds a want comment may name: "race" for a data race
// (DATA RACE), "atomicmix" (MIXED ATOMIC ACCESS), "deadlock" (POTENTIAL
// DEADLOCK, TEST TIMEOUT), "leak" (GOROUTINE LEAK, GOROUTINE EXPLOSION) and "panic".
var WantKinds = []string{"race", "atomicmix", "deadlock", "leak", "panic"}

// A Want is one expectation of a want comment: a report of Kind one of
// whose positions is File:Line and whose "Kind: Message" text matches
// Regexp (when set).
type Want struct {
	File   string // the file's base name
	Line   int
	Kind   string
	Regexp *regexp.Regexp // nil: any message
}

func (w Want) String() string {
	s := fmt.Sprintf("%s:%d: want %s", w.File, w.Line, w.Kind)
	if w.Regexp != nil {
		s += " " + strconv.Quote(w.Regexp.String())
	}
	return s
}

// A Pos is a line of a file, by the file's base name.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// A Finding is a report as wants see it: its want kind (see WantKind), its
// "Kind: Message" text, and its positions in the files under test (the
// innermost frame in them of each of its stacks).
type Finding struct {
	Kind string
	Text string
	Pos  []Pos
}

// WantKind maps a report's kind, as in its title, to the want kind it
// satisfies; a kind no want names maps to its lower-cased self.
func WantKind(kind string) string {
	switch kind {
	case "DATA RACE":
		return "race"
	case "MIXED ATOMIC ACCESS":
		return "atomicmix"
	case "POTENTIAL DEADLOCK", "TEST TIMEOUT":
		return "deadlock"
	case "GOROUTINE LEAK", "GOROUTINE EXPLOSION":
		return "leak"
	}
	return strings.ToLower(kind)
}

// Matches reports whether finding f satisfies want w: the same kind, w's
// line among f's positions, and w's regexp (if any) matching f's text.
func Matches(f Finding, w Want) bool {
	return f.Kind == w.Kind &&
		slices.Contains(f.Pos, Pos{w.File, w.Line}) &&
		(w.Regexp == nil || w.Regexp.MatchString(f.Text))
}

// Match matches one run's findings against wants. It returns the indexes
// of the findings that match no want and of the wants that no finding
// matches. A finding may satisfy several wants (a race's two accesses).
func Match(wants []Want, findings []Finding) (unexpected, unmatched []int) {
	matched := make([]bool, len(wants))
	for i, f := range findings {
		ok := false
		for j, w := range wants {
			if Matches(f, w) {
				matched[j], ok = true, true
			}
		}
		if !ok {
			unexpected = append(unexpected, i)
		}
	}
	for j := range wants {
		if !matched[j] {
			unmatched = append(unmatched, j)
		}
	}
	return unexpected, unmatched
}

// ParseWant parses the text of a want comment after "want": one or more
// kinds, each optionally followed by a Go-quoted regexp that the report's
// "Kind: Message" text must match:
//
//	x++ // want race
//	mu2.Lock() // want deadlock "lock order"
func ParseWant(s string) ([]Want, error) {
	var wants []Want
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		if s[0] == '"' || s[0] == '`' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("want: bad quoted regexp at %.20q", s)
			}
			if len(wants) == 0 || wants[len(wants)-1].Regexp != nil {
				return nil, fmt.Errorf("want: regexp %s follows no kind", q)
			}
			uq, _ := strconv.Unquote(q)
			re, err := regexp.Compile(uq)
			if err != nil {
				return nil, fmt.Errorf("want: %v", err)
			}
			wants[len(wants)-1].Regexp = re
			s = s[len(q):]
			if s != "" && s[0] != ' ' && s[0] != '\t' {
				return nil, fmt.Errorf("want: no space after %s", q)
			}
			continue
		}
		kind, rest := s, ""
		if i := strings.IndexAny(s, " \t"); i >= 0 {
			kind, rest = s[:i], s[i:]
		}
		if !slices.Contains(WantKinds, kind) {
			return nil, fmt.Errorf("want: unknown kind %q (kinds: %s)", kind, strings.Join(WantKinds, " "))
		}
		wants = append(wants, Want{Kind: kind})
		s = rest
	}
	if len(wants) == 0 {
		return nil, fmt.Errorf("want: no kind")
	}
	return wants, nil
}

// FileWants returns the wants of the // want comments of a parsed Go
// file, in file order, with File set to the file's base name.
func FileWants(fset *token.FileSet, f *ast.File) ([]Want, error) {
	var wants []Want
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			text, ok := strings.CutPrefix(c.Text, "//")
			if !ok {
				continue
			}
			rest, ok := strings.CutPrefix(strings.TrimSpace(text), "want")
			if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
				continue
			}
			pos := fset.Position(c.Pos())
			ws, err := ParseWant(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", pos, err)
			}
			for _, w := range ws {
				w.File, w.Line = filepath.Base(pos.Filename), pos.Line
				wants = append(wants, w)
			}
		}
	}
	return wants, nil
}

// dirWants returns the wants of every Go file in dir.
func dirWants(dir string) ([]Want, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var wants []Want
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ws, err := FileWants(fset, f)
		if err != nil {
			return nil, err
		}
		wants = append(wants, ws...)
	}
	return wants, nil
}
