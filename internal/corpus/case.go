package corpus

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"drace/toolkit/racetest"
)

// Classes are the detector classes a case header may name.
var Classes = []string{"hb", "lockset", "atomicmix", "lockorder", "leak", "predictive", "predictblock", "runtime"}

// WantKinds are the kinds a want comment may name: racetest's, whose
// want comments the corpus shares.
var WantKinds = racetest.WantKinds

// A Case is one corpus file: a buggy test, its fixed twin and what the
// buggy test must be reported for.
type Case struct {
	Family string // the family directory, relative to the corpus root, slash-separated
	Dir    string // the family directory
	File   string // the case file's path
	Name   string // the case file's base name

	Description   string   // the "// Case:" line
	Classes       []string // classes that must catch the buggy test
	Deterministic []string // classes that catch it in every schedule
	KnownFP       []string // classes documented to report on the twin
	// Timeout, if set, is the buggy test's -test.timeout, shorter than
	// the run's: it hangs until a detector or the timeout ends it.
	Timeout time.Duration

	Buggy string // the buggy test's name, TestX
	Twin  string // its twin's name, TestNoX
	Wants []Want // the buggy test's expectations, in file order
}

// A Want is one expectation of a want comment, as package racetest parses
// and matches it.
type Want = racetest.Want

// HasClass reports whether the case's Classes list class.
func (c *Case) HasClass(class string) bool { return slices.Contains(c.Classes, class) }

// Load loads every case under the corpus root: each directory holding
// *_test.go files is a family, each of its test files with a "// Case:"
// header a case. Directories named testdata or starting with "." or "_" are
// skipped. Cases come sorted by family and file. A malformed file is an
// error naming file:line; so is a test file with tests but no header.
func Load(root string) ([]*Case, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", root)
	}
	var cases []*Case
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		c, err := ParseCase(path)
		if err != nil {
			return err
		}
		if c != nil {
			c.Family = filepath.ToSlash(rel)
			cases = append(cases, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]string{} // family/test → file, to catch duplicates
	for _, c := range cases {
		for _, name := range []string{c.Buggy, c.Twin} {
			key := c.Family + "/" + name
			if f, ok := seen[key]; ok {
				return nil, fmt.Errorf("%s: test %s also in %s", c.File, name, f)
			}
			seen[key] = c.File
		}
	}
	slices.SortFunc(cases, func(a, b *Case) int {
		return strings.Compare(a.Family+"\x00"+a.Name, b.Family+"\x00"+b.Name)
	})
	return cases, nil
}

