// Case: a worker returns early on an error without calling WaitGroup.Done, and the test's Wait hangs with every goroutine blocked.
// Classes: leak
// Deterministic: leak
// Timeout: 5s

package blocking

import (
	"errors"
	"sync"
	"testing"
)

var errEmpty = errors.New("empty item")

// process handles items in parallel and collects the first error. A
// worker that fails returns before its Done.
func process(items []string) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, item := range items {
		wg.Add(1)
		go func() {
			if item == "" {
				mu.Lock()
				first = errEmpty
				mu.Unlock()
				return // the bug: no wg.Done
			}
			wg.Done()
		}()
	}
	wg.Wait() // want deadlock "all goroutines are blocked" deadlock "test timed out"
	mu.Lock()
	defer mu.Unlock()
	return first
}

func TestDeadlockForgottenDone(t *testing.T) {
	if err := process([]string{"a", "", "c"}); err != errEmpty {
		t.Errorf("process = %v, want %v", err, errEmpty)
	}
}

// processFixed defers Done, so every path through the worker counts.
func processFixed(items []string) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if item == "" {
				mu.Lock()
				first = errEmpty
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return first
}

func TestNoDeadlockForgottenDone(t *testing.T) {
	if err := processFixed([]string{"a", "", "c"}); err != errEmpty {
		t.Errorf("processFixed = %v, want %v", err, errEmpty)
	}
}
