package main

import (
	"cmp"
	"errors"
	"go/format"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"drace/internal/corpus"
)

// newModule returns a fresh module, example.com/m, in a temporary directory.
func newModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.26\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	return dir
}

// drace new refuses, with a one-line usage error (exit status 2), an
// existing directory, a name that is no identifier and a directory outside
// a module.
func TestNewUsageErrors(t *testing.T) {
	mod := newModule(t)
	os.Mkdir(filepath.Join(mod, "taken"), 0o777)
	outside := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(mod, "taken")}, "new: " + filepath.Join(mod, "taken") + " already exists"},
		{[]string{filepath.Join(mod, "my-det")}, `new: "my-det" is not a lower-case Go identifier`},
		{[]string{filepath.Join(mod, "MyDet")}, `new: "MyDet" is not a lower-case Go identifier`},
		{[]string{filepath.Join(mod, "type")}, `new: "type" is not a lower-case Go identifier`},
		{[]string{filepath.Join(outside, "det")}, "new: " + filepath.Join(outside, "det") + " is in no module"},
		{[]string{"-kind=other", filepath.Join(mod, "det")}, "new: -kind=other: want race, sync or blocking"},
		{[]string{}, "new: want one PATH, got 0 arguments"},
		{[]string{"-bogus"}, "new: flag provided but not defined: -bogus"},
	} {
		err := newCmd(tc.args, io.Discard)
		var u errUsage
		if !errors.As(err, &u) || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("new %q: error %v, want one line starting %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(mod, "det")); err == nil {
		t.Errorf("a refused drace new wrote %s", filepath.Join(mod, "det"))
	}
}

func TestModulePath(t *testing.T) {
	for _, tc := range []struct{ mod, want string }{
		{"module example.com/m\n", "example.com/m"},
		{"// a comment\nmodule\t\"example.com/q\" // quoted\n\ngo 1.26\n", "example.com/q"},
		{"modules x\n", ""},
		{"go 1.26\n", ""},
	} {
		if got := modulePath([]byte(tc.mod)); got != tc.want {
			t.Errorf("modulePath(%q) = %q, want %q", tc.mod, got, tc.want)
		}
	}
}

// newMaxLines bounds the raw lines, blank and comment lines included, of a
// generated detector's non-test .go files, doc.go too: a researcher reads
// them whole. The race kind's detector takes the 60 lines by itself (a
// vector-clock policy needs its sync, goroutine and memory callbacks), so
// for it the bound excludes doc.go, which must stay under newMaxDocLines.
const (
	newMaxLines    = 60
	newMaxDocLines = 10
)

// In a fresh module, each kind's detector passes its own test straight
// away, and linked into its racy testdata package with -drace it fails it
// with its report, while the fixed one passes.
func TestNewDetectors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs detectors")
	}
	goCmd, err := goCommand()
	if err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	mod := newModule(t)
	gocmd := func(args ...string) (string, error) {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = mod
		cmd.Env = append(corpus.Env(), "GORACE=atexit_sleep_ms=0")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, kind := range []string{"race", "sync", "blocking"} {
		t.Run(kind, func(t *testing.T) {
			name := "det" + kind
			var out strings.Builder
			if err := newCmd([]string{"-kind=" + kind, filepath.Join(mod, name)}, &out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "go test -drace=example.com/m/"+name+" ./...") {
				t.Errorf("drace new said:\n%s\nwant the -drace flag that links it", out.String())
			}
			lines, doc := 0, 0
			err := filepath.WalkDir(filepath.Join(mod, name), func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() && d.Name() == "testdata" {
					return cmp.Or(err, filepath.SkipDir)
				}
				if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
					return nil
				}
				data, err := os.ReadFile(path)
				n := strings.Count(string(data), "\n")
				if d.Name() == "doc.go" {
					doc = n
				}
				lines += n
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if kind == "race" {
				if lines -= doc; doc > newMaxDocLines {
					t.Errorf("the race detector's doc.go has %d lines, want at most %d", doc, newMaxDocLines)
				}
			}
			if lines > newMaxLines {
				t.Errorf("the %s detector's non-test files have %d lines, want at most %d", kind, lines, newMaxLines)
			}
			if out, err := gocmd("vet", "./"+name); err != nil {
				t.Errorf("go vet: %v\n%s", err, out)
			}
			if out, err := gocmd("test", "-count=1", "./"+name); err != nil {
				t.Errorf("go test ./%s: %v\n%s", name, err, out)
			}
			drace := "-drace=example.com/m/" + name
			out2, err := gocmd("test", "-count=1", drace, "./"+name+"/testdata/racy")
			if err == nil || !strings.Contains(out2, "("+name+")") {
				t.Errorf("go test %s on the racy package: %v, want a failure with a report of %s\n%s", drace, err, name, out2)
			}
			if out, err := gocmd("test", "-count=1", drace, "./"+name+"/testdata/fixed"); err != nil {
				t.Errorf("go test %s on the fixed package: %v\n%s", drace, err, out)
			}
		})
	}
}

