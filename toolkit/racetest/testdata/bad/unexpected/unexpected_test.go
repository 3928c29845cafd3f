package unexpected

import (
	"sync"
	"testing"
)

// A race with no want comment: Run must say the report is unexpected.
func TestCounter(t *testing.T) {
	var wg sync.WaitGroup
	counter := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counter++
		}()
	}
	wg.Wait()
}
