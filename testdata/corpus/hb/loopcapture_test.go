// Case: goroutines started in a loop capture an outer variable that the loop body keeps reassigning (not the loop variable).
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestRaceLoopCapture(t *testing.T) {
	names := []string{"x", "y", "z"}
	out := make(chan string, len(names))
	var cur string
	var wg sync.WaitGroup
	for _, name := range names {
		cur = strings.ToUpper(name) // want race
		wg.Add(1)
		go func() {
			defer wg.Done()
			out <- cur // want race
		}()
	}
	wg.Wait()
	close(out)
	for range out {
	}
}

func TestNoRaceLoopCapture(t *testing.T) {
	names := []string{"x", "y", "z"}
	out := make(chan string, len(names))
	var cur string
	var wg sync.WaitGroup
	for _, name := range names {
		cur = strings.ToUpper(name)
		wg.Add(1)
		go func(cur string) { // a copy taken when the goroutine starts
			defer wg.Done()
			out <- cur
		}(cur)
	}
	wg.Wait()
	close(out)
	var got []string
	for s := range out {
		got = append(got, s)
	}
	sort.Strings(got)
	if strings.Join(got, "") != "XYZ" {
		t.Errorf("got %v, want [X Y Z]", got)
	}
}