// The walk-through's commands run as written: docs/writing-a-detector.md's
// sh blocks, in order, as one script in a fresh directory, with the
// patched toolchain and this drace first on PATH (what the walk-through's
// export line sets up from the checkout). A line "! CMD" must fail.
func TestWritingADetectorDoc(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a detector")
	}
	goCmd, err := goCommand()
	if err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	doc, err := os.ReadFile("../../docs/writing-a-detector.md")
	if err != nil {
		t.Fatal(err)
	}
	script := docScript(string(doc))
	if !strings.Contains(script, "drace new ./mydet") || !strings.Contains(script, "go test ./mydet") {
		t.Fatalf("the walk-through's script does not scaffold and test a detector:\n%s", script)
	}
	bin := t.TempDir()
	build := exec.Command(goCmd, "build", "-o", filepath.Join(bin, "drace"), ".")
	build.Env = corpus.Env()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building drace: %v\n%s", err, out)
	}
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(corpus.Env(), "PATH="+filepath.Dir(goCmd)+string(filepath.ListSeparator)+bin+string(filepath.ListSeparator)+os.Getenv("PATH"),
		"GORACE=atexit_sleep_ms=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the walk-through's commands: %v\nscript:\n%s\noutput:\n%s", err, script, out)
	}
}

// docScript returns the commands of a Markdown document's sh blocks as a
// bash script: without the lines that set PATH, which the test sets, and
// with each "! CMD" line made to fail the script if CMD succeeds (bash -e
// ignores a negated command's status).
func docScript(doc string) string {
	var b strings.Builder
	in := false
	for line := range strings.Lines(doc) {
		switch trimmed := strings.TrimSpace(line); {
		case !in && trimmed == "```sh":
			in = true
		case in && trimmed == "```":
			in = false
		case !in:
		case strings.HasPrefix(trimmed, "export PATH="):
		case strings.HasPrefix(line, "! "):
			cmd := strings.TrimSpace(strings.TrimPrefix(line, "! "))
			b.WriteString("if " + cmd + "\nthen echo " + strconv.Quote("succeeded, must fail: "+cmd) + " >&2; exit 1; fi\n")
		default:
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestRacetestDetectorIsTheTemplate: racetest's own tests run the detector
// "drace new -kind=race" writes, kept as a copy in its testdata (imported
// by path, so it cannot be generated at test time). The copy must be the
// template's code, only named det and importing the toolkit by its module
// path.
func TestRacetestDetectorIsTheTemplate(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", "toolkit", "racetest", "testdata", "det", "det.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("NAME", "det", `"runtime/race/toolkit/`, `"drace/toolkit/`).Replace(newTemplates["race"])
	// Compare from the package clause, as gofmt orders imports.
	code := func(src []byte) string {
		src, err := format.Source(src)
		if err != nil {
			t.Fatal(err)
		}
		s := string(src)
		return s[strings.Index("\n"+s, "\npackage "):]
	}
	if g, w := code(got), code([]byte(want)); g != w {
		t.Errorf("toolkit/racetest/testdata/det/det.go is not the race template:\n--- det.go\n%s\n--- template\n%s", g, w)
	}
}
