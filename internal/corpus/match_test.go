package corpus

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// withCase returns a copy of fixtureCase changed by f.
func withCase(f func(c *Case)) *Case {
	c := *fixtureCase
	c.Wants = append([]Want(nil), c.Wants...)
	f(&c)
	return &c
}

func TestJudge(t *testing.T) {
	race := fixtureCase
	tests := []struct {
		name         string
		c            *Case
		output, test string
		detector     string
		verdict      string
		mismatches   []string
		diff         bool
	}{
		{"tsan catches", race, "tsan.txt", "TestRaceX", "tsan", TP, nil, false},
		{"fasttrack catches", race, "fasttrack.txt", "TestRaceX", "fasttrack", TP, nil, false},
		{"reports of another detector are not ours", race, "tsan.txt", "TestRaceX", "fasttrack", FN, []string{
			"no report matching: race_test.go:13: want race", "no report matching: race_test.go:16: want race"}, true},
		{"class not in Classes, no report", race, "fasttrack.txt", "TestRaceX", "lockorder", NA, nil, false},
		{"one side is enough", withCase(func(c *Case) { c.Wants = c.Wants[1:] }), "tsan.txt", "TestRaceX", "tsan", TP, nil, false},
		{"want on the wrong line", withCase(func(c *Case) { c.Wants = []Want{{File: "race_test.go", Line: 14, Kind: "race"}} }),
			"tsan.txt", "TestRaceX", "tsan", FN, []string{
				"no report matching: race_test.go:14: want race",
				"unexpected report: race_test.go:13: race (tsan) DATA RACE [also race_test.go:16, race_test.go:12]"}, true},
		{"regexp matches Kind: Message", withCase(func(c *Case) { c.Wants[0].Regexp = regexp.MustCompile(`^DATA RACE$`) }),
			"fasttrack.txt", "TestRaceX", "fasttrack", TP, nil, false},
		{"regexp does not match", withCase(func(c *Case) {
			c.Wants = []Want{{File: "race_test.go", Line: 13, Kind: "race", Regexp: regexp.MustCompile("lockset")}}
		}), "fasttrack.txt", "TestRaceX", "fasttrack", FN, []string{
			`no report matching: race_test.go:13: want race "lockset"`,
			"unexpected report: race_test.go:13: race (fasttrack) DATA RACE [also race_test.go:16, race_test.go:12]"}, true},
		{"twin with a report", race, "fasttrack.txt", "TestNoRaceX", "fasttrack", FP, []string{
			"unexpected report: race_test.go:13: race (fasttrack) DATA RACE [also race_test.go:16, race_test.go:12]"}, true},
		{"twin with a documented report", withCase(func(c *Case) { c.KnownFP = []string{"hb"} }),
			"fasttrack.txt", "TestNoRaceX", "fasttrack", KnownFP, []string{
				"unexpected report: race_test.go:13: race (fasttrack) DATA RACE [also race_test.go:16, race_test.go:12]"}, true},
		{"twin, another detector's report", race, "fasttrack.txt", "TestNoRaceX", "tsan", OK, nil, false},
		{"unexpected report of a class not in Classes", withCase(func(c *Case) { c.Classes = []string{"leak"} }),
			"fasttrack.txt", "TestRaceX", "fasttrack", NA, nil, false},
		{"runtime crash seen by everyone", withCase(func(c *Case) {
			c.Classes = []string{"runtime"}
			c.Wants = []Want{{File: "race_test.go", Line: 38, Kind: "panic", Regexp: regexp.MustCompile("negative WaitGroup")}}
		}), "panic.txt", "TestRaceX", "lockorder", TP, nil, false},
		{"crash not wanted", race, "panic.txt", "TestRaceX", "tsan", FN, []string{
			"no report matching: race_test.go:13: want race",
			"no report matching: race_test.go:16: want race",
			"unexpected report: race_test.go:38: panic (runtime) panic: sync: negative WaitGroup counter [recovered, repanicked]"}, true},
		{"concurrent map crash is a race", withCase(func(c *Case) {
			c.Classes = []string{"hb", "runtime"}
			c.Wants = []Want{{File: "race_test.go", Line: 29, Kind: "race", Regexp: regexp.MustCompile("concurrent map")}}
		}), "map.txt", "TestRaceX", "leak", TP, nil, false},
		{"concurrent map crash, the only race class", withCase(func(c *Case) {
			c.Classes = []string{"runtime"}
			c.Wants = []Want{{File: "race_test.go", Line: 29, Kind: "race"}}
		}), "map.txt", "TestRaceX", "lockorder", TP, nil, false},
		{"concurrent map crash missing", withCase(func(c *Case) {
			c.Classes = []string{"runtime"}
			c.Wants = []Want{{File: "race_test.go", Line: 29, Kind: "race"}}
		}), "fasttrack.txt", "TestRaceX", "lockorder", FN, []string{"no report matching: race_test.go:29: want race"}, true},
		{"runtime does not own the race of class hb", withCase(func(c *Case) {
			c.Classes = []string{"runtime", "hb"}
			c.Wants = []Want{{File: "race_test.go", Line: 38, Kind: "panic"}, {File: "race_test.go", Line: 13, Kind: "race"}}
		}), "panic.txt", "TestRaceX", "lockset", TP, nil, false},
		{"class hb still owes its race next to the runtime's panic", withCase(func(c *Case) {
			c.Classes = []string{"runtime", "hb"}
			c.Wants = []Want{{File: "race_test.go", Line: 38, Kind: "panic"}, {File: "race_test.go", Line: 13, Kind: "race"}}
		}), "panic.txt", "TestRaceX", "tsan", FN, []string{"no report matching: race_test.go:13: want race"}, true},
		{"the runtime's panic is owed by every configuration", withCase(func(c *Case) {
			c.Classes = []string{"runtime", "hb"}
			c.Wants = []Want{{File: "race_test.go", Line: 38, Kind: "panic"}, {File: "race_test.go", Line: 13, Kind: "race"}}
		}), "fasttrack.txt", "TestRaceX", "fasttrack", FN, []string{"no report matching: race_test.go:38: want panic"}, true},
		{"the runtime's panic is owed by detectors of other classes", withCase(func(c *Case) {
			c.Classes = []string{"runtime", "hb"}
			c.Wants = []Want{{File: "race_test.go", Line: 38, Kind: "panic"}, {File: "race_test.go", Line: 13, Kind: "race"}}
		}), "fasttrack.txt", "TestRaceX", "lockset", FN, []string{"no report matching: race_test.go:38: want panic"}, true},
		{"timeout is the runtime's deadlock", withCase(func(c *Case) {
			c.Classes = []string{"runtime"}
			c.Wants = []Want{{File: "race_test.go", Line: 46, Kind: "deadlock", Regexp: regexp.MustCompile("test timed out")}}
		}), "timeout.txt", "TestRaceX", "atomicmix", TP, nil, false},
		{"timeout is a deadlock", withCase(func(c *Case) {
			c.Classes = []string{"lockorder"}
			c.Wants = []Want{{File: "race_test.go", Line: 46, Kind: "deadlock"}}
		}), "timeout.txt", "TestRaceX", "tsan", NA, nil, false},
		{"combined binary: lockorder's own report", withCase(func(c *Case) {
			c.Classes = []string{"lockorder", "leak"}
			c.Wants = []Want{{File: "race_test.go", Line: 42, Kind: "deadlock", Regexp: regexp.MustCompile("lock order")}, {File: "race_test.go", Line: 47, Kind: "race"}}
		}), "combined.txt", "TestRaceX", "lockorder", TP, nil, false},
		{"combined binary: leak report without a position", withCase(func(c *Case) {
			c.Classes = []string{"lockorder", "leak"}
			c.Wants = []Want{{File: "race_test.go", Line: 42, Kind: "deadlock", Regexp: regexp.MustCompile("lock order")}, {File: "race_test.go", Line: 9, Kind: "leak"}}
		}), "combined.txt", "TestRaceX", "leak", FN, []string{
			"no report matching: race_test.go:9: want leak",
			"unexpected report: race_test.go:?: leak (leak) GOROUTINE LEAK: Goroutine 9 blocked at:"}, true},
		{"disabled detector", race, "combined.txt", "TestRaceX", "hybrid", Error, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Judge(tt.c, tt.test, tt.detector, readOutput(t, tt.output))
			if o.Verdict != tt.verdict {
				t.Errorf("verdict = %s, want %s (%v)", o.Verdict, tt.verdict, o.Mismatches)
			}
			if diff := cmp.Diff(tt.mismatches, o.Mismatches); diff != "" {
				t.Errorf("mismatches (-want +got):\n%s", diff)
			}
			if (o.Diff != "") != tt.diff {
				t.Errorf("diff = %q, want one: %v", o.Diff, tt.diff)
			}
		})
	}
}

