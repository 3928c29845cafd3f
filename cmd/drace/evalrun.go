package main

// drace eval: running. Each package's test binary is built once per
// configuration and run once, measured as bench measures (measureRun);
// its output is parsed by the corpus's parser into reports, failed tests
// and crashes. Finished runs are appended to the state file, so that an
// interrupted evaluation resumes.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"drace/internal/corpus"
)

// Run statuses. A package whose off run is not evalOK is left out of
// the comparison.
const (
	evalOK      = "ok"      // the tests passed, or failed only by reports
	evalFail    = "fail"    // tests failed for another reason
	evalTimeout = "timeout" // the run did not finish in -timeout
	evalCrash   = "crash"   // a panic or fatal error, or a detector that panicked
	evalBuild   = "build"   // the test binary did not build
	evalNetwork = "network" // off failed, apparently for want of the network
)

// An evalRun is one package's tests in one configuration.
type evalRun struct {
	Module    string  `json:"module"`
	Package   string  `json:"package"`
	Config    string  `json:"config"`
	Status    string  `json:"status"`
	Error     string  `json:"error,omitempty"`
	Seconds   float64 `json:"seconds"`
	CPU       float64 `json:"cpu_seconds"`
	MaxRSSKiB int64   `json:"max_rss_kib"`
	// FailedTests are the tests that failed other than by a report, or
	// were running when the run timed out.
	FailedTests []string     `json:"failed_tests,omitempty"`
	Reports     []evalReport `json:"reports,omitempty"`
	// Toolchain is the toolchainID of the toolchain that built the run.
	Toolchain string `json:"toolchain,omitempty"`
}

// An evalReport is a report as eval compares them: a detector's report of
// a kind at a set of code locations, those of its accesses.
type evalReport struct {
	Detector string `json:"detector"` // "tsan" for ThreadSanitizer's
	Kind     string `json:"kind"`
	Test     string `json:"test,omitempty"` // the test that failed by it, if any
	// Locations are the file:line of each access's innermost frame
	// outside GOROOT and compiler-generated wrappers (files relative to
	// their module), sorted: the key reports of different detectors are
	// matched by.
	Locations []string `json:"locations"`
	Count     int      `json:"count"` // reports with this detector, kind and locations
}

func (r evalReport) key() string { return strings.Join(r.Locations, " ") }

type evalKey struct{ module, pkg, config string }

func (r evalRun) key() evalKey { return evalKey{r.Module, r.Package, r.Config} }

type evaluator struct {
	m       *benchMeasurer
	goroot  string
	bins    string // where test binaries are built
	state   string // the state file, "" for none
	done    map[evalKey]evalRun
	configs []benchConfig // off first
	// toolchains are the toolchainIDs of the patched toolchain (false)
	// and of the machine's go (true), by benchConfig.stock.
	toolchains map[bool]string
}

// evaluate runs every package in every configuration, off first; a
// package whose off run fails is not run further. Runs the state file
// holds are taken from it.
func (e *evaluator) evaluate(pkgs []evalPackage) ([]evalRun, error) {
	if err := os.MkdirAll(e.bins, 0o755); err != nil {
		return nil, err
	}
	if msg := staleRuns(e.done, pkgs, e.configs, e.toolchains); msg != "" {
		fmt.Fprintln(e.m.progress, msg)
	}
	var runs []evalRun
	for _, p := range pkgs {
		for _, c := range e.configs {
			r, ok := e.done[evalKey{p.Module, p.Path, c.name}]
			if !ok {
				r = e.run(p, c)
				if err := e.save(r); err != nil {
					return nil, err
				}
			}
			runs = append(runs, r)
			fmt.Fprintf(e.m.progress, "%-40s %-12s %-8s %7.2fs %6.0f MiB %3d reports%s\n",
				p.Path, c.name, r.Status, r.Seconds, float64(r.MaxRSSKiB)/1024, len(r.Reports), resumedNote(ok))
			if c.name == evalOff && r.Status != evalOK {
				break
			}
		}
	}
	return runs, nil
}

func resumedNote(resumed bool) string {
	if resumed {
		return " (from the state file)"
	}
	return ""
}

