package buildtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Go's race suite counts 368 tests in runtime/race/testdata for Go 1.26.8.
const raceSuiteTests = 368

var passedLine = regexp.MustCompile(`(?m)^Passed (\d+) of (\d+) tests`)

// TestRaceSuite runs runtime/race's own tests, which run the testdata suite
// under -race and check each TestRace*/TestNoRace* verdict, on the patched
// toolchain and its source-built runtime.
func TestRaceSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Go's whole race suite (minutes)")
	}
	goCmd := patchedGo(t)
	out, err := command(t.TempDir(), goCmd, "test", "-race", "-count=1", "-v", "runtime/race").CombinedOutput()
	m := passedLine.FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("go test -race runtime/race: %v\n%s\n[…]\n%s", err, failures(out), tail(out, 20))
	}
	if want := fmt.Sprintf("Passed %d of %d tests", raceSuiteTests, raceSuiteTests); string(m[0]) != want {
		t.Errorf("race suite: %s, want %s", m[0], want)
	}
	// The package also tests drace's dispatch and report format.
	for _, name := range []string{"TestDraceDispatchExact", "TestDracePanickingDetector", "TestDraceOutput",
		"TestDraceLogPath", "TestFormatDataRace", "TestFormatVariants", "TestDraceHostAnswers",
		"TestAccessBatch", "TestAccessBatchRuns", "TestScanMarks"} {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Errorf("runtime/race's %s did not pass", name)
		}
	}
}

// maxSuiteAttempts bounds the runs of gosuite.sh when a run says nothing
// about the detector (see rerunReason), and the runs of a missed test
// alone (caughtAlone). Unloaded at GOMAXPROCS 2, 4 of 6
// runs under -drace=fasttrack hit one such failure (two of
// TestRaceChanCloseSend's panic, a miss of RaceAsFunc3, one of
// RaceWaitGroupWrongAdd) and 0 of 4 under -race: drace's slower
// synchronisation lets a new goroutine win more races against its parent.
const maxSuiteAttempts = 5

// scheduleDependent names the tests of Go's suite that any happens-before
// detector, ThreadSanitizer included, misses at GOMAXPROCS > 1 when the
// schedule orders the racing accesses; Go's own harness runs the suite at
// GOMAXPROCS 1 "to prevent test flakiness". A miss of one of these alone
// is run again; a false positive never is.
var scheduleDependent = map[string]string{
	// If the goroutine takes mu before main does, its read of x, before
	// its Lock, happens before main's write under mu.
	"RaceAsFunc3": "the goroutine took the mutex first",
	// The race is wg.Add in a goroutine against wg.Wait after a 50 ms
	// sleep: a loaded machine can delay the Adds past the sleep, or
	// let both goroutines finish their 100 ms first.
	"RaceWaitGroupWrongAdd": "the sleeps did not order Add and Wait",
}

var failedLine = regexp.MustCompile(`(?m)^FAILED([+-]) (\S+)$`)

