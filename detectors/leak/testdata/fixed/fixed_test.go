package fixed

import "testing"

// The racy test's goroutine, sent what it waits for.
func TestLeak(t *testing.T) {
	ch := make(chan int)
	go func() { <-ch }()
	ch <- 1
}
