package fixed

import "testing"

// The racy test's read, after the goroutine says the buffer is filled.
func TestFill(t *testing.T) {
	buf := make([]byte, 64)
	src := make([]byte, 64)
	done := make(chan bool)
	go func() {
		copy(buf, src)
		done <- true
	}()
	<-done
	_ = buf[40]
}
