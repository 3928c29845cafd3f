package buildtest

import (
	"bytes"
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
		"TestDraceLogPath", "TestFormatDataRace", "TestFormatVariants", "TestDraceHostAnswers"} {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Errorf("runtime/race's %s did not pass", name)
		}
	}
}

// maxSuiteAttempts bounds the runs of gosuite.sh when the suite dies of
// its own map test (see diedOfMapFatal).
const maxSuiteAttempts = 3

// diedOfMapFatal reports whether gosuite.sh could not complete the suite
// because a test of Go's suite died of the runtime's own check, "fatal
// error: concurrent map read and map write". TestRaceCrawl writes a map
// from several goroutines; the race report comes first, but the map's
// check can then kill the whole test binary. This happens with stock Go
// too: 8 of 200 runs of TestRaceCrawl alone, GOMAXPROCS=2, stock
// Go 1.26.8 -race. An incomplete run is not a score, so it is run again.
func diedOfMapFatal(out []byte) bool {
	return bytes.Contains(out, []byte("gosuite: the run did not complete")) &&
		bytes.Contains(out, []byte("fatal error: concurrent map"))
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
				var out []byte
				var err error
				for attempt := 1; ; attempt++ {
					cmd := command(repo(t), "bash", script, goCmd, flag)
					cmd.Env = append(cmd.Env, "GOSUITE_CPU="+cpu)
					out, err = cmd.CombinedOutput()
					if attempt == maxSuiteAttempts || !diedOfMapFatal(out) {
						break
					}
					t.Logf("attempt %d: the suite's own map test died of the runtime's map check; running it again", attempt)
				}
				m := passedLine.FindSubmatch(out)
				if m == nil {
					t.Fatalf("gosuite.sh: %v\n%s", err, tail(out, 40))
				}
				t.Logf("%s", m[0])
				if want := fmt.Sprintf("Passed %d of %d tests", raceSuiteTests, raceSuiteTests); string(m[0]) != want || err != nil {
					t.Errorf("gosuite.sh %s: %s (err %v), want %s\n%s", flag, m[0], err, want, tail(out, 40))
				}
			})
		}
	}
}
