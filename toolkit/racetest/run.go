// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package racetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/race"
	"slices"
	"strings"
	"testing"
	"time"

	"drace/toolkit/eventtest"
)

// Timeout bounds the build and the run of one testdata package.
var Timeout = 5 * time.Minute

// GORACE is the race runtime's setting for the test binaries: no delay at
// exit, and every report printed, even one whose stacks or address an
// earlier report had.
const GORACE = "atexit_sleep_ms=0 suppress_equal_stacks=0 suppress_equal_addresses=0"

// Run builds the tests of each package under dir named by pkgs (paths
// relative to dir), or of every package under dir if pkgs is empty, with
// the detector of policy p linked in (-drace=PKG, PKG the package that
// declares p.New), runs them, and matches p's reports to the packages'
// want comments. Each report with no matching want is an error naming its
// file:line ("unexpected race report"), and so is each want no report
// matches ("no report matching"). A package that does not build, a test
// binary that crashes or whose detector panicked, are errors too; tests
// that fail for other reasons than the detector's reports are logged.
//
// The packages are built with the go command running the test, drace's
// patched one, in the module of dir, which must be able to import the
// detector: put testdata under the detector's package.
func Run(t testing.TB, dir string, p *race.Policy, pkgs ...string) {
	t.Helper()
	det, err := policyPackage(p)
	if err != nil {
		t.Fatalf("racetest: %v", err)
	}
	goCmd, err := goCommand()
	if err != nil {
		t.Fatalf("racetest: %v", err)
	}
	if len(pkgs) == 0 {
		if pkgs, err = packages(dir); err != nil {
			t.Fatalf("racetest: %v", err)
		}
		if len(pkgs) == 0 {
			t.Fatalf("racetest: no Go packages under %s", dir)
		}
	}
	tmp, err := os.MkdirTemp("", "racetest-")
	if err != nil {
		t.Fatalf("racetest: %v", err)
	}
	defer os.RemoveAll(tmp)
	for i, pkg := range pkgs {
		runPackage(t, goCmd, det, p.Name, filepath.Join(dir, filepath.FromSlash(pkg)),
			filepath.Join(tmp, fmt.Sprintf("p%d.test", i)))
	}
}

// Events returns a harness that feeds synthetic events to a new detector
// of policy p, without building a program: see package eventtest.
func Events(t eventtest.TB, p *race.Policy) *eventtest.Harness { return eventtest.NewPolicy(t, p) }

