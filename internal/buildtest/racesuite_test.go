package buildtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
		t.Fatalf("go test -race runtime/race: %v\n%s", err, tail(out, 60))
	}
	if want := fmt.Sprintf("Passed %d of %d tests", raceSuiteTests, raceSuiteTests); string(m[0]) != want {
		t.Errorf("race suite: %s, want %s", m[0], want)
	}
}

// TestGosuite scores the patched toolchain's -race with the project's shared
// evaluation script, the number quoted in reports.
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
	out, err := command(repo(t), "bash", script, patchedGo(t), "-race").CombinedOutput()
	m := passedLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("gosuite.sh: %v\n%s", err, tail(out, 40))
	}
	if want := fmt.Sprintf("Passed %d of %d tests", raceSuiteTests, raceSuiteTests); string(m[0]) != want || err != nil {
		t.Errorf("gosuite.sh -race: %s (err %v), want %s\n%s", m[0], err, want, tail(out, 40))
	}
}