func TestRuntimeOwned(t *testing.T) {
	re := regexp.MustCompile
	tests := []struct {
		classes []string
		w       Want
		want    bool
	}{
		{[]string{"runtime"}, Want{Kind: "panic"}, true},
		{[]string{"runtime", "hb"}, Want{Kind: "panic", Regexp: re("close of closed channel")}, true},
		{[]string{"hb"}, Want{Kind: "panic"}, false}, // no class runtime
		{[]string{"runtime", "hb"}, Want{Kind: "race"}, false},
		{[]string{"runtime", "lockset"}, Want{Kind: "race"}, false},
		{[]string{"runtime", "predictive"}, Want{Kind: "race"}, false},
		{[]string{"runtime", "hb"}, Want{Kind: "race", Regexp: re("concurrent map writes")}, true},
		{[]string{"runtime", "hb"}, Want{Kind: "race", Regexp: re("lockset")}, false},
		{[]string{"runtime", "leak"}, Want{Kind: "race"}, true},
		{[]string{"runtime", "lockorder"}, Want{Kind: "deadlock"}, false},
		{[]string{"runtime", "lockorder"}, Want{Kind: "deadlock", Regexp: re("lock order")}, false},
		{[]string{"runtime", "lockorder"}, Want{Kind: "deadlock", Regexp: re("all goroutines are asleep")}, true},
		{[]string{"runtime", "lockorder"}, Want{Kind: "deadlock", Regexp: re("test timed out")}, true},
		{[]string{"runtime", "leak"}, Want{Kind: "deadlock"}, false}, // leak reports deadlocks too
		{[]string{"runtime", "leak"}, Want{Kind: "deadlock", Regexp: re("test timed out")}, true},
		{[]string{"runtime", "leak"}, Want{Kind: "leak"}, false},
		{[]string{"runtime", "atomicmix"}, Want{Kind: "atomicmix"}, false},
	}
	for _, tt := range tests {
		c := withCase(func(c *Case) { c.Classes = tt.classes })
		if got := c.RuntimeOwned(tt.w); got != tt.want {
			t.Errorf("Classes %v: RuntimeOwned(%v) = %v, want %v", tt.classes, tt.w, got, tt.want)
		}
	}
}

