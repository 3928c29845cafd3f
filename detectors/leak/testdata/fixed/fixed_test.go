package fixed

import "testing"

// The racy test's worker, cancelled when the test returns.
func TestWorker(t *testing.T) {
	results, cancel := make(chan int), make(chan struct{})
	defer close(cancel)
	go func() {
		select {
		case <-results:
		case <-cancel:
		}
	}()
}