// runPackage builds the tests of the package in dir into bin, runs them
// and checks the reports of detector name against the package's wants.
func runPackage(t testing.TB, goCmd, det, name, dir, bin string) {
	t.Helper()
	wants, err := dirWants(dir)
	if err != nil {
		t.Errorf("racetest: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	build := exec.CommandContext(ctx, goCmd, "test", "-c", "-o", bin, "-drace="+det, ".")
	build.Dir = dir
	build.Env = env()
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("racetest: building %s with -drace=%s: %v\n%s", dir, det, err, out)
		return
	}
	if _, err := os.Stat(bin); err != nil {
		t.Errorf("racetest: %s has no tests", dir)
		return
	}
	run := exec.CommandContext(ctx, bin, "-test.count=1", "-test.timeout="+Timeout.String())
	run.Dir = dir
	run.Env = append(env(), "GORACE="+GORACE, "DRACE_FORMAT=json")
	var out bytes.Buffer
	run.Stdout, run.Stderr = &out, &out
	run.WaitDelay = 5 * time.Second
	runErr := run.Run()
	if ctx.Err() != nil {
		t.Errorf("racetest: %s: killed after %v", dir, Timeout)
		return
	}
	findings, problems := parse(out.Bytes(), name, dir)
	for _, msg := range problems {
		t.Errorf("racetest: %s: %s", dir, msg)
	}
	if runErr != nil && len(findings) == 0 && len(problems) == 0 {
		t.Logf("racetest: %s: %v\n%s", dir, runErr, out.Bytes())
	}
	unexpected, unmatched := Match(wants, findings)
	var seen []string // a race's two accesses may each make the same report
	for _, i := range unexpected {
		f := findings[i]
		where := dir + ": (no frame in the package)"
		if len(f.Pos) > 0 {
			where = filepath.Join(dir, f.Pos[0].File) + ":" + fmt.Sprint(f.Pos[0].Line)
		}
		msg := fmt.Sprintf("%s: unexpected %s report: %s", where, f.Kind, describe(f))
		if !slices.Contains(seen, msg) {
			seen = append(seen, msg)
			t.Errorf("%s", msg)
		}
	}
	for _, j := range unmatched {
		w := wants[j]
		t.Errorf("%s:%d: no report matching %s", filepath.Join(dir, w.File), w.Line, strings.TrimPrefix(w.String(), fmt.Sprintf("%s:%d: ", w.File, w.Line)))
	}
}

// describe is a finding's text on one line, with its other positions.
func describe(f Finding) string {
	s, _, _ := strings.Cut(f.Text, "\n")
	if len(f.Pos) > 1 {
		var also []string
		for _, p := range f.Pos[1:] {
			also = append(also, p.String())
		}
		s += " [also " + strings.Join(also, ", ") + "]"
	}
	return s
}

// A jsonReport is a report as DRACE_FORMAT=json prints it (see
// runtime/race.FormatJSON), the fields racetest reads.
type jsonReport struct {
	Detector string `json:"detector"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Accesses []struct {
		Stack []jsonFrame `json:"stack"`
	} `json:"accesses"`
	Goroutines []struct {
		Created []jsonFrame `json:"created"`
	} `json:"goroutines"`
}

type jsonFrame struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// parse returns the findings of detector name in a test binary's output,
// with their positions in the package in dir, and the problems of the run:
// a crash, a detector disabled by a panic.
func parse(out []byte, name, dir string) (findings []Finding, problems []string) {
	abs, _ := filepath.Abs(dir)
	real, _ := filepath.EvalSymlinks(abs)
	inPkg := func(file string) bool {
		d := filepath.Dir(filepath.FromSlash(file))
		return d == abs || d == real
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, `{"detector":`):
			var r jsonReport
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				problems = append(problems, fmt.Sprintf("bad JSON report: %v", err))
				continue
			}
			if r.Detector != name {
				continue
			}
			f := Finding{Kind: WantKind(r.Kind), Text: r.Kind}
			if r.Message != "" {
				f.Text += ": " + r.Message
			}
			var stacks [][]jsonFrame
			for _, a := range r.Accesses {
				stacks = append(stacks, a.Stack)
			}
			for _, g := range r.Goroutines {
				stacks = append(stacks, g.Created)
			}
			for _, s := range stacks {
				if i := slices.IndexFunc(s, func(fr jsonFrame) bool { return inPkg(fr.File) }); i >= 0 {
					p := Pos{filepath.Base(s[i].File), s[i].Line}
					if !slices.Contains(f.Pos, p) {
						f.Pos = append(f.Pos, p)
					}
				}
			}
			findings = append(findings, f)
		case strings.HasPrefix(line, "DRACE: detector ") && strings.Contains(line, " panicked and is disabled: "):
			problems = append(problems, line)
		case strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: "):
			problems = append(problems, "the test binary crashed: "+line)
		}
	}
	return findings, problems
}

// env is the environment of the go command and the test binaries: the
// process's, without settings that change what go builds or how race
// programs behave.
func env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOROOT", "GOFLAGS", "GORACE", "GOTOOLCHAIN", "DRACE_FORMAT", "DRACE_SUPPRESS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOTOOLCHAIN=local")
}

// goCommand returns the go command that runs the test: go test puts its
// GOROOT/bin first on the test's PATH; a test binary run by hand falls
// back to the toolchain that built it.
func goCommand() (string, error) {
	if g, err := exec.LookPath("go"); err == nil {
		return g, nil
	}
	g := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(g); err != nil {
		return "", fmt.Errorf("no go command on PATH or beside the toolchain that built this test: %v", err)
	}
	return g, nil
}

// policyPackage returns the import path of the package that declares
// p.New: the detector package to link.
func policyPackage(p *race.Policy) (string, error) {
	if p == nil || p.New == nil {
		return "", fmt.Errorf("policy without New")
	}
	fn := runtime.FuncForPC(reflect.ValueOf(p.New).Pointer())
	if fn == nil {
		return "", fmt.Errorf("policy %s: cannot find the function New", p.Name)
	}
	// "example.com/m/mydet.init.func1": the package path ends at the
	// first dot after the last slash.
	name := fn.Name()
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return "", fmt.Errorf("policy %s: no package in function name %s", p.Name, name)
	}
	return name[:slash+1+dot], nil
}

// packages returns the directories under dir holding Go files, relative
// to dir and slash-separated, sorted.
func packages(dir string) ([]string, error) {
	var pkgs []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err == nil && !slices.Contains(pkgs, filepath.ToSlash(rel)) {
			pkgs = append(pkgs, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(pkgs)
	return pkgs, err
}
