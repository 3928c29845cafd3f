package racy

import "testing"

// A worker waits for a result or a cancel; the test returns without
// either, and the worker is left blocked in its select.
func TestWorker(t *testing.T) {
	results, cancel := make(chan int), make(chan struct{})
	go func() { // want leak
		select {
		case <-results:
		case <-cancel:
		}
	}()
}
