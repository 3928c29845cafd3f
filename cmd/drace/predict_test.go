package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"drace/detectors/record/trace"
	"drace/internal/corpus"
)

// A race that a mutex hand-off hides from happens-before (fasttrack is
// silent on the recorded run) is predicted by wcp, with a checked
// witness; its twin, where swapping the critical sections would change
// what a read saw, stays silent.
func TestPredictRecorded(t *testing.T) {
	goCmd, root := patchedGoForTest(t)
	bin := buildRecorded(t, goCmd, root, nil, false, nil, "./cmd/drace/testdata/predict")
	for _, tc := range []struct {
		variant string
		wcp     int
	}{
		{"handoff", 1},
		{"twin", 0},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			// GOMAXPROCS=1: the goroutine runs its critical section
			// first, so the lock orders the accesses in this run,
			// unless the goroutine is preempted (a loaded machine):
			// then fasttrack sees the race, and the run is repeated.
			run := recordUntil(t, bin, tc.variant, func(run *recordedRun) string {
				if run.err != nil {
					t.Fatalf("run: %v\n%s", run.err, run.out)
				}
				if out, _ := replayFile(t, run.trace, false, "fasttrack"); len(parseReports(t, out, "fasttrack")) != 0 {
					return "fasttrack reports a race: the goroutine did not run first\n" + out
				}
				return ""
			})
			out := predictFile(t, run.trace, predictOptions{Algorithms: []string{"shb", "wcp"}, Witness: true})
			if n := len(parseReports(t, out, "predict/shb")); n != 0 {
				t.Errorf("shb: %d reports, want none:\n%s", n, out)
			}
			reports := parseReports(t, out, "predict/wcp")
			if len(reports) != tc.wcp {
				t.Fatalf("wcp: %d reports, want %d:\n%s", len(reports), tc.wcp, out)
			}
			for _, r := range reports {
				if !strings.Contains(r.Message, "(checked)") {
					t.Errorf("wcp report without a checked witness:\n%s", r.Message)
				}
				if len(r.Accesses) != 2 || r.Accesses[0].Verb != "Read" || r.Accesses[1].Verb != "Previous write" ||
					len(r.Accesses[0].Frames) == 0 || !strings.HasPrefix(r.Accesses[0].Frames[0], "main.main() main.go:") ||
					len(r.Accesses[1].Frames) == 0 || !strings.HasPrefix(r.Accesses[1].Frames[0], "main.main.func1() main.go:") {
					t.Errorf("wcp report: %+v", r)
				}
			}
			if tc.wcp > 0 {
				// -json: one line per report, as DRACE_FORMAT=json.
				js := predictFile(t, run.trace, predictOptions{Algorithms: []string{"wcp"}, Replay: replayOptions{JSON: true}})
				if n := strings.Count(js, `{"detector":"predict/wcp","kind":"DATA RACE"`); n != tc.wcp {
					t.Errorf("-json: %d report lines, want %d:\n%s", n, tc.wcp, js)
				}
			}
		})
	}
}

// TestPredictNegativeWaitGroup: shb reports the Done an Add made after
// the go statement counts, with a checked witness, and not its twin.
func TestPredictNegativeWaitGroup(t *testing.T) {
	goCmd, root := patchedGoForTest(t)
	bin := buildRecorded(t, goCmd, root, nil, false, nil, "./cmd/drace/testdata/predictwg")
	for _, tc := range []struct {
		variant string
		want    int
	}{
		{"late", 1},
		{"early", 0},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			// GOMAXPROCS=1: the goroutine runs once main waits, unless
			// main is preempted first (a loaded machine): then the run
			// panics, and it is repeated.
			run := recordUntil(t, bin, tc.variant, func(run *recordedRun) string {
				if run.err != nil {
					return fmt.Sprintf("run: %v\n%s", run.err, run.out)
				}
				return ""
			})
			out := predictFile(t, run.trace, predictOptions{Algorithms: []string{"shb", "wcp", "syncp"}, Witness: true})
			reports := parseReports(t, out, "predict/shb")
			if len(reports) != tc.want {
				t.Fatalf("shb: %d reports, want %d:\n%s", len(reports), tc.want, out)
			}
			for _, r := range reports {
				if r.Kind != NegativeWaitGroupKind || !strings.Contains(r.Message, "(checked)") {
					t.Errorf("shb report: %s, want %s with a checked witness:\n%s", r.Kind, NegativeWaitGroupKind, r.Message)
				}
				if len(r.Accesses) != 2 || !strings.HasPrefix(r.Accesses[0].Verb, "Done") || !strings.HasPrefix(r.Accesses[1].Verb, "Previous Add") ||
					len(r.Accesses[0].Frames) == 0 || !strings.HasPrefix(r.Accesses[0].Frames[0], "main.main.func1() main.go:") ||
					len(r.Accesses[1].Frames) == 0 || !strings.HasPrefix(r.Accesses[1].Frames[0], "main.main() main.go:") {
					t.Errorf("shb report: %+v", r)
				}
			}
			for _, algo := range []string{"wcp", "syncp"} {
				if n := len(parseReports(t, out, "predict/"+algo)); n != 0 {
					t.Errorf("%s: %d reports, want none:\n%s", algo, n, out)
				}
			}
		})
	}
}