// run builds and runs p's tests in configuration c.
func (e *evaluator) run(p evalPackage, c benchConfig) evalRun {
	r := evalRun{Module: p.Module, Package: p.Path, Config: c.name, Toolchain: e.toolchains[c.stock]}
	w := benchWorkload{name: p.Path, pkg: p.Path, dir: p.ModDir, runIn: p.Dir}
	bin, err := e.m.build(e.bins, w, c)
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		r.Status, r.Error = evalBuild, buildError(err)
		return r
	}
	defer os.Remove(bin)

	// -test.timeout ends a run that is slow; the context one that hangs
	// where the testing package's timer cannot fire.
	ctx, cancel := context.WithTimeout(context.Background(), e.m.timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.short", "-test.count=1", "-test.timeout="+e.m.timeout.String())
	cmd.Dir = p.Dir
	// A recording detector writes its trace to DRACE_TRACE, by default
	// drace.trace in the package's directory, where it would stay (a
	// directory is evaluated in place): each process's trace goes to a
	// directory of the run's, removed after it.
	traces, err := os.MkdirTemp("", "drace-eval-trace")
	if err != nil {
		r.Status, r.Error = evalFail, err.Error()
		return r
	}
	defer os.RemoveAll(traces)
	cmd.Env = append(cleanEnv(), "GORACE=atexit_sleep_ms=0", "DRACE_TRACE="+filepath.Join(traces, "%p.trace"))
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	s := measureRun(cmd, &out)
	r.Seconds, r.CPU, r.MaxRSSKiB = s.Seconds, s.CPU, s.MaxRSSKiB
	e.classify(&r, corpus.ParseOutput(out.Bytes()), p.ModDir)
	switch {
	case ctx.Err() != nil:
		r.Status, r.Error = evalTimeout, fmt.Sprintf("killed after %v", e.m.timeout+time.Minute)
	case r.Status == evalOK && s.Error != "" && len(r.Reports) == 0:
		r.Status, r.Error = evalFail, s.Error // a failure without a FAIL line: TestMain, os.Exit
	}
	if c.name == evalOff && r.Status != evalOK && networkRE.Match(out.Bytes()) {
		r.Status = evalNetwork
	}
	return r
}

// networkRE matches the errors of tests that need the network.
var networkRE = regexp.MustCompile(`dial tcp|dial udp|no such host|network is unreachable|connection refused|lookup \S+ on `)

// reportedMsg ends the message the testing package gives a test that a
// report made fail ("race detected during execution of test", "goroutine
// leak detected ...").
const reportedMsg = "detected during execution of test"

// classify sets r's status, failed tests and reports from the run's output.
func (e *evaluator) classify(r *evalRun, o *corpus.Output, modDir string) {
	r.Status = evalOK
	// A test that failed by a report may have logged other lines too
	// (t.Log and t.Error look alike in the output): it counts as failed
	// by the report. The off run tells the tests that fail anyway.
	for _, f := range o.Failures {
		if !slices.ContainsFunc(f.Messages, func(m string) bool { return strings.HasSuffix(m, reportedMsg) }) {
			r.FailedTests = append(r.FailedTests, f.Test)
			r.Status = evalFail
		}
	}
	for name, why := range o.Disabled {
		r.Status, r.Error = evalCrash, fmt.Sprintf("detector %s panicked: %s", name, why)
	}
	modReal, _ := filepath.EvalSymlinks(modDir)
	gorootReal, _ := filepath.EvalSymlinks(e.goroot)
	loc := func(f corpus.Frame) string {
		return fmt.Sprintf("%s:%d", relativeFile(f.File, []string{modDir, modReal}, []string{e.goroot, gorootReal}), f.Line)
	}
	for _, rep := range o.Reports {
		if rep.Detector == "" { // the Go runtime's crash
			msg := rep.Kind + ": " + firstLine(rep.Message)
			if strings.HasPrefix(rep.Message, "test timed out after") {
				r.Status = evalTimeout
				r.FailedTests = append(r.FailedTests, runningTests(rep.Message)...)
			} else if r.Status != evalTimeout {
				r.Status = evalCrash
			}
			if r.Error == "" {
				r.Error = msg
			}
			continue
		}
		er := evalReport{Detector: rep.Detector, Kind: rep.Kind, Test: reportTest(o, rep.Line), Count: 1}
		// The accesses' locations; for a report without (a goroutine
		// explosion), where its goroutines began.
		for _, creations := range []bool{false, true} {
			for _, st := range rep.Stacks {
				if strings.Contains(st.Title, "created at") == creations && len(st.Frames) > 0 {
					i := slices.IndexFunc(st.Frames, func(f corpus.Frame) bool {
						return !underDir(f.File, e.goroot) && !underDir(f.File, gorootReal) && f.File != "<autogenerated>"
					})
					er.Locations = append(er.Locations, loc(st.Frames[max(i, 0)]))
				}
			}
			if len(er.Locations) > 0 {
				break
			}
		}
		slices.Sort(er.Locations)
		if i := slices.IndexFunc(r.Reports, func(x evalReport) bool {
			return x.Detector == er.Detector && x.Kind == er.Kind && x.key() == er.key()
		}); i >= 0 {
			r.Reports[i].Count++
			continue
		}
		r.Reports = append(r.Reports, er)
	}
}

