package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"drace/internal/corpus"
)

// A parsedReport is a report block of the text format, the parts that
// must not depend on whether it was printed online or by a replay.
type parsedReport struct {
	Kind, Detector string
	Message        string
	Accesses       []parsedAccess
}

type parsedAccess struct {
	Verb      string // the title up to " at" or " by": "Write", "Previous read"
	Goroutine string // "goroutine 7", "main goroutine"
	Frames    []string
}

var (
	titleRE  = regexp.MustCompile(`^WARNING: (.*) \(([a-z_0-9/]+)\)$`)
	accessRE = regexp.MustCompile(`^(\S.*?)(?: at 0x[0-9a-f]+)? by (main goroutine|goroutine \d+):$`)
	frameRE  = regexp.MustCompile(`^      (.*):(\d+) \+0x[0-9a-f]+$`)
	// panicRE is the line the runtime, and replay, print when a
	// detector's callback panics and the detector is disabled.
	panicRE = regexp.MustCompile(`(?m)^DRACE: detector ([a-z_0-9]+) panicked and is disabled: (.*)$`)
)

// parseReports returns the report blocks of detector in out (all if
// detector is "").
func parseReports(t *testing.T, out, detector string) []parsedReport {
	t.Helper()
	reports, _ := parseReportLines(out, detector)
	return reports
}

// parseReportLines is parseReports, with the index in out's lines of each
// report's title line.
func parseReportLines(out, detector string) (reports []parsedReport, at []int) {
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		m := titleRE.FindStringSubmatch(lines[i])
		if m == nil || i == 0 || lines[i-1] != "==================" {
			continue
		}
		title := i
		r := parsedReport{Kind: m[1], Detector: m[2]}
		var acc *parsedAccess
		var fn string
		for i++; i < len(lines) && lines[i] != "=================="; i++ {
			l := lines[i]
			switch {
			case strings.HasPrefix(l, "Goroutine "):
				acc = nil // "created at" stacks are not compared
			case accessRE.MatchString(l):
				m := accessRE.FindStringSubmatch(l)
				r.Accesses = append(r.Accesses, parsedAccess{Verb: m[1], Goroutine: m[2]})
				acc = &r.Accesses[len(r.Accesses)-1]
			case acc == nil && len(r.Accesses) == 0 && l != "":
				r.Message += l + "\n"
			case acc != nil && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "      "):
				fn = strings.TrimSpace(l)
			case acc != nil && frameRE.MatchString(l):
				m := frameRE.FindStringSubmatch(l)
				acc.Frames = append(acc.Frames, fn+" "+filepath.Base(m[1])+":"+m[2])
			}
		}
		if detector == "" || r.Detector == detector {
			reports = append(reports, r)
			at = append(at, title)
		}
	}
	return reports, at
}

// detectorPanics returns the panic values of the "detector … panicked and
// is disabled" lines of detector in out.
func detectorPanics(out, detector string) []string {
	var vals []string
	for _, m := range panicRE.FindAllStringSubmatch(out, -1) {
		if m[1] == detector {
			vals = append(vals, m[2])
		}
	}
	return vals
}