// Deadlock wants are shared out between lockorder and leak by their
// regexps; the runtime's texts are neither's.
func TestOwns(t *testing.T) {
	re := regexp.MustCompile
	tests := []struct {
		class string
		w     Want
		want  bool
	}{
		{"leak", Want{Kind: "deadlock"}, true},
		{"lockorder", Want{Kind: "deadlock"}, true},
		{"leak", Want{Kind: "deadlock", Regexp: re("all goroutines are blocked")}, true},
		{"lockorder", Want{Kind: "deadlock", Regexp: re("all goroutines are blocked")}, false},
		{"leak", Want{Kind: "deadlock", Regexp: re("goroutines blocked for good")}, true},
		{"leak", Want{Kind: "deadlock", Regexp: re("held by goroutine")}, false},
		{"lockorder", Want{Kind: "deadlock", Regexp: re("held by goroutine")}, true},
		{"leak", Want{Kind: "deadlock", Regexp: re("test timed out")}, false},
		{"lockorder", Want{Kind: "deadlock", Regexp: re("test timed out")}, false},
		{"leak", Want{Kind: "leak", Regexp: re("held by goroutine")}, true},
	}
	for _, tt := range tests {
		if got := owns(tt.class, tt.w); got != tt.want {
			t.Errorf("owns(%s, %v) = %v, want %v", tt.class, tt.w, got, tt.want)
		}
	}
}

