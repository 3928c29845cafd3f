package corpus

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"drace/internal/toolchain"
)

// TestRunFixtureCorpus runs the fixture corpus with the patched toolchain
// under -race and one -drace binary holding fasttrack and count, whose
// reports the runner must tell apart by their titles.
func TestRunFixtureCorpus(t *testing.T) {
	repo, err := toolchain.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(toolchain.GOROOT(repo)); os.IsNotExist(err) {
		t.Skipf("no patched toolchain: %v", err)
	}
	goCmd, err := toolchain.GoCommand(repo)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := Load("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	opt := Options{
		GoCmd:     goCmd,
		Detectors: []string{"tsan", "fasttrack", "count"},
		CPUs:      []int{1, 2},
		Workers:   2,
		Progress:  &progress,
	}
	results, err := Run(context.Background(), cases, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("progress:\n%s", progress.String())

	got := map[string]string{}
	for _, r := range results {
		got[r.Key()] = r.Verdict
		if len(r.Runs) != 2 {
			t.Errorf("%s: %d runs, want 2 (one per -cpu)", r.Key(), len(r.Runs))
		}
	}
	want := map[string]string{}
	add := func(test string, verdicts ...string) {
		for i, d := range opt.Detectors {
			want[test+"/"+d] = verdicts[i]
		}
	}
	//                                     tsan fasttrack count
	add("basic/TestRaceHandoff", NA, NA, NA) // a lockset case: HB detectors need not, and do not, report
	add("basic/TestNoRaceHandoff", OK, OK, OK)
	add("basic/TestRaceSimple", TP, TP, NA)
	add("basic/TestNoRaceSimple", OK, OK, OK)
	add("basic/TestRaceWrongLine", FN, FN, NA)   // the want is on the wrong line
	add("basic/TestNoRaceWrongLine", FP, FP, OK) // the twin races
	add("crash/TestPanicNegativeWG", TP, TP, TP) // class runtime: everyone sees the panic
	add("crash/TestNoPanicNegativeWG", OK, OK, OK)
	if diff := cmp.Diff(want, got); diff != "" {
		var details bytes.Buffer
		WriteDetails(&details, results)
		t.Errorf("verdicts (-want +got):\n%s\n%s", diff, details.String())
	}

	// Results come in a stable order: cases as loaded, buggy test first,
	// detectors as given.
	var keys []string
	for _, r := range results {
		keys = append(keys, r.Key())
	}
	if keys[0] != "basic/TestRaceHandoff/tsan" || keys[1] != "basic/TestRaceHandoff/fasttrack" || keys[3] != "basic/TestNoRaceHandoff/tsan" {
		t.Errorf("result order: %v", keys[:4])
	}

	// The wrong-line case says why.
	for _, r := range results {
		if r.Key() != "basic/TestRaceWrongLine/fasttrack" {
			continue
		}
		o := r.Runs[0]
		if !slices.Contains(o.Mismatches, "no report matching: wrongline_test.go:17: want race") ||
			!slices.ContainsFunc(o.Mismatches, func(m string) bool {
				return strings.HasPrefix(m, "unexpected report: wrongline_test.go:14: race (fasttrack) DATA RACE")
			}) || !strings.Contains(o.Diff, `"wrongline_test.go:17 race"`) {
			t.Errorf("wrong-line mismatches: %q\ndiff:\n%s", o.Mismatches, o.Diff)
		}
	}

	// One progress line per process: 8 tests × 2 binaries × 2 CPU settings.
	lines := regexp.MustCompile(`(?m)^\[\d+/32\] (tsan|fasttrack,count) \S+ -test.cpu=[12] `).FindAllString(progress.String(), -1)
	if len(lines) != 32 {
		t.Errorf("%d progress lines, want 32", len(lines))
	}
}

func TestConfigs(t *testing.T) {
	type cfg struct {
		Name      string
		Flags     []string
		Detectors []string
	}
	conv := func(cs []config) []cfg {
		var out []cfg
		for _, c := range cs {
			out = append(out, cfg{c.name, c.flags, c.detectors})
		}
		return out
	}
	dets := []string{"fasttrack", "tsan", "lockset"}
	want := []cfg{
		{"tsan", []string{"-race"}, []string{"tsan"}},
		{"fasttrack,lockset", []string{"-drace=fasttrack,lockset"}, []string{"fasttrack", "lockset"}},
	}
	if diff := cmp.Diff(want, conv(configs(dets, false))); diff != "" {
		t.Errorf("combined (-want +got):\n%s", diff)
	}
	want = []cfg{
		{"fasttrack", []string{"-drace=fasttrack"}, []string{"fasttrack"}},
		{"tsan", []string{"-race"}, []string{"tsan"}},
		{"lockset", []string{"-drace=lockset"}, []string{"lockset"}},
	}
	if diff := cmp.Diff(want, conv(configs(dets, true))); diff != "" {
		t.Errorf("separate (-want +got):\n%s", diff)
	}
	// predict is a configuration of its own, recording, whose results
	// are the algorithms'.
	dets = []string{"fasttrack", Predict}
	want = []cfg{
		{Predict, []string{"-drace=record"}, PredictAlgorithms},
		{"fasttrack", []string{"-drace=fasttrack"}, []string{"fasttrack"}},
	}
	if diff := cmp.Diff(want, conv(configs(dets, false))); diff != "" {
		t.Errorf("predict (-want +got):\n%s", diff)
	}
	if got, want := expand(dets), []string{"fasttrack", "shb", "wcp", "syncp", "block"}; !slices.Equal(got, want) {
		t.Errorf("expand(%q) = %q, want %q", dets, got, want)
	}
}

// Class predict, the prediction algorithms', must catch the races of
// classes hb and predictive.
func TestPredictClass(t *testing.T) {
	for _, tc := range []struct {
		classes []string
		want    bool
	}{
		{[]string{"hb"}, true},
		{[]string{"lockset", "predictive"}, true},
		{[]string{"lockset"}, false},
		{[]string{"leak"}, false},
	} {
		c := &Case{Classes: tc.classes}
		for _, d := range PredictAlgorithms {
			if d == "block" {
				continue
			}
			if got := c.Expected(d); got != tc.want {
				t.Errorf("classes %v: Expected(%s) = %v, want %v", tc.classes, d, got, tc.want)
			}
		}
	}
}

// drace predict's block, of class predictblock, must catch the blocking
// bugs of its own class only: not the races the others predict, not the
// hangs lockorder and leak report as they happen.
func TestPredictBlockClass(t *testing.T) {
	for _, tc := range []struct {
		classes []string
		want    bool
	}{
		{[]string{"predictblock"}, true},
		{[]string{"hb"}, false},
		{[]string{"lockset", "predictive"}, false},
		{[]string{"lockorder"}, false},
		{[]string{"leak"}, false},
	} {
		c := &Case{Classes: tc.classes}
		if got := c.Expected("block"); got != tc.want {
			t.Errorf("classes %v: Expected(block) = %v, want %v", tc.classes, got, tc.want)
		}
	}
	// Its deadlock wants, with its own texts, are not leak's.
	c := &Case{Classes: []string{"predictblock"}, Wants: []Want{{Kind: "deadlock", Regexp: regexp.MustCompile("Signal before the Wait")}}}
	if ws := c.relevant("block"); len(ws) != 1 {
		t.Errorf("relevant(block) = %v, want the Signal want", ws)
	}
	if ws := c.relevant("leak"); len(ws) != 0 {
		t.Errorf("relevant(leak) = %v, want none", ws)
	}
}

func TestCaseEnv(t *testing.T) {
	t.Setenv("DRACE_FLAGS", "leak.explosion=7")
	t.Setenv("GORACE", "halt_on_error=1")
	env := caseEnv()
	last := map[string]string{} // as os/exec resolves duplicates: the last wins
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v
	}
	if got := last["DRACE_FLAGS"]; got != "leak.explosion=1000" {
		t.Errorf("DRACE_FLAGS = %q, want leak.explosion=1000", got)
	}
	if got := last["GORACE"]; got != GORACE {
		t.Errorf("GORACE = %q, want %q", got, GORACE)
	}
}