// patchedGo returns the patched toolchain's go command, skipping the test
// without it.
func patchedGoForTest(t *testing.T) (goCmd, root string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goCmd = filepath.Join(root, "_build", "goroot", "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	return goCmd, root
}

// draceFlag is the -drace flag that links the record detector and
// detectors, all by their import paths in this module: the code replay
// runs, not the copies installed in the toolchain.
func draceFlag(detectors []string) string {
	list := []string{"drace/detectors/record"}
	for _, d := range detectors {
		list = append(list, "drace/detectors/"+d)
	}
	return "-drace=" + strings.Join(list, ",")
}

// writeGoWork writes a go.work using modules (directories) to a new
// temporary directory and returns its path, for GOWORK.
func writeGoWork(t *testing.T, modules ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("go 1.26.8\n\nuse (\n")
	for _, m := range modules {
		fmt.Fprintf(&b, "\t%s\n", m)
	}
	b.WriteString(")\n")
	work := filepath.Join(t.TempDir(), "go.work")
	if err := os.WriteFile(work, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return work
}

// buildRecorded builds pkgs in dir (a program, or with test a test binary)
// with record and detectors (see draceFlag) and returns the binary.
func buildRecorded(t *testing.T, goCmd, dir string, env []string, test bool, detectors []string, pkgs ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prog")
	buildArgs := []string{"build"}
	if test {
		buildArgs = []string{"test", "-c"}
	}
	buildArgs = append(append(buildArgs, draceFlag(detectors), "-o", bin), pkgs...)
	build := exec.Command(goCmd, buildArgs...)
	build.Dir = dir
	build.Env = append(corpus.Env(), env...)
	start := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(buildArgs, " "), err, out)
	}
	t.Logf("built in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// A recordedRun is a run of a binary built by buildRecorded.
type recordedRun struct {
	out   string // stdout and stderr
	trace string // the trace file
	err   error  // how the process ended
}

// died reports whether the process died of a panic or a fatal error
// (exit status 2, the Go runtime's), leaving a trace without an end record.
func (r *recordedRun) died() bool {
	var ee *exec.ExitError
	return errors.As(r.err, &ee) && (ee.ExitCode() == 2 || ee.ExitCode() < 0)
}

// runBinary runs bin in dir with env (beside corpus.Env's) and args,
// recording to a new trace file.
func runBinary(t *testing.T, bin, dir string, env []string, args ...string) *recordedRun {
	t.Helper()
	r := &recordedRun{trace: filepath.Join(t.TempDir(), "trace")}
	run := exec.Command(bin, args...)
	run.Dir = dir
	run.Env = append(append(corpus.Env(), env...), "DRACE_TRACE="+r.trace)
	start := time.Now()
	out, err := run.CombinedOutput() // racy: exit status 66, or 1 for a test binary
	r.out, r.err = string(out), err
	var size int64
	if fi, err := os.Stat(r.trace); err == nil {
		size = fi.Size()
	}
	t.Logf("ran in %v (%v), trace %d bytes", time.Since(start).Round(time.Millisecond), err, size)
	return r
}

// onlineGORACE is GORACE for the online run of TestReplayEqualsOnline,
// the reporter's suppression of equal addresses and stacks on, as by
// default; the test sets it for replay too, which reads it for
// suppress_equal_stacks and suppress_equal_addresses.
const onlineGORACE = "atexit_sleep_ms=0"

func replayFile(t *testing.T, tracePath string, partial bool, detectors ...string) (string, replayResult) {
	t.Helper()
	f, err := os.Open(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	start := time.Now()
	res, err := replay(f, replayOptions{Detectors: detectors, Partial: partial, Warn: os.Stderr}, &out)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	t.Logf("replayed %d events through %s in %v", res.Events, strings.Join(detectors, ","), time.Since(start).Round(time.Millisecond))
	return out.String(), res
}

// maxDiffLines bounds the lines of a diff or an output a failure prints.
const maxDiffLines = 150

// excerpt returns s cut to its first n lines.
func excerpt(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "") + fmt.Sprintf("[… %d more lines]\n", len(lines)-n)
}

// compareOnlineReplay checks, for each of detectors, that the reports it
// printed in the online run are those the replay of the run's trace
// prints: one replay with every detector, one subtest per detector.
// Detectors that panicked online must panic in the replay too, with the
// same value. The run must have printed at least minReports reports in
// all.
//
// A run that died (of a panic) leaves a trace without an end record: it
// is replayed in partial mode.
func compareOnlineReplay(t *testing.T, run *recordedRun, detectors []string, minReports int) {
	t.Helper()
	online := run.out
	replayed, res := replayFile(t, run.trace, run.died(), detectors...)
	if res.Err != nil {
		t.Logf("partial replay: %v", res.Err)
	}
	var total int
	for _, d := range detectors {
		total += len(parseReports(t, online, d))
	}
	if total < minReports {
		t.Fatalf("online run printed %d reports of %s, want at least %d:\n%s", total, strings.Join(detectors, ","), minReports, excerpt(online, 4*maxDiffLines))
	}
	for _, d := range detectors {
		t.Run(d, func(t *testing.T) {
			want := parseReports(t, online, d)
			got := parseReports(t, replayed, d)
			n := len(want)
			want, got = notLive(want), notLive(got)
			if n > len(want) {
				t.Logf("%d online %s reports not compared: a trace does not record the runtime's deadlock check", n-len(want), liveKind)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%d online reports, %d replayed; they differ (-online +replay):\n%s", len(want), len(got), excerpt(diff, maxDiffLines))
			}
			// A run that died printed no summary; its replay does.
			if diff := cmp.Diff(notLiveLines(summary(online, d)), notLiveLines(summary(replayed, d))); diff != "" && !run.died() {
				t.Errorf("the detector's summaries differ (-online +replay):\n%s", excerpt(diff, maxDiffLines))
			}
			if diff := cmp.Diff(detectorPanics(online, d), detectorPanics(replayed, d)); diff != "" {
				t.Errorf("the detector's panics differ (-online +replay):\n%s", diff)
			}
			// The text itself too: addresses, goroutine numbers and
			// creation stacks (recorded since trace version 2).
			if diff := cmp.Diff(notLiveLines(reportBlocks(online, d)), notLiveLines(reportBlocks(replayed, d))); diff != "" {
				t.Errorf("report text differs (-online +replay):\n%s", excerpt(diff, maxDiffLines))
			}
			t.Logf("%d reports", len(want))
		})
	}
}

// liveKind is the kind of the reports a replay cannot give: the runtime
// tells detectors that every goroutine is blocked for good (OnDeadlock)
// from its live state, the goroutines' wait reasons, which a trace does
// not record.
const liveKind = "DEADLOCK"

// notLive returns reps without those of liveKind.
func notLive(reps []parsedReport) []parsedReport {
	reps = slices.DeleteFunc(slices.Clone(reps), func(r parsedReport) bool { return r.Kind == liveKind })
	if len(reps) == 0 {
		return nil
	}
	return reps
}

// notLiveLines returns the report blocks or summary lines that are not of
// liveKind.
func notLiveLines(ls []string) []string {
	ls = slices.DeleteFunc(slices.Clone(ls), func(l string) bool {
		return strings.HasPrefix(l, "WARNING: "+liveKind+" (") || strings.HasPrefix(l, liveKind+" ")
	})
	if len(ls) == 0 {
		return nil
	}
	return ls
}

// summary returns the lines of detector's summaries ("kind count" lines
// after "DRACE: NAME summary").
func summary(out, detector string) []string {
	var lines []string
	for _, b := range strings.SplitAfter(out, "DRACE: "+detector+" summary\n")[1:] {
		for _, l := range strings.SplitAfter(b, "\n") {
			if !summaryLine.MatchString(l) {
				break
			}
			lines = append(lines, l)
		}
	}
	return lines
}

var summaryLine = regexp.MustCompile(`^[A-Za-z_.0-9]+ +[0-9]+\n$`)

// reportBlocks returns the text of detector's report blocks.
func reportBlocks(out, detector string) []string {
	var blocks []string
	for _, b := range strings.SplitAfter(out, "==================\n") {
		if strings.HasPrefix(b, "WARNING: ") && strings.Contains(b, "("+detector+")\n") {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

func TestReplayEqualsOnline(t *testing.T) {
	goCmd, root := patchedGoForTest(t)
	t.Setenv("GORACE", onlineGORACE)
	t.Setenv("DRACE_FLAGS", replayFlags)
	bin := buildRecorded(t, goCmd, root, nil, false, replayDetectors, "./detectors/record/trace/testdata/racy")
	// One CPU, as for the corpus (see TestReplayEqualsOnlineCorpus).
	run := runBinary(t, bin, t.TempDir(), []string{"GORACE=" + onlineGORACE, "GOMAXPROCS=1"})
	compareOnlineReplay(t, run, replayDetectors, 2)
	if !slices.ContainsFunc(summary(run.out, "count"), func(l string) bool { return strings.HasPrefix(l, "func_enter ") }) {
		t.Errorf("count's summary online has no function entries:\n%s", excerpt(run.out, maxDiffLines))
	}

	// The replay of a trace cut short, in partial mode, prints a
	// subset of the reports and says where the trace ends.
	data, err := os.ReadFile(run.trace)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut")
	os.WriteFile(cut, data[:len(data)*2/3], 0o644)
	out, res := replayFile(t, cut, true, "fasttrack")
	if res.Err == nil || len(parseReports(t, out, "fasttrack")) > len(parseReports(t, run.out, "fasttrack")) {
		t.Errorf("partial replay: Err %v, %d reports", res.Err, len(parseReports(t, out, "fasttrack")))
	}
	f, _ := os.Open(cut)
	defer f.Close()
	if _, err := replay(f, replayOptions{Detectors: []string{"fasttrack"}}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "byte offset") {
		t.Errorf("replay of a cut trace: %v, want an error with a byte offset", err)
	}
}

// TestReplayEqualsOnlineParallel runs a program whose goroutines race
// on many variables at once, one per CPU, at GOMAXPROCS 2 and 4: the
// trace holds the events in the order the detectors beside record saw
// them (record's Policy.Ordered), so the replay prints the same reports,
// each naming the same two accesses, and the same summaries. Every report
// is printed (corpus runs' GORACE), so that any event seen in another
// order shows. Before record asked for that order, 3 runs in 4 at
// GOMAXPROCS 2 differed: the replay's fasttrack, hybrid and lockset
// reports were not the run's (a race of fasttrack's missing, lockset's
// Eraser states reporting other variables).
func TestReplayEqualsOnlineParallel(t *testing.T) {
	goCmd, root := patchedGoForTest(t)
	t.Setenv("GORACE", corpus.GORACE)
	t.Setenv("DRACE_FLAGS", replayFlags)
	bin := buildRecorded(t, goCmd, root, nil, false, replayDetectors, "./detectors/record/trace/testdata/parallel")
	for _, cpu := range []string{"2", "4"} {
		t.Run("GOMAXPROCS="+cpu, func(t *testing.T) {
			run := runBinary(t, bin, t.TempDir(), []string{"GORACE=" + corpus.GORACE, "GOMAXPROCS=" + cpu})
			if !strings.Contains("\n"+run.out, "\n"+cpu+" ") { // the program's line: workers, atomics, locked increments
				t.Fatalf("the program did not run %s workers:\n%s", cpu, excerpt(run.out, maxDiffLines))
			}
			compareOnlineReplay(t, run, replayDetectors, 2)
		})
	}
}

// replayDetectors are the detectors TestReplayEqualsOnline and
// TestReplayEqualsOnlineCorpus link beside record, all in one binary, and
// replay together: replay hands a detector the answers the recorder logged
// for its questions, matched by goroutine and kind in order, so the replay
// must run the detectors the recorded run linked (see replay.go's doc).
// count, with function events (replayFlags), makes the replay deliver
// every kind of event the online run delivered, as many times: its
// summaries must be equal.
var replayDetectors = []string{"fasttrack", "hybrid", "lockset", "atomicmix", "lockorder", "leak", "count"}

// replayFlags is DRACE_FLAGS for the online runs and the replays.
const replayFlags = "count.funcs"

// corpusFamilies returns the families of the corpus at root (directories
// holding cases, as internal/corpus loads them) with their directories,
// and the directories of the modules under root (those holding a go.mod).
func corpusFamilies(t *testing.T, root string) (families []string, dirs map[string]string, modules []string) {
	t.Helper()
	cases, err := corpus.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	dirs = map[string]string{}
	for _, c := range cases {
		if _, ok := dirs[c.Family]; !ok {
			families = append(families, c.Family)
			dirs[c.Family] = c.Dir
		}
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			modules = append(modules, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return families, dirs, modules
}

// Corpus cases: each family's test binary, buggy tests and fixed twins, in
// one run, with every detector of replayDetectors beside record.
//
// Each binary runs twice: with one CPU (GOMAXPROCS=1, -test.cpu=1), as
// Go's race suite runs, and with two, where the callbacks of unordered
// events of two goroutines would run at once but for record's
// Policy.Ordered: the trace holds the events in the order every detector
// saw them (see detectors/record's doc, Order). Before that, replay named
// a race's two accesses the other way round (fasttrack, hybrid), and
// order-sensitive detectors reported other accesses or other races
// (lockset's Eraser states): measured at -test.cpu=2, two runs in three
// differed so.
func TestReplayEqualsOnlineCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds corpus test binaries")
	}
	goCmd, root := patchedGoForTest(t)
	corpusRoot := filepath.Join(root, "testdata", "corpus")
	families, dirs, modules := corpusFamilies(t, corpusRoot)
	if len(families) == 0 {
		t.Fatalf("no corpus families in %s", corpusRoot)
	}
	// The families' modules (the corpus's and loopvar's, which keeps its
	// own go version) and this one, for the detectors' import paths.
	work := writeGoWork(t, append([]string{root}, modules...)...)
	// Replay reads these as the online runs do. Every report is printed
	// (corpus runs' GORACE): with the reporter's suppression of equal
	// addresses and stacks, which spans detectors, one detector's
	// mismatch would change what another's prints.
	t.Setenv("GORACE", corpus.GORACE)
	t.Setenv("DRACE_FLAGS", corpus.DraceFlags+" "+replayFlags)
	for _, family := range families {
		t.Run(family, func(t *testing.T) {
			t.Parallel()
			bin := buildRecorded(t, goCmd, dirs[family], []string{"GOWORK=" + work}, true, replayDetectors, ".")
			// A family with panic cases dies of the first: its trace
			// has no end record (see compareOnlineReplay).
			for _, cpu := range []string{"1", "2"} {
				t.Run("cpu="+cpu, func(t *testing.T) {
					run := runBinary(t, bin, dirs[family], []string{"GORACE=" + corpus.GORACE, "GOMAXPROCS=" + cpu},
						"-test.count=1", "-test.cpu="+cpu, "-test.timeout=60s")
					compareOnlineReplay(t, run, replayDetectors, 1)
				})
			}
		})
	}
}