func TestJudgeDiff(t *testing.T) {
	c := withCase(func(c *Case) { c.Wants = []Want{{File: "race_test.go", Line: 14, Kind: "race"}} })
	o := Judge(c, "TestRaceX", "tsan", readOutput(t, "tsan.txt"))
	for _, s := range []string{`-`, `"race_test.go:14 race"`, `+`, `"race_test.go:12 race"`, `"race_test.go:13 race"`, `"race_test.go:16 race"`} {
		if !strings.Contains(o.Diff, s) {
			t.Errorf("diff lacks %s:\n%s", s, o.Diff)
		}
	}
}

func TestJudgeNotes(t *testing.T) {
	o := Judge(fixtureCase, "TestRaceX", "lockset", readOutput(t, "combined.txt"))
	want := []string{"TestDeadlockX failed: race_test.go:50: got 3, want 4"}
	if diff := cmp.Diff(want, o.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	// Package testing's line for a test the detectors failed is no note,
	// whatever they found.
	o = Judge(fixtureCase, "TestRaceX", "leak", ParseOutput([]byte("=== RUN   TestRaceX\n--- FAIL: TestRaceX (0.10s)\n"+
		"    testing.go:1719: race and goroutine leak detected during execution of test\nFAIL\n")))
	if len(o.Notes) != 0 {
		t.Errorf("notes for testing's failure line: %q", o.Notes)
	}
	o = Judge(fixtureCase, "TestRaceX", "tsan", ParseOutput([]byte("testing: warning: no tests to run\nPASS\n")))
	if o.Verdict != Error {
		t.Errorf("no tests: verdict %s, want error", o.Verdict)
	}
	o = Judge(fixtureCase, "TestRaceX", "tsan", ParseOutput([]byte("--- SKIP: TestRaceX (0.00s)\nPASS\n")))
	if o.Verdict != Skip {
		t.Errorf("skipped: verdict %s, want skip", o.Verdict)
	}
}

func TestDescribeHidesAddresses(t *testing.T) {
	r := &Report{Detector: "lockset", Kind: "DATA RACE", Message: "lockset: nothing protects 0xc0004141e0 (size 0x8)\nmore",
		Stacks: []Stack{{Frames: []Frame{{"f", "/x/fam/race_test.go", 7}}}}}
	got := describe(fixtureCase, r)
	want := "race_test.go:7: race (lockset) DATA RACE: lockset: nothing protects 0x… (size 0x8)"
	if got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
}

func TestCombine(t *testing.T) {
	runs := func(vs ...string) []Outcome {
		var os []Outcome
		for _, v := range vs {
			os = append(os, Outcome{Verdict: v})
		}
		return os
	}
	tests := []struct {
		runs []Outcome
		want string
	}{
		{runs(TP), TP},
		{runs(TP, TP, TP), TP},
		{runs(TP, FN, TP), Flaky},
		{runs(OK, FP), Flaky},
		{runs(FN, Error), Error},
		{nil, Error},
	}
	for _, tt := range tests {
		if got := Combine(tt.runs); got != tt.want {
			t.Errorf("Combine(%v) = %s, want %s", tt.runs, got, tt.want)
		}
	}
}
