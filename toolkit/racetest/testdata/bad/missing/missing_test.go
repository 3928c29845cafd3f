package missing

import "testing"

// A want on a line no goroutine races on: Run must say the report is missing.
func TestNothing(t *testing.T) {
	x := 1
	x++ // want race
	_ = x
}
