package racy

import "testing"

// A goroutine fills a buffer with copy (one range access) while the test
// reads an element of it: nothing orders them.
func TestFill(t *testing.T) {
	buf := make([]byte, 64)
	src := make([]byte, 64)
	done := make(chan bool)
	go func() {
		copy(buf, src) // want race
		done <- true
	}()
	_ = buf[40]
	<-done
}
