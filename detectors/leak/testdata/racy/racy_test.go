package racy

import "testing"

// A goroutine left blocked on a channel nobody sends on.
func TestLeak(t *testing.T) {
	ch := make(chan int)
	go func() { <-ch }() // want leak
}