// recordUntil runs bin's variant at GOMAXPROCS=1, recording it, until
// retry finds nothing wrong with the run ("") or 5 runs have failed: the
// variants need their goroutines to run in an order GOMAXPROCS=1 gives
// unless a loaded machine preempts one.
func recordUntil(t *testing.T, bin, variant string, retry func(*recordedRun) string) *recordedRun {
	t.Helper()
	for attempt := 1; ; attempt++ {
		run := runBinary(t, bin, t.TempDir(), []string{"GOMAXPROCS=1"}, variant)
		why := retry(run)
		if why == "" {
			return run
		}
		if attempt == 5 {
			t.Fatalf("%d recorded runs, each failed: %s", attempt, why)
		}
	}
}

func predictFile(t *testing.T, path string, opts predictOptions) string {
	t.Helper()
	out, _ := predictFileResult(t, path, opts)
	return out
}

func predictFileResult(t *testing.T, path string, opts predictOptions) (string, predictResult) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	res, err := predictTrace(f, opts, &out)
	if err != nil {
		t.Fatalf("predict: %v", err)
	}
	t.Logf("predicted on %d events: %+v", res.Events, res.Algorithms)
	return out.String(), res
}

// A truncated trace is an error naming the byte offset; an unknown
// algorithm a usage error.
func TestPredictBadInput(t *testing.T) {
	var buf bytes.Buffer
	w := trace.NewWriter(&buf, trace.Header{Exe: "prog"})
	for _, ev := range []trace.Event{
		{Kind: trace.GoStart, G: 1, GoID: 1},
		{Kind: trace.GoStart, Parent: 1, G: 2, GoID: 2},
		{Kind: trace.Write, G: 1, Addr: 0x1000, Size: 1},
		{Kind: trace.Write, G: 2, Addr: 0x1000, Size: 1},
	} {
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// The test binary stands for the traced one: any Go binary
	// symbolizes.
	opts := predictOptions{Algorithms: []string{"wcp"}, Replay: replayOptions{Binary: os.Args[0]}}
	var out bytes.Buffer
	if _, err := predictTrace(bytes.NewReader(data), opts, &out); err != nil || len(parseReports(t, out.String(), "predict/wcp")) != 1 {
		t.Fatalf("whole trace: %v\n%s", err, out.String())
	}
	_, err := predictTrace(bytes.NewReader(data[:len(data)-4]), opts, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "byte offset") {
		t.Errorf("truncated trace: %v, want an error naming the byte offset", err)
	}
	opts.Algorithms = []string{"cp"}
	_, err = predictTrace(bytes.NewReader(data), opts, new(bytes.Buffer))
	if _, ok := err.(errUsage); !ok {
		t.Errorf("unknown algorithm: %v, want a usage error", err)
	}
}

// The corpus's cases whose race only a reordering of critical sections
// exposes (lockset family, class predictive), recorded at GOMAXPROCS 1
// and 2: wcp's reports match the buggy test's race wants, every
// prediction of shb, wcp and syncp has a checked witness, and all three
// are silent on the twins.
func TestPredictCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a corpus test binary")
	}
	goCmd, root := patchedGoForTest(t)
	corpusRoot := filepath.Join(root, "testdata", "corpus")
	cases, err := corpus.Load(corpusRoot)
	if err != nil {
		t.Fatal(err)
	}
	// Not predicted: its race needs the second critical section to read
	// another balance than it did, a reordering that changes what a read
	// saw (lockset reports it).
	notPredicted := map[string]bool{"earlyunlock_test.go": true}
	var family []*corpus.Case
	for _, c := range cases {
		if c.Family == "lockset" && c.HasClass("predictive") {
			family = append(family, c)
		}
	}
	if len(family) < 5 {
		t.Fatalf("%d predictive cases in the lockset family, want at least 5", len(family))
	}
	_, _, modules := corpusFamilies(t, corpusRoot)
	work := writeGoWork(t, append([]string{root}, modules...)...)
	bin := buildRecorded(t, goCmd, family[0].Dir, []string{"GOWORK=" + work}, true, nil, ".")
	for _, c := range family {
		for _, cpu := range []string{"1", "2"} {
			t.Run(c.Name+"/cpu"+cpu, func(t *testing.T) {
				for _, test := range []string{c.Buggy, c.Twin} {
					run := runBinary(t, bin, c.Dir, []string{"GOMAXPROCS=" + cpu, "GORACE=" + corpus.GORACE}, "-test.run=^"+test+"$", "-test.count=1")
					t.Setenv("GORACE", corpus.GORACE) // every report printed
					opts := predictOptions{Algorithms: []string{"shb", "wcp", "syncp"}, Witness: true, Replay: replayOptions{Partial: run.died()}}
					_, res := predictFileResult(t, run.trace, opts)
					for _, a := range res.Algorithms {
						if a.Unwitnessed > 0 {
							t.Errorf("%s: %s predictions without a witness: %+v", test, a.Name, res.Algorithms)
						}
					}
					// The reports without witnesses, whose lines would
					// look like stack frames to the matcher.
					opts.Witness = false
					out := predictFile(t, run.trace, opts)
					var wcp []*corpus.Report
					for _, r := range corpus.ParseOutput([]byte(out)).Reports {
						if test == c.Twin {
							t.Errorf("%s (twin): %s reports a race:\n%s", test, r.Detector, excerpt(out, 40))
						}
						if r.Detector == "predict/wcp" {
							wcp = append(wcp, r)
						}
					}
					if test == c.Twin {
						continue
					}
					var wants []corpus.Want
					for _, w := range c.Wants {
						if w.Kind == "race" {
							wants = append(wants, w)
						}
					}
					_, unmatched := corpus.Match(c, wants, wcp)
					switch {
					case notPredicted[c.Name] && len(unmatched) == 0:
						t.Errorf("%s: wcp now predicts the race; remove it from notPredicted", test)
					case !notPredicted[c.Name] && len(unmatched) > 0:
						t.Errorf("%s: no wcp report matches %v:\n%s", test, unmatched, excerpt(out, 60))
					}
				}
			})
		}
	}
}

