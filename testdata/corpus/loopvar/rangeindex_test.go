// Case: goroutines started in a for-range loop read the index variable i, which the loop shares and rewrites (Go < 1.22 semantics).
// Classes: hb predictive
// Deterministic: hb predictive
package loopvar

import (
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestRaceRangeIndex(t *testing.T) {
	items := []string{"a", "b", "c"}
	out := make(chan string, len(items))
	var wg sync.WaitGroup
	for i := range items { // want race
		wg.Add(1)
		go func() {
			defer wg.Done()
			out <- items[i] // want race
		}()
	}
	wg.Wait()
	close(out)
	for range out {
	}
}

func TestNoRaceRangeIndex(t *testing.T) {
	items := []string{"a", "b", "c"}
	out := make(chan string, len(items))
	var wg sync.WaitGroup
	for i := range items {
		i := i // a copy per iteration
		wg.Add(1)
		go func() {
			defer wg.Done()
			out <- items[i]
		}()
	}
	wg.Wait()
	close(out)
	var got []string
	for s := range out {
		got = append(got, s)
	}
	sort.Strings(got)
	if strings.Join(got, "") != "abc" {
		t.Errorf("got %q, want [a b c]", got)
	}
}
