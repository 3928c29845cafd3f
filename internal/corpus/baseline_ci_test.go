package corpus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"drace/internal/toolchain"
)

// ciCount is how many times TestCorpusHoldsBaseline runs each case test
// under each configuration (-test.cpu=2), and ciRetryCount how many more
// times it runs those worse than the baseline before it believes them.
const (
	ciCount      = 2
	ciRetryCount = 3
)

// TestCorpusHoldsBaseline runs the whole corpus (testdata/corpus at the
// repository root) with the patched toolchain under every detector of its
// baseline (testdata/corpus/baseline.json, written by
// `drace corpus -detectors=all -count=3 -baseline=testdata/corpus/baseline.json -update`)
// and fails listing every verdict worse than the baseline's.
//
// The corpus is about concurrency, so some verdicts depend on the
// schedule: a result worse than its baseline is run again, ciRetryCount
// times on its own, and is a regression only if those runs agree on a
// verdict worse than the baseline's too (runs that disagree show a
// nondeterministic verdict that the baseline's runs did not happen to
// catch: logged, not failed). A baseline verdict "flaky" (the baseline's
// runs disagreed) accepts any verdict but error. Skipped in -short mode and without the patched
// toolchain (_build/goroot, made by ./build.sh).
func TestCorpusHoldsBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole corpus: minutes")
	}
	repo, goCmd, base, cases := loadCorpus(t, "")
	goroot := toolchain.GOROOT(repo)

	// The detectors are the baseline's, which must be installed; but
	// the prediction algorithms, which TestPredictHoldsBaseline runs on
	// a few families (the whole corpus recorded and predicted on takes
	// minutes more).
	var dets []string
	for _, k := range base.Keys() {
		d := k[strings.LastIndex(k, "/")+1:]
		if slices.Contains(PredictAlgorithms, d) {
			continue
		}
		if !slices.Contains(dets, d) {
			dets = append(dets, d)
		}
	}
	dets = SortDetectors(dets)
	for _, d := range dets {
		if d == "tsan" {
			continue
		}
		if _, err := os.Stat(filepath.Join(goroot, "src", "runtime", "race", "detectors", d)); err != nil {
			t.Fatalf("detector %s of the baseline is not installed in %s: %v", d, goroot, err)
		}
	}

	// Every case test of the corpus has its baseline verdicts, and every
	// baseline entry is a case test of the corpus: a new or renamed case
	// needs `drace corpus … -update`.
	tests := map[string]bool{}
	for _, c := range cases {
		for _, test := range []string{c.Buggy, c.Twin} {
			for _, d := range dets {
				key := c.Family + "/" + test + "/" + d
				tests[key] = true
				if _, ok := base[key]; !ok {
					t.Errorf("%s: not in the baseline", key)
				}
			}
		}
	}
	for _, k := range base.Keys() {
		if !tests[k] && !slices.Contains(PredictAlgorithms, k[strings.LastIndex(k, "/")+1:]) {
			t.Errorf("%s: in the baseline but no case test of the corpus", k)
		}
	}
	if t.Failed() {
		t.Logf("update the baseline: cd %s && drace corpus -detectors=all -count=3 -baseline=testdata/corpus/baseline.json -update", repo)
	}

	run := func(opt Options) []*Result {
		t.Helper()
		var progress bytes.Buffer
		opt.GoCmd, opt.Detectors, opt.Progress = goCmd, dets, &progress
		start := time.Now()
		results, err := Run(context.Background(), cases, opt)
		if err != nil {
			t.Fatalf("%v\n%s", err, progress.String())
		}
		t.Logf("ran %d results in %v", len(results), time.Since(start).Round(time.Second))
		return results
	}
	results := run(Options{Count: ciCount})
	worse := regressions(base, results)
	if len(worse) == 0 {
		return
	}

	// Run the worse ones again, alone.
	var names []string
	for _, r := range worse {
		names = append(names, regexp.QuoteMeta(r.Family+"/"+r.Test))
	}
	slices.Sort(names)
	names = slices.Compact(names)
	again := run(Options{Count: ciRetryCount, Run: regexp.MustCompile("^(" + strings.Join(names, "|") + ")$")})
	byKey := map[string]*Result{}
	for _, r := range again {
		byKey[r.Key()] = r
	}
	var still []*Result
	for _, r := range worse {
		a := byKey[r.Key()]
		switch {
		case a == nil:
			still = append(still, r)
		case a.Verdict == Flaky:
			// Sometimes as the baseline, sometimes not: the schedule
			// decides, and the baseline's runs happened not to show it.
			t.Logf("%s: %s -> %s, then %s when run again: nondeterministic, not a regression", r.Key(), base[r.Key()], r.Verdict, a.Verdict)
		case len(regressions(base, []*Result{a})) > 0:
			still = append(still, r, a)
		default:
			t.Logf("%s: %s -> %s, then %s when run again: not a regression", r.Key(), base[r.Key()], r.Verdict, a.Verdict)
		}
	}
	if len(still) == 0 {
		return
	}
	var lines []string
	for i := 0; i < len(still); i++ {
		r := still[i]
		line := fmt.Sprintf("%s (%s): %s -> %s", r.Key(), r.File, base[r.Key()], r.Verdict)
		if i+1 < len(still) && still[i+1].Key() == r.Key() {
			line += ", then " + still[i+1].Verdict + " when run again"
			i++
		}
		lines = append(lines, line)
	}
	var details bytes.Buffer
	WriteDetails(&details, still)
	t.Errorf("%d verdicts worse than testdata/corpus/baseline.json:\n\t%s\n\n%s",
		len(lines), strings.Join(lines, "\n\t"), details.String())
}

