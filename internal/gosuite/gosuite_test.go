package gosuite

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sample is a shortened log of go test -v ./testdata/*_test.go, with the
// cases gosuite.sh's awk script handles: reports from ThreadSanitizer and
// from a drace detector, a concurrent map crash, a skipped test, subtests,
// and tests that are not race tests.
const sample = `=== RUN   TestNoRaceChanSync
--- PASS: TestNoRaceChanSync (0.00s)
=== RUN   TestRaceChanAsync
==================
WARNING: DATA RACE
Write at 0x00c000012345 by goroutine 7:
==================
    testing.go:1712: race detected during execution of test
--- FAIL: TestRaceChanAsync (0.00s)
=== RUN   TestRaceMissed
--- PASS: TestRaceMissed (0.00s)
=== RUN   TestNoRaceFalseAlarm
==================
WARNING: DATA RACE (fasttrack)
==================
--- FAIL: TestNoRaceFalseAlarm (0.00s)
=== RUN   TestRaceMapCrash
fatal error: concurrent map writes
=== RUN   TestRaceSkipped
    x_test.go:10: skipping
--- SKIP: TestRaceSkipped (0.00s)
=== RUN   TestOtherThing
WARNING: DATA RACE
--- FAIL: TestOtherThing (0.00s)
=== RUN   TestRaceSub
=== RUN   TestRaceSub/one
WARNING: DATA RACE
=== RUN   TestNoRaceLast
--- PASS: TestNoRaceLast (0.00s)
ALL TESTS COMPLETE
FAIL
`

func TestParse(t *testing.T) {
	r := Parse([]byte(sample))
	want := []Test{
		{Name: "NoRaceChanSync"},
		{Name: "RaceChanAsync", Want: true, Got: true},
		{Name: "RaceMissed", Want: true},
		{Name: "NoRaceFalseAlarm", Got: true},
		{Name: "RaceMapCrash", Want: true, Got: true},
		{Name: "RaceSkipped", Want: true, Skipped: true},
		{Name: "RaceSub", Want: true}, // as gosuite.sh: the subtest's RUN line ends it
		{Name: "RaceSub/one", Want: true, Got: true},
		{Name: "NoRaceLast"},
	}
	if diff := cmp.Diff(want, r.Tests); diff != "" {
		t.Errorf("tests (-want +got):\n%s", diff)
	}
	if !r.Complete {
		t.Error("Complete = false, want true")
	}
	s := r.Score()
	wantScore := Score{Passed: 5, Total: 8, FP: 1, FN: 2,
		Failed: []string{"FAILED- RaceMissed", "FAILED+ NoRaceFalseAlarm", "FAILED- RaceSub"}}
	if diff := cmp.Diff(wantScore, s); diff != "" {
		t.Errorf("score (-want +got):\n%s", diff)
	}
	if got, want := s.String(), "Passed 5 of 8 tests (62.50%, 1+, 2-)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestParseIncomplete(t *testing.T) {
	r := Parse([]byte("=== RUN   TestRaceA\nsignal: killed\n"))
	if r.Complete {
		t.Error("Complete = true for a log without ALL TESTS COMPLETE")
	}
	if got := (Score{}).String(); got != "Passed 0 of 0 tests (0.00%, 0+, 0-)" {
		t.Errorf("empty score: %q", got)
	}
}
