package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func result(family, test, det, verdict string) *Result {
	return &Result{Family: family, Test: test, Detector: det, Verdict: verdict, Class: DetectorClass[det]}
}

func TestCompareBaseline(t *testing.T) {
	base := Baseline{
		"f/TestRaceA/tsan":      TP,
		"f/TestRaceA/fasttrack": TP,
		"f/TestNoRaceA/tsan":    OK,
		"f/TestRaceB/fasttrack": FN,
		"f/TestRaceC/fasttrack": Flaky,
		"f/TestRaceD/lockset":   FP,
		"f/TestRaceE/lockset":   NA,
		"f/TestGone/tsan":       TP,
	}
	results := []*Result{
		result("f", "TestRaceA", "tsan", TP),         // same
		result("f", "TestRaceA", "fasttrack", FN),    // worse
		result("f", "TestNoRaceA", "tsan", FP),       // worse
		result("f", "TestRaceB", "fasttrack", TP),    // better
		result("f", "TestRaceC", "fasttrack", FN),    // worse: flaky → never
		result("f", "TestRaceD", "lockset", KnownFP), // better
		result("f", "TestRaceE", "lockset", Error),   // worse
		result("f", "TestNew", "tsan", FN),           // not in the baseline
	}
	worse, improved := Compare(base, results)
	wantWorse := []string{
		"f/TestNoRaceA/tsan: OK -> FP",
		"f/TestRaceA/fasttrack: TP -> FN",
		"f/TestRaceC/fasttrack: flaky -> FN",
		"f/TestRaceE/lockset: n/a -> error",
	}
	wantImproved := []string{
		"f/TestRaceB/fasttrack: FN -> TP",
		"f/TestRaceD/lockset: FP -> known-FP",
	}
	if diff := cmp.Diff(wantWorse, worse); diff != "" {
		t.Errorf("worse (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantImproved, improved); diff != "" {
		t.Errorf("improved (-want +got):\n%s", diff)
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "baseline.json")
	results := []*Result{result("f", "TestRaceA", "tsan", TP), result("f", "TestNoRaceA", "tsan", OK), result("g", "TestRaceB", "leak", Flaky)}
	if err := NewBaseline(results).Write(file); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	want := "{\n\t\"f/TestNoRaceA/tsan\": \"OK\",\n\t\"f/TestRaceA/tsan\": \"TP\",\n\t\"g/TestRaceB/leak\": \"flaky\"\n}\n"
	if string(data) != want {
		t.Errorf("baseline file:\n%s\nwant:\n%s", data, want)
	}
	b, err := ReadBaseline(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(NewBaseline(results), b); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}

	os.WriteFile(file, []byte(`{"f/TestRaceA/tsan": "great"}`), 0o666)
	if _, err := ReadBaseline(file); err == nil || !strings.Contains(err.Error(), `unknown verdict "great"`) {
		t.Errorf("bad verdict: err = %v", err)
	}
	os.WriteFile(file, []byte(`[1]`), 0o666)
	if _, err := ReadBaseline(file); err == nil {
		t.Errorf("not an object: no error")
	}
}

func TestBaselineUpdate(t *testing.T) {
	cases := []*Case{{Family: "f", Buggy: "TestRaceA", Twin: "TestNoRaceA"}, {Family: "g/h", Buggy: "TestRaceB", Twin: "TestNoRaceB"}}
	old := Baseline{
		"f/TestRaceA/tsan":      FN, // run again
		"f/TestRaceA/lockset":   TP, // not run this time: stays
		"g/h/TestNoRaceB/tsan":  OK, // not run this time: stays
		"f/TestRaceGone/tsan":   TP, // no longer in the corpus
		"x/TestRaceA/fasttrack": TP, // no longer in the corpus
	}
	got := old.Update([]*Result{result("f", "TestRaceA", "tsan", TP), result("f", "TestNoRaceA", "tsan", FP)}, cases)
	want := Baseline{
		"f/TestRaceA/tsan":     TP,
		"f/TestNoRaceA/tsan":   FP,
		"f/TestRaceA/lockset":  TP,
		"g/h/TestNoRaceB/tsan": OK,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Update (-want +got):\n%s", diff)
	}
}

func TestWriteTable(t *testing.T) {
	c := &Case{Deterministic: []string{"hb"}}
	mk := func(family, test, det, verdict string, expected bool) *Result {
		r := result(family, test, det, verdict)
		r.Expected, r.Twin, r.Case = expected, strings.HasPrefix(test, "TestNo"), c
		return r
	}
	results := []*Result{
		mk("b", "TestRaceA", "fasttrack", TP, true),
		mk("b", "TestRaceA", "tsan", TP, true),
		mk("b", "TestNoRaceA", "fasttrack", FP, false),
		mk("b", "TestNoRaceA", "tsan", OK, false),
		mk("a", "TestRaceB", "fasttrack", Flaky, true),
		mk("a", "TestRaceB", "tsan", FN, true),
		mk("a", "TestNoRaceB", "fasttrack", KnownFP, false),
		mk("a", "TestNoRaceB", "tsan", Error, false),
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, results); err != nil {
		t.Fatal(err)
	}
	want := `family  detector   cases  caught  missed  FP  known-FP  flaky  error
a       tsan       1      0       1       0   0         0      1
a       fasttrack  1      0       0       0   1         1      0
b       tsan       1      1       0       0   0         0      0
b       fasttrack  1      1       0       1   0         0      0
TOTAL   tsan       2      1       1       0   0         0      1
TOTAL   fasttrack  2      1       0       1   1         1      0
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	nd := Nondeterministic(results)
	wantND := []string{
		"a/TestRaceB/fasttrack: flaky, but // Deterministic: hb",
		"a/TestRaceB/tsan: FN, but // Deterministic: hb",
	}
	if diff := cmp.Diff(wantND, nd); diff != "" {
		t.Errorf("nondeterministic (-want +got):\n%s", diff)
	}
}