// The corpus's blocking bugs only a reordering exposes (class
// predictblock), recorded at GOMAXPROCS 1 and 2: block's reports, every
// one with a checked witness, match the buggy test's deadlock wants, and
// block is silent on the twins; the race algorithms run beside it report
// nothing on either.
func TestPredictBlockCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a corpus test binary")
	}
	goCmd, root := patchedGoForTest(t)
	corpusRoot := filepath.Join(root, "testdata", "corpus")
	cases, err := corpus.Load(corpusRoot)
	if err != nil {
		t.Fatal(err)
	}
	var family []*corpus.Case
	for _, c := range cases {
		if c.HasClass("predictblock") {
			family = append(family, c)
		}
	}
	if len(family) < 2 {
		t.Fatalf("%d predictblock cases, want at least 2", len(family))
	}
	_, _, modules := corpusFamilies(t, corpusRoot)
	work := writeGoWork(t, append([]string{root}, modules...)...)
	bin := buildRecorded(t, goCmd, family[0].Dir, []string{"GOWORK=" + work}, true, nil, ".")
	for _, c := range family {
		for _, cpu := range []string{"1", "2"} {
			t.Run(c.Name+"/cpu"+cpu, func(t *testing.T) {
				for _, test := range []string{c.Buggy, c.Twin} {
					run := runBinary(t, bin, c.Dir, []string{"GOMAXPROCS=" + cpu, "GORACE=" + corpus.GORACE}, "-test.run=^"+test+"$", "-test.count=1")
					t.Setenv("GORACE", corpus.GORACE)
					opts := predictOptions{Algorithms: []string{"shb", "wcp", "syncp", "block"}, Replay: replayOptions{Partial: run.died()}}
					out, res := predictFileResult(t, run.trace, opts)
					var block []*corpus.Report
					for _, r := range corpus.ParseOutput([]byte(out)).Reports {
						if test == c.Twin || r.Detector != "predict/block" {
							t.Errorf("%s: %s reports:\n%s", test, r.Detector, excerpt(out, 40))
						}
						block = append(block, r)
					}
					if test == c.Twin {
						continue
					}
					if n := res.Algorithms[3].Races; n != len(block) {
						t.Errorf("%s: block counts %d, %d reports", test, n, len(block))
					}
					unexpected, unmatched := corpus.Match(c, c.Wants, block)
					if len(unexpected) > 0 || len(unmatched) > 0 {
						t.Errorf("%s: unexpected %d reports, unmatched wants %v:\n%s", test, len(unexpected), unmatched, excerpt(out, 60))
					}
					// With -witness, the schedule is printed.
					opts.Witness = true
					if out := predictFile(t, run.trace, opts); !strings.Contains(out, "(checked), after which the goroutine is in its Wait for good") &&
						!strings.Contains(out, "(checked), after which the goroutine is at its receive for good") &&
						!strings.Contains(out, "(checked), after which the goroutine is at its send for good") {
						t.Errorf("%s: no witness with -witness:\n%s", test, excerpt(out, 40))
					}
				}
			})
		}
	}
}