// regressions returns the results worse than their baseline verdict (see
// Compare), but for a baseline "flaky", which any verdict but error meets.
func regressions(base Baseline, results []*Result) []*Result {
	var worse []*Result
	for _, r := range results {
		old, ok := base[r.Key()]
		if !ok || rank[r.Verdict] <= rank[old] || old == Flaky && r.Verdict != Error {
			continue
		}
		worse = append(worse, r)
	}
	return worse
}

// predictFamilies are the families TestPredictHoldsBaseline runs: the
// races a reordering of critical sections exposes (lockset), and
// channels' edges; predictBlocking the blocking family's cases only
// block predicts (class predictblock: the others hang or leak).
var (
	predictFamilies = []string{"lockset", "channels"}
	predictBlocking = "blocking/Test(No)?DeadlockPredicted(Signal|WaitGroup|Broadcast|Shutdown|Steal|BufferedSteal|SelectTimer|SelectCancel)$"
)

// TestPredictHoldsBaseline runs the configuration predict (record each
// test with -drace=record at -test.cpu 1 and 2, then drace predict's
// algorithms on the trace) on predictFamilies and fails listing every
// verdict worse than the baseline's; every case test of the corpus must
// have a verdict per algorithm in the baseline (written by
// `drace corpus -detectors=predict -cpu=1,2 -count=2 -baseline=testdata/corpus/baseline.json -update`).
// It builds drace from this checkout. Skipped in -short mode and without
// the patched toolchain.
func TestPredictHoldsBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds drace and records corpus tests")
	}
	repo, goCmd, base, cases := loadCorpus(t, filepath.Join("src", "runtime", "race", "detectors", "record"))
	for _, c := range cases {
		for _, test := range []string{c.Buggy, c.Twin} {
			for _, d := range PredictAlgorithms {
				if key := c.Family + "/" + test + "/" + d; base[key] == "" {
					t.Errorf("%s: not in the baseline", key)
				}
			}
		}
	}
	run := regexp.MustCompile("^((" + strings.Join(predictFamilies, "|") + ")/|" + predictBlocking + ")")
	for _, c := range cases {
		if c.HasClass("predictblock") && !(run.MatchString(c.Family+"/"+c.Buggy) && run.MatchString(c.Family+"/"+c.Twin)) {
			t.Errorf("%s: a predictblock case predictBlocking leaves out", c.Name)
		}
	}
	drace := filepath.Join(t.TempDir(), "drace")
	build := exec.Command(goCmd, "build", "-o", drace, "./cmd/drace")
	build.Dir, build.Env = repo, Env()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building drace: %v\n%s", err, out)
	}
	var progress bytes.Buffer
	results, err := Run(context.Background(), cases, Options{
		GoCmd: goCmd, Detectors: []string{Predict}, CPUs: []int{1, 2}, Progress: &progress,
		Run:     run,
		Predict: PredictWith(drace),
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if len(results) == 0 {
		t.Fatal("no results")
	}
	if worse := regressions(base, results); len(worse) > 0 {
		var details bytes.Buffer
		WriteDetails(&details, worse)
		t.Errorf("%d verdicts worse than testdata/corpus/baseline.json:\n%s", len(worse), details.String())
	}
}

// loadCorpus returns the repository, its patched go command, the corpus's
// baseline and cases; it skips t without the patched toolchain (need,
// if set, is a path that must be in its GOROOT).
func loadCorpus(t *testing.T, need string) (repo, goCmd string, base Baseline, cases []*Case) {
	t.Helper()
	repo, err := toolchain.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(toolchain.GOROOT(repo), need)); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	if goCmd, err = toolchain.GoCommand(repo); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(repo, "testdata", "corpus")
	if base, err = ReadBaseline(filepath.Join(root, "baseline.json")); err != nil {
		t.Fatal(err)
	}
	if cases, err = Load(root); err != nil {
		t.Fatal(err)
	}
	return repo, goCmd, base, cases
}