// rerunReason says why a gosuite.sh run is no score of the detector and is
// run again, or returns "". Such runs, all seen with stock Go too:
//   - it does not complete: TestRaceCrawl writes a map from several
//     goroutines and the runtime's own check, "fatal error: concurrent map
//     read and map write", can kill the test binary after the race report
//     (8 of 200 runs of TestRaceCrawl alone, GOMAXPROCS=2, stock Go 1.26.8
//     -race); TestRaceChanCloseSend's close can come before its send, a
//     panic "send on closed channel";
//   - the only failures are misses of scheduleDependent tests (parallel
//     only: at GOMAXPROCS 1 the schedule is the one Go's harness expects);
//   - under ThreadSanitizer (-race), the only failures are misses:
//     ThreadSanitizer misses one of the suite's races now and then on Go's
//     own builders (golang/go#14119); here it missed TestRaceChanSendLen
//     once at GOMAXPROCS 1, on the runtime's unchanged tsan path. A miss
//     that is no accident fails every attempt.
func rerunReason(out []byte, parallel, tsan bool) string {
	if bytes.Contains(out, []byte("gosuite: the run did not complete")) {
		switch {
		case bytes.Contains(out, []byte("fatal error: concurrent map")):
			return "the suite's own map test died of the runtime's map check"
		case bytes.Contains(out, []byte("panic: send on closed channel")) &&
			bytes.Contains(out, []byte("TestRaceChanCloseSend(")):
			return "TestRaceChanCloseSend's goroutine closed the channel before the send"
		}
		return ""
	}
	failed := failedLine.FindAllSubmatch(out, -1)
	if len(failed) == 0 {
		return ""
	}
	var why []string
	for _, f := range failed {
		r, ok := scheduleDependent[string(f[2])]
		switch {
		case string(f[1]) == "+":
			return ""
		case tsan:
			r = "an occasional ThreadSanitizer miss"
		case !ok || !parallel:
			return ""
		}
		why = append(why, fmt.Sprintf("%s missed (%s)", f[2], r))
	}
	return strings.Join(why, ", ")
}

// failures returns the output of the failed tests in a go test -v
// output: each "--- FAIL" line with the lines of the test before it.
func failures(out []byte) string {
	var b strings.Builder
	var block []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "=== RUN") {
			block = block[:0]
		}
		block = append(block, line)
		if strings.HasPrefix(strings.TrimSpace(line), "--- FAIL") {
			for _, l := range block[max(0, len(block)-80):] {
				b.WriteString(l + "\n")
			}
			block = block[:0]
		}
	}
	return b.String()
}

// TestGosuite scores the patched toolchain with the project's shared
// evaluation script, the numbers quoted in reports: ThreadSanitizer (-race)
// and the FastTrack detector alone (-drace=fasttrack), at GOMAXPROCS 1 and 2.
func TestGosuite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Go's whole race suite (minutes)")
	}
	script := os.Getenv("DRACE_GOSUITE")
	if script == "" {
		script = filepath.Join(filepath.Dir(repo(t)), "shared", "eval", "gosuite.sh")
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no gosuite.sh (set DRACE_GOSUITE to its path): %v", err)
	}
	goCmd := patchedGo(t)
	for _, flag := range []string{"-race", "-drace=fasttrack"} {
		for _, cpu := range []string{"1", "2"} {
			t.Run(flag+"/GOSUITE_CPU="+cpu, func(t *testing.T) {
				suite := func(args ...string) ([]byte, error) {
					cmd := command(repo(t), "bash", append([]string{script, goCmd, flag}, args...)...)
					cmd.Env = append(cmd.Env, "GOSUITE_CPU="+cpu)
					return cmd.CombinedOutput()
				}
				var out []byte
				var err error
				caught := 0 // misses caught when the test ran alone
				for attempt := 1; ; attempt++ {
					out, err = suite()
					why := rerunReason(out, cpu != "1", flag == "-race")
					if why == "" {
						break
					}
					if missed := failedLine.FindAllSubmatch(out, -1); len(missed) > 0 && caughtAlone(t, suite, missed) {
						// The run completed and only missed races the
						// detector catches when the schedule shows them.
						t.Logf("attempt %d: %s; each caught when run alone", attempt, why)
						caught = len(missed)
						break
					}
					if attempt == maxSuiteAttempts {
						t.Logf("attempt %d: %s; giving up", attempt, why)
						break
					}
					t.Logf("attempt %d: %s; running the suite again", attempt, why)
				}
				m := passedLine.FindSubmatch(out)
				if m == nil {
					t.Fatalf("gosuite.sh: %v\n%s", err, tail(out, 40))
				}
				t.Logf("%s", m[0])
				want := fmt.Sprintf("Passed %d of %d tests", raceSuiteTests-caught, raceSuiteTests)
				if string(m[0]) != want || err != nil && caught == 0 {
					t.Errorf("gosuite.sh %s: %s (err %v), want %s\n%s", flag, m[0], err, want, tail(out, 40))
				}
			})
		}
	}
}

