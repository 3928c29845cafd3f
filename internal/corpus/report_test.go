package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixtureCase is the case behind testdata/output/*.txt, whose binaries ran
// in /tmp/cx/fam: the same family and name under another root, as a case
// matches by family and file name when the paths differ.
var fixtureCase = &Case{
	Family: "fam", Dir: "/elsewhere/fam", File: "/elsewhere/fam/race_test.go", Name: "race_test.go",
	Classes: []string{"hb"}, Deterministic: []string{"hb"},
	Buggy: "TestRaceX", Twin: "TestNoRaceX",
	Wants: []Want{{File: "race_test.go", Line: 13, Kind: "race"}, {File: "race_test.go", Line: 16, Kind: "race"}},
}

func readOutput(t *testing.T, name string) *Output {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "output", name))
	if err != nil {
		t.Fatal(err)
	}
	return ParseOutput(data)
}

// reportSummary is a report as the tests compare it.
type reportSummary struct {
	Detector, Kind, WantKind, Message string
	Positions                         []string
	Stacks                            int
}

func summarizeReports(c *Case, rs []*Report) []reportSummary {
	var out []reportSummary
	for _, r := range rs {
		s := reportSummary{r.Detector, r.Kind, r.WantKind(), r.Message, nil, len(r.Stacks)}
		for _, p := range r.Positions(c) {
			s.Positions = append(s.Positions, p.String())
		}
		out = append(out, s)
	}
	return out
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		file     string
		reports  []reportSummary
		failures []Failure
	}{
		{"tsan.txt", []reportSummary{{"tsan", "DATA RACE", "race", "",
			[]string{"race_test.go:13", "race_test.go:16", "race_test.go:12"}, 4}},
			[]Failure{{"TestRaceX", []string{"testing.go:1712: race detected during execution of test"}, 37}}},
		{"fasttrack.txt", []reportSummary{{"fasttrack", "DATA RACE", "race", "",
			[]string{"race_test.go:13", "race_test.go:16", "race_test.go:12"}, 4}},
			[]Failure{{"TestRaceX", []string{"testing.go:1712: race detected during execution of test"}, 37}}},
		{"panic.txt", []reportSummary{{"", "panic", "panic", "sync: negative WaitGroup counter [recovered, repanicked]",
			[]string{"race_test.go:38"}, 2}},
			[]Failure{{"TestPanicX", nil, 1}}},
		{"map.txt", []reportSummary{{"", "fatal error", "race", "concurrent map writes",
			[]string{"race_test.go:29", "race_test.go:26"}, 2}}, nil},
		{"timeout.txt", []reportSummary{{"", "panic", "deadlock", "test timed out after 1s\n\trunning tests:\n\t\tTestDeadlockX (1s)",
			[]string{"race_test.go:49", "race_test.go:46", "race_test.go:45"}, 7}}, nil},
		{"combined.txt", []reportSummary{
			{"lockorder", "POTENTIAL DEADLOCK", "deadlock", "lock order cycle: mu1 -> mu2 -> mu1",
				[]string{"race_test.go:46", "race_test.go:42", "race_test.go:45"}, 3},
			{"lockset", "DATA RACE", "race", "lockset race: no lock held in common", []string{"race_test.go:47"}, 1},
			{"leak", "GOROUTINE LEAK", "leak", "Goroutine 9 blocked at:\n<no stack>", nil, 0},
		}, []Failure{{"TestDeadlockX", []string{"race_test.go:50: got 3, want 4", "testing.go:1712: race detected during execution of test"}, 36}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			o := readOutput(t, tt.file)
			if diff := cmp.Diff(tt.reports, summarizeReports(fixtureCase, o.Reports)); diff != "" {
				t.Errorf("reports mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.failures, o.Failures); diff != "" {
				t.Errorf("failures mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseOutputFrames(t *testing.T) {
	o := readOutput(t, "panic.txt")
	if len(o.Reports) != 1 {
		t.Fatalf("%d reports, want 1", len(o.Reports))
	}
	want := []Stack{
		{Title: "goroutine 18 [running]:", Frames: []Frame{
			{"testing.tRunner.func1.2", "/home/dev/drace/_build/goroot/src/testing/testing.go", 1977},
			{"testing.tRunner.func1", "/home/dev/drace/_build/goroot/src/testing/testing.go", 1980},
			{"panic", "/home/dev/drace/_build/goroot/src/runtime/panic.go", 863},
			{"sync.(*WaitGroup).Add", "/home/dev/drace/_build/goroot/src/sync/waitgroup.go", 119},
			{"sync.(*WaitGroup).Done", "/home/dev/drace/_build/goroot/src/sync/waitgroup.go", 157},
			{"drace.test/corpus/fam.TestPanicX", "/tmp/cx/fam/race_test.go", 38},
			{"testing.tRunner", "/home/dev/drace/_build/goroot/src/testing/testing.go", 2041},
		}},
		{Title: "created by testing.(*T).Run in goroutine 1", Frames: []Frame{
			{"testing.(*T).Run", "/home/dev/drace/_build/goroot/src/testing/testing.go", 2106},
		}},
	}
	if diff := cmp.Diff(want, o.Reports[0].Stacks); diff != "" {
		t.Errorf("panic stacks mismatch (-want +got):\n%s", diff)
	}

	o = readOutput(t, "tsan.txt")
	st := o.Reports[0].Stacks
	if len(st) != 4 || st[0].Title != "Write at 0x00c000094358 by goroutine 9:" ||
		st[1].Title != "Previous write at 0x00c000094358 by goroutine 8:" || st[2].Title != "Goroutine 9 (running) created at:" {
		t.Fatalf("tsan stacks = %+v", st)
	}
	if diff := cmp.Diff([]Frame{{"drace.test/corpus/fam.TestRaceX.func1", "/tmp/cx/fam/race_test.go", 13}}, st[0].Frames); diff != "" {
		t.Errorf("tsan first stack mismatch (-want +got):\n%s", diff)
	}
}

func TestParseOutputMisc(t *testing.T) {
	o := readOutput(t, "combined.txt")
	if got := o.Disabled["hybrid"]; got != "runtime error: index out of range [3] with length 3" {
		t.Errorf("Disabled[hybrid] = %q", got)
	}
	o = ParseOutput([]byte("testing: warning: no tests to run\nPASS\n"))
	if !o.NoTests || len(o.Reports) != 0 {
		t.Errorf("no tests: %+v", o)
	}
	o = ParseOutput([]byte("--- SKIP: TestRaceX (0.00s)\n    x_test.go:9: not on this machine\nPASS\n"))
	if diff := cmp.Diff([]string{"TestRaceX"}, o.Skipped); diff != "" {
		t.Errorf("skipped mismatch (-want +got):\n%s", diff)
	}
	// A report cut off by the end of the output still counts.
	o = ParseOutput([]byte("==================\nWARNING: DATA RACE (fasttrack)\nWrite at 0x1 by goroutine 7:\n  f()\n      /x/fam/race_test.go:9 +0x1\n"))
	if len(o.Reports) != 1 || !slicesEqual(posStrings(o.Reports[0].Positions(fixtureCase)), []string{"race_test.go:9"}) {
		t.Errorf("cut-off report: %+v", o.Reports)
	}
	// Frames in other files of the family do not count.
	r := &Report{Stacks: []Stack{{Frames: []Frame{{"f", "/x/fam/other_test.go", 3}, {"g", "/x/other/race_test.go", 4}}}}}
	if p := r.Positions(fixtureCase); len(p) != 0 {
		t.Errorf("positions in other files: %v", p)
	}
}

func posStrings(ps []Pos) []string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return s
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