// reportTest is the test a report at output line n made fail: the first
// failure after it that says a report was found.
func reportTest(o *corpus.Output, n int) string {
	for _, f := range o.Failures {
		if f.Line > n && slices.ContainsFunc(f.Messages, func(m string) bool { return strings.HasSuffix(m, reportedMsg) }) {
			return f.Test
		}
	}
	return ""
}

// runningTests are the tests a timeout's message lists as running.
func runningTests(msg string) []string {
	var tests []string
	_, list, _ := strings.Cut(msg, "running tests:")
	for line := range strings.Lines(list) {
		if f := strings.Fields(line); len(f) > 0 {
			tests = append(tests, f[0])
		}
	}
	return tests
}

// relativeFile names a source file independently of the machine: relative
// to its module's root, to GOROOT/src, or to the module cache.
func relativeFile(file string, modDirs, goroots []string) string {
	for _, d := range modDirs {
		if underDir(file, d) {
			return strings.TrimPrefix(file, d+"/")
		}
	}
	for _, d := range goroots {
		if underDir(file, d+"/src") {
			return strings.TrimPrefix(file, d+"/src/")
		}
	}
	if _, rest, ok := strings.Cut(file, "/pkg/mod/"); ok {
		return rest
	}
	return file
}

func underDir(file, dir string) bool {
	return dir != "" && strings.HasPrefix(file, dir+"/")
}

// buildError is a failed build's error on one line: what failed and the
// go command's first message, past its "# package" headers.
func buildError(err error) string {
	head, rest, _ := strings.Cut(err.Error(), "\n")
	for line := range strings.Lines(rest) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return head + ": " + line
		}
	}
	return head
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// save appends a finished run to the state file.
func (e *evaluator) save(r evalRun) error {
	if e.state == "" {
		return nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(e.state, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	// A line cut short by a kill ends without a newline: end it, so that
	// this run is a line of its own.
	end := make([]byte, 1)
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		if _, err := f.ReadAt(end, fi.Size()-1); err == nil && end[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readEvalState reads the runs a state file holds: one JSON object a line.
// A line cut short, the evaluation killed while writing it, is not a
// finished run and is ignored; a line that is not a run at all is an
// error. A missing file holds none.
func readEvalState(file string) (map[evalKey]evalRun, error) {
	done := map[evalKey]evalRun{}
	if file == "" {
		return done, nil
	}
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	} else if err != nil {
		return nil, fmt.Errorf("-state: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		var r evalRun
		switch {
		case json.Unmarshal(sc.Bytes(), &r) == nil && r.Config != "":
			done[r.key()] = r
		case !bytes.HasPrefix(sc.Bytes(), []byte(`{"module":`)):
			return nil, fmt.Errorf("-state: %s:%d: not a run: not a state file?", file, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-state: %v", err)
	}
	return done, nil
}
