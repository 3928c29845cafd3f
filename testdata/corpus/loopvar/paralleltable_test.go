// Case: parallel subtests of a table test capture the shared range variable tc and all update the same table entry (Go < 1.22 semantics).
// Classes: hb lockset
// Deterministic: lockset
// Known-FP: lockset
package loopvar

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The subtests meet after updating tc (for at most 200ms), so that with
// -parallel >= 2 neither finishes, and so hands its slot to the other
// through the testing package's own synchronisation, before the other has
// run: both are then always running at once, as parallel subtests of a real
// table do. With -parallel=1 (-cpu=1) the testing package runs them one
// after the other, ordered, and only a lockset detector sees the race.
func meet(arrived *atomic.Int32, n int32) {
	arrived.Add(1)
	for deadline := time.Now().Add(200 * time.Millisecond); arrived.Load() < n && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
}

type upperCase struct {
	name, in, want string
	runs           int
}

func TestRaceParallelTable(t *testing.T) {
	tests := []upperCase{
		{name: "lower", in: "abc", want: "ABC"},
		{name: "mixed", in: "aBc", want: "ABC"},
	}
	var arrived atomic.Int32
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.runs++ // want race
			meet(&arrived, int32(len(tests)))
			if got := strings.ToUpper(tc.in); got != tc.want {
				t.Errorf("ToUpper(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNoRaceParallelTable(t *testing.T) {
	tests := []upperCase{
		{name: "lower", in: "abc", want: "ABC"},
		{name: "mixed", in: "aBc", want: "ABC"},
	}
	var arrived atomic.Int32
	for _, tc := range tests {
		// Each subtest gets its own copy. Written here and then by the
		// subtest's goroutine with no lock in common, the copy is reported
		// by a lockset detector (ownership passed by starting a goroutine).
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.runs++
			meet(&arrived, int32(len(tests)))
			if got := strings.ToUpper(tc.in); got != tc.want {
				t.Errorf("ToUpper(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
