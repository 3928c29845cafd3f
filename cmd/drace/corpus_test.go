package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags and input are one-line usage errors (exit status 2).
func TestCorpusUsageErrors(t *testing.T) {
	baseline := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(baseline, []byte("{"), 0o666)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-bogus"}, "corpus: flag provided but not defined: -bogus"},
		{[]string{"extra"}, `corpus: unexpected argument "extra"`},
		{[]string{"-count=0"}, "corpus: -count=0: must be at least 1"},
		{[]string{"-cpu=1,x"}, `corpus: -cpu=1,x: "x" is not a positive integer`},
		{[]string{"-cpu=0"}, `corpus: -cpu=0: "0" is not a positive integer`},
		{[]string{"-run=("}, "corpus: -run: error parsing regexp"},
		{[]string{"-update"}, "corpus: -update needs -baseline=FILE"},
		{[]string{"-baseline=" + baseline}, "corpus: -baseline: " + baseline + ": unexpected end of JSON input"},
		{[]string{"-baseline=/nonexistent/b.json"}, "corpus: -baseline: open /nonexistent/b.json"},
		{[]string{"-timeout=0s"}, "corpus: -timeout=0s: must be positive"},
		{[]string{"-detectors=nosuch", "-dir=../../internal/corpus/testdata/corpus"}, `corpus: -detectors: detector "nosuch" is not installed`},
		{[]string{"-detectors=tsan,", "-dir=../../internal/corpus/testdata/corpus"}, "corpus: -detectors=tsan,: empty name"},
		{[]string{"-detectors=tsan", "-dir=/nonexistent/corpus"}, "corpus: stat /nonexistent/corpus"},
		{[]string{"-detectors=tsan", "-dir=../../internal/corpus/testdata/corpus", "-run=NoSuchTest"},
			"corpus: no case test in ../../internal/corpus/testdata/corpus matches -run=NoSuchTest"},
	}
	for _, tt := range tests {
		err := corpusCmd(tt.args)
		var u errUsage
		if !errors.As(err, &u) {
			t.Errorf("corpus %v: error %v, want a usage error", tt.args, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("corpus %v: error %q, want one line starting %q", tt.args, err, tt.want)
		}
	}
}

func TestGosuiteUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-bogus"}, "gosuite: flag provided but not defined: -bogus"},
		{[]string{"-cpu=0"}, "gosuite: -cpu=0: must be at least 1"},
		{[]string{"x"}, `gosuite: unexpected argument "x"`},
		{[]string{"-race=false"}, "gosuite: nothing to run: give -race or -drace=LIST"},
		{[]string{"-drace=nosuch"}, `gosuite: -detectors: detector "nosuch" is not installed`},
	}
	for _, tt := range tests {
		err := gosuiteCmd(tt.args)
		var u errUsage
		if !errors.As(err, &u) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("gosuite %v: error %v, want usage error starting %q", tt.args, err, tt.want)
		}
	}
}

// The command's exit statuses: 2 and one line on stderr for bad flags, 1
// for a run worse than the baseline, 0 otherwise.
func TestCorpusExitStatus(t *testing.T) {
	if _, err := goCommand(); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	exe := filepath.Join(t.TempDir(), "drace")
	build := exec.Command(goCmd(t), "build", "-o", exe, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building drace: %v\n%s", err, out)
	}
	run := func(args ...string) (int, string, string) {
		cmd := exec.Command(exe, args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String(), stderr.String()
	}
	code, _, stderr := run("corpus", "-count=x")
	if code != 2 || stderr != "drace: corpus: invalid value \"x\" for flag -count: parse error\n" {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr)
	}

	dir := "-dir=../../internal/corpus/testdata/corpus"
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	code, stdout, stderr := run("corpus", dir, "-detectors=tsan", "-run=crash/", "-baseline="+baseline, "-update")
	if code != 0 || !strings.Contains(stdout, "wrote "+baseline+": 2 verdicts, 2 from this run") {
		t.Fatalf("-update: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run("corpus", dir, "-detectors=tsan", "-run=crash/", "-baseline="+baseline)
	if code != 0 || strings.Contains(stdout, "worse") {
		t.Errorf("same as baseline: exit %d\n%s", code, stdout)
	}
	// A baseline better than the run: exit 1 naming the regression.
	os.WriteFile(baseline, []byte(`{"crash/TestPanicNegativeWG/tsan": "TP", "crash/TestNoPanicNegativeWG/tsan": "OK", "basic/TestNoRaceWrongLine/tsan": "OK"}`), 0o666)
	code, stdout, _ = run("corpus", dir, "-detectors=tsan", "-run=TestNoRaceWrongLine|crash/", "-baseline="+baseline)
	if code != 1 || !strings.Contains(stdout, "worse: basic/TestNoRaceWrongLine/tsan: OK -> FP") {
		t.Errorf("regression: exit %d\n%s", code, stdout)
	}
}

func goCmd(t *testing.T) string {
	g, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	return g
}
