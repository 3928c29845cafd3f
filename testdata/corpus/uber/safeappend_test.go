// Case: appends go through a mutex-guarded helper, but the slice itself is passed by value to another goroutine, read without the lock.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"strings"
	"sync"
	"testing"
)

func processAll(ids []string) []string {
	var (
		mu      sync.Mutex
		results []string
		wg      sync.WaitGroup
	)
	safeAppend := func(res string) {
		mu.Lock()
		results = append(results, res) // want race
		mu.Unlock()
	}
	for _, id := range ids {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			safeAppend(strings.ToUpper(id))
		}(id)
	}
	// Hand the results so far to a progress logger: copying the slice
	// header reads results without the lock while the workers append.
	sofar := results // want race
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = len(sofar)
	}()
	wg.Wait()
	return results
}

func processAllFixed(ids []string) []string {
	var (
		mu      sync.Mutex
		results []string
		wg      sync.WaitGroup
	)
	safeAppend := func(res string) {
		mu.Lock()
		results = append(results, res)
		mu.Unlock()
	}
	for _, id := range ids {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			safeAppend(strings.ToUpper(id))
		}(id)
	}
	mu.Lock()
	sofar := results // copied under the lock
	mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = len(sofar)
	}()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return results
}

func TestRaceSafeAppend(t *testing.T) {
	_ = processAll([]string{"a", "b", "c"})
}

func TestNoRaceSafeAppend(t *testing.T) {
	if got := processAllFixed([]string{"a", "b", "c"}); len(got) != 3 {
		t.Errorf("got %v", got)
	}
}
