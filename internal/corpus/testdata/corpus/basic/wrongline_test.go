// Case: fixture for the runner's own tests: the want points at the wrong
// line and the twin races, so hb detectors get FN and FP here.
// Classes: hb
// Deterministic: hb

package basic

import "testing"

func TestRaceWrongLine(t *testing.T) {
	y := 0
	done := make(chan bool)
	go func() {
		y = 1
		done <- true
	}()
	_ = helper() // want race
	y = 2
	<-done
	_ = y
}

func TestNoRaceWrongLine(t *testing.T) {
	y := 0
	done := make(chan bool)
	go func() {
		y = 1
		done <- true
	}()
	y = 2
	<-done
	_ = y
}