// caughtAlone reports whether each missed test (gosuite.sh's FAILED-
// lines) reports its race in one of at most maxSuiteAttempts runs of the
// test alone.
func caughtAlone(t *testing.T, suite func(...string) ([]byte, error), missed [][][]byte) bool {
	for _, f := range missed {
		ok := false
		for i := 0; i < maxSuiteAttempts && !ok; i++ {
			out, _ := suite("-run=^Test" + string(f[2]) + "$")
			ok = bytes.Contains(out, []byte("Passed 1 of 1 tests"))
		}
		if !ok {
			t.Logf("%s missed in %d runs alone too", f[2], maxSuiteAttempts)
			return false
		}
	}
	return true
}

func TestRerunReason(t *testing.T) {
	const passed = "Passed 367 of 368 tests (99.73%, 0+, 1-)\n"
	for _, tc := range []struct {
		out            string
		parallel, tsan bool
		rerun          bool
	}{
		{"FAILED- RaceAsFunc3\n" + passed, true, false, true},
		{"FAILED- RaceAsFunc3\nFAILED- RaceWaitGroupWrongAdd\n" + passed, true, false, true},
		{"FAILED- RaceAsFunc3\n" + passed, false, false, false}, // GOMAXPROCS 1: a real miss
		{"FAILED- RaceMapRW\n" + passed, true, false, false},    // not schedule-dependent
		{"FAILED- RaceChanSendLen\n" + passed, false, true, true},
		{"FAILED+ NoRaceCgoSync\nFAILED- RaceAsFunc3\n", true, false, false}, // a false positive is never run again
		{"FAILED+ NoRaceCgoSync\n", false, true, false},
		{"gosuite: the run did not complete:\nfatal error: concurrent map writes\n", false, false, true},
		{"gosuite: the run did not complete:\npanic: send on closed channel [recovered, repanicked]\n" +
			"command-line-arguments_test.TestRaceChanCloseSend(0xa8850c?)\n", true, false, true},
		{"gosuite: the run did not complete:\npanic: send on closed channel\nmain.TestOther()\n", true, false, false},
		{"gosuite: the run did not complete:\nsignal: killed\n", true, true, false},
		{"Passed 368 of 368 tests (100.00%, 0+, 0-)\n", true, true, false},
	} {
		if got := rerunReason([]byte(tc.out), tc.parallel, tc.tsan) != ""; got != tc.rerun {
			t.Errorf("rerunReason(%q, parallel=%v, tsan=%v) gives a reason: %v, want %v", tc.out, tc.parallel, tc.tsan, got, tc.rerun)
		}
	}
}

func TestCaughtAlone(t *testing.T) {
	missed := failedLine.FindAllSubmatch([]byte("FAILED- RaceAsFunc3\nFAILED- RaceWaitGroupWrongAdd\n"), -1)
	runs := map[string]int{}
	suite := func(catchOn int) func(...string) ([]byte, error) {
		return func(args ...string) ([]byte, error) {
			runs[args[0]]++
			if runs[args[0]] == catchOn {
				return []byte("Passed 1 of 1 tests (100.00%, 0+, 0-)\n"), nil
			}
			return []byte("FAILED- X\nPassed 0 of 1 tests (0.00%, 0+, 1-)\n"), errors.New("exit status 1")
		}
	}
	if !caughtAlone(t, suite(3), missed) {
		t.Errorf("tests caught at their third run alone: not caught")
	}
	if runs["-run=^TestRaceAsFunc3$"] != 3 || runs["-run=^TestRaceWaitGroupWrongAdd$"] != 3 {
		t.Errorf("runs alone: %v", runs)
	}
	clear(runs)
	if caughtAlone(t, suite(maxSuiteAttempts+1), missed) {
		t.Errorf("tests never caught alone: caught")
	}
}