// ParseCase parses one corpus file. It returns nil, nil for a test file
// that is no case: no header and no tests (a helper file).
func ParseCase(path string) (*Case, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	c := &Case{Dir: filepath.Dir(path), File: path, Name: filepath.Base(path)}
	at := func(pos token.Pos) string {
		p := fset.Position(pos)
		return fmt.Sprintf("%s:%d", p.Filename, p.Line)
	}

	// The tests: top-level func TestXxx(t *testing.T).
	var tests []*ast.FuncDecl
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if ok && fd.Recv == nil && isTestName(fd.Name.Name) && fd.Name.Name != "TestMain" && fd.Type.Params.NumFields() == 1 {
			tests = append(tests, fd)
		}
	}

	// The header: comments before the first declaration other than imports.
	headerEnd := token.Pos(f.FileEnd)
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		headerEnd = d.Pos()
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			headerEnd = fd.Doc.Pos()
		} else if gd, ok := d.(*ast.GenDecl); ok && gd.Doc != nil {
			headerEnd = gd.Doc.Pos()
		}
		break
	}
	seen := map[string]bool{}
	for _, cg := range f.Comments {
		if cg.Pos() >= headerEnd {
			break
		}
		for _, cm := range cg.List {
			text, ok := strings.CutPrefix(cm.Text, "//")
			if !ok {
				continue
			}
			key, val, ok := strings.Cut(strings.TrimSpace(text), ":")
			if !ok {
				continue
			}
			switch key {
			case "Case", "Classes", "Deterministic", "Known-FP", "Timeout":
			default:
				continue
			}
			if seen[key] {
				return nil, fmt.Errorf("%s: second // %s: line", at(cm.Pos()), key)
			}
			seen[key] = true
			val = strings.TrimSpace(val)
			switch key {
			case "Case":
				if val == "" {
					return nil, fmt.Errorf("%s: empty // Case: description", at(cm.Pos()))
				}
				c.Description = val
			case "Timeout":
				d, err := time.ParseDuration(val)
				if err != nil || d <= 0 {
					return nil, fmt.Errorf("%s: // Timeout: %q is not a positive duration", at(cm.Pos()), val)
				}
				c.Timeout = d
			default:
				list := strings.Fields(val)
				if len(list) == 0 {
					list = nil
				}
				for _, class := range list {
					if !slices.Contains(Classes, class) {
						return nil, fmt.Errorf("%s: unknown class %q in // %s: (classes: %s)", at(cm.Pos()), class, key, strings.Join(Classes, " "))
					}
				}
				switch key {
				case "Classes":
					if len(list) == 0 {
						return nil, fmt.Errorf("%s: empty // Classes: line", at(cm.Pos()))
					}
					c.Classes = list
				case "Deterministic":
					c.Deterministic = list
				case "Known-FP":
					c.KnownFP = list
				}
			}
		}
	}
	if len(seen) == 0 && len(tests) == 0 {
		return nil, nil
	}
	top := at(f.Package)
	for _, key := range []string{"Case", "Classes", "Deterministic"} {
		if !seen[key] {
			return nil, fmt.Errorf("%s: missing // %s: header line", top, key)
		}
	}
	for _, class := range c.Deterministic {
		if !c.HasClass(class) {
			return nil, fmt.Errorf("%s: deterministic class %s is not in // Classes: %s", top, class, strings.Join(c.Classes, " "))
		}
	}

	// The pair: TestX and TestNoX, nothing else.
	names := map[string]*ast.FuncDecl{}
	for _, fd := range tests {
		names[fd.Name.Name] = fd
	}
	var buggy, twin *ast.FuncDecl
	for _, fd := range tests {
		if tw := TwinName(fd.Name.Name); names[tw] != nil {
			if buggy != nil {
				return nil, fmt.Errorf("%s: second buggy test %s (a case has one, %s)", at(fd.Pos()), fd.Name.Name, buggy.Name.Name)
			}
			buggy, twin = fd, names[tw]
		}
	}
	if buggy == nil {
		return nil, fmt.Errorf("%s: no buggy test TestX with its twin TestNoX", top)
	}
	for _, fd := range tests {
		if fd != buggy && fd != twin {
			return nil, fmt.Errorf("%s: test %s is neither %s nor its twin %s", at(fd.Pos()), fd.Name.Name, buggy.Name.Name, twin.Name.Name)
		}
	}
	c.Buggy, c.Twin = buggy.Name.Name, twin.Name.Name

	// The wants.
	for _, cg := range f.Comments {
		for _, cm := range cg.List {
			text, ok := strings.CutPrefix(cm.Text, "//")
			if !ok {
				continue
			}
			text = strings.TrimSpace(text)
			rest, ok := strings.CutPrefix(text, "want")
			if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
				continue
			}
			if twin.Pos() <= cm.Pos() && cm.Pos() < twin.End() {
				return nil, fmt.Errorf("%s: want comment in twin %s: twins expect no report", at(cm.Pos()), twin.Name.Name)
			}
			line := fset.Position(cm.Pos()).Line
			wants, err := racetest.ParseWant(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", at(cm.Pos()), err)
			}
			for _, w := range wants {
				w.File, w.Line = c.Name, line
				c.Wants = append(c.Wants, w)
			}
		}
	}
	if len(c.Wants) == 0 {
		return nil, fmt.Errorf("%s: buggy test %s has no // want comment", at(buggy.Pos()), buggy.Name.Name)
	}
	for _, class := range c.Classes {
		kinds := classKinds[class]
		if kinds != nil && !slices.ContainsFunc(c.Wants, func(w Want) bool { return slices.Contains(kinds, w.Kind) }) {
			return nil, fmt.Errorf("%s: class %s is in // Classes: but no want is of its kinds (%s)", at(buggy.Pos()), class, strings.Join(kinds, ", "))
		}
	}
	if c.HasClass("runtime") && !slices.ContainsFunc(c.Wants, c.RuntimeOwned) {
		return nil, fmt.Errorf("%s: class runtime is in // Classes: but no want is the runtime's (a panic, a deadlock or race want matching the runtime's crash, or one of a kind no other class reports)", at(buggy.Pos()))
	}
	return c, nil
}

// isTestName reports whether name is a test function's name: Test followed
// by nothing or by a character that is not a lower-case letter.
func isTestName(name string) bool {
	rest, ok := strings.CutPrefix(name, "Test")
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLower(r)
}

// TwinName returns the twin of the buggy test name: "No" inserted after
// "Test", TestRaceX → TestNoRaceX.
func TwinName(name string) string { return "TestNo" + strings.TrimPrefix(name, "Test") }
