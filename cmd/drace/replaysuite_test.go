package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"drace/internal/corpus"
)

// suiteGORACE is GORACE for Go's race suite, as gosuite.sh sets it: every
// report printed, no exit delay.
const suiteGORACE = "suppress_equal_stacks=0 suppress_equal_addresses=0 atexit_sleep_ms=0"

// maxSuiteRuns bounds the online runs of the suite when it dies of its
// own map test: TestRaceCrawl writes a map from several goroutines, and
// after the race report the runtime's map check can kill the binary
// ("fatal error: concurrent map read and map write"), with stock Go too.
const maxSuiteRuns = 3

// suiteTestRE matches the lines that say which test the output that
// follows belongs to.
var suiteTestRE = regexp.MustCompile(`^=== (?:RUN|CONT|NAME) +(Test\S*)`)

// A suiteReport is a parsed report and the test whose output it is in.
type suiteReport struct {
	test string
	r    parsedReport
}

// reportsByTest returns detector's reports in out, each with the test
// (a TestRace*, TestNoRace* or other test, or "" before the first) whose
// output it is in.
func reportsByTest(out, detector string) []suiteReport {
	reports, at := parseReportLines(out, detector)
	lines := strings.Split(out, "\n")
	var srs []suiteReport
	test, next := "", 0
	for i, r := range reports {
		for ; next < at[i]; next++ {
			if m := suiteTestRE.FindStringSubmatch(lines[next]); m != nil {
				test = m[1]
			}
		}
		srs = append(srs, suiteReport{test, r})
	}
	return srs
}

// testFrameRE matches a frame of a Test function or of its closures.
var testFrameRE = regexp.MustCompile(`\.(Test[A-Za-z0-9_]*)[.(]`)

// testOfFrames returns the Test function whose frame (or closure's) is in
// r's stacks, or "".
func testOfFrames(r parsedReport) string {
	for _, a := range r.Accesses {
		for _, f := range a.Frames {
			if m := testFrameRE.FindStringSubmatch(f); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// Go's own race suite (GOROOT/src/runtime/race/testdata of the patched
// toolchain), one test binary built as gosuite.sh builds it, with record
// and fasttrack, run as gosuite.sh runs it (GOMAXPROCS=1, every report
// printed): the fasttrack reports of the run, as a whole and per test,
// must be those the replay of its trace prints. Replay prints its reports
// in trace order without test names: a replayed report belongs to the
// test of the equal online report it is matched with (in order), or else
// to the Test function in its stacks.
func TestReplayEqualsOnlineGoSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Go's race suite, replays a trace of 100+ MB")
	}
	goCmd, root := patchedGoForTest(t)
	env := exec.Command(goCmd, "env", "GOROOT")
	env.Env = corpus.Env()
	out, err := env.Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "src", "runtime", "race")
	files, _ := filepath.Glob(filepath.Join(dir, "testdata", "*_test.go"))
	if len(files) == 0 {
		t.Fatalf("no %s/testdata/*_test.go", dir)
	}
	for i, f := range files {
		files[i] = "./testdata/" + filepath.Base(f)
	}
	detectors := []string{"fasttrack"}
	const det = "fasttrack"
	// The suite's files are a package of their own in the std module; the
	// workspace adds this module, for the detectors' import paths.
	work := writeGoWork(t, root)
	bin := buildRecorded(t, goCmd, dir, []string{"GOWORK=" + work}, true, detectors, files...)

	t.Setenv("GORACE", suiteGORACE) // replay reads it as the runtime does
	var run *recordedRun
	for attempt := 1; ; attempt++ {
		run = runBinary(t, bin, filepath.Join(dir, "testdata"), []string{"GOMAXPROCS=1", "GORACE=" + suiteGORACE}, "-test.v", "-test.count=1")
		if strings.Contains(run.out, "ALL TESTS COMPLETE") {
			break
		}
		if attempt < maxSuiteRuns && strings.Contains(run.out, "fatal error: concurrent map") {
			t.Logf("run %d died of the runtime's map check (TestRaceCrawl's map); running the suite again", attempt)
			os.Remove(run.trace)
			continue
		}
		lines := strings.Split(strings.TrimRight(run.out, "\n"), "\n")
		t.Fatalf("the suite did not complete (%v):\n%s", run.err, strings.Join(lines[max(0, len(lines)-40):], "\n"))
	}
	fi, err := os.Stat(run.trace)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trace: %d bytes (%.1f MB)", fi.Size(), float64(fi.Size())/(1<<20))

	replayed, res := replayFile(t, run.trace, false, detectors...)
	online := reportsByTest(run.out, det)
	got := parseReports(t, replayed, det)
	want := make([]parsedReport, len(online))
	for i, sr := range online {
		want[i] = sr.r
	}
	t.Logf("%d reports online, %d replayed, %d events", len(want), len(got), res.Events)
	if len(want) == 0 {
		t.Fatalf("the online run printed no %s reports", det)
	}

	// As a whole: the same reports in the same order.
	if len(want) != len(got) {
		t.Errorf("%d reports online, %d replayed", len(want), len(got))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the replayed reports differ from the online ones (-online +replay):\n%s", excerpt(diff, maxDiffLines))
	}
	if diff := cmp.Diff(detectorPanics(run.out, det), detectorPanics(replayed, det)); diff != "" {
		t.Errorf("the detector's panics differ (-online +replay):\n%s", diff)
	}

	// Per test: each online report is matched with the first replayed
	// one equal to it not yet matched; the tests
	// whose reports are not all matched both ways are listed.
	type counts struct{ online, replayed, missing, extra int }
	perTest := map[string]*counts{}
	testCounts := func(test string) *counts {
		if perTest[test] == nil {
			perTest[test] = &counts{}
		}
		return perTest[test]
	}
	matched := make([]bool, len(got))
	for _, sr := range online {
		c := testCounts(sr.test)
		c.online++
		found := false
		for i, r := range got {
			if !matched[i] && reflect.DeepEqual(sr.r, r) {
				matched[i], found = true, true
				break
			}
		}
		if found {
			c.replayed++
		} else {
			c.missing++
		}
	}
	for i, r := range got {
		if !matched[i] {
			c := testCounts(testOfFrames(r))
			c.replayed++
			c.extra++
		}
	}
	var bad []string
	for _, test := range slices.Sorted(maps.Keys(perTest)) {
		if c := perTest[test]; c.missing > 0 || c.extra > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d reports online, %d replayed: %d online only, %d replay only", test, c.online, c.replayed, c.missing, c.extra))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d tests' reports differ:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
	t.Logf("%d tests printed reports", len(perTest))
}
