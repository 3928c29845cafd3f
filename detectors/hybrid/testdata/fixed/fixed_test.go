package fixed

import "testing"

// The racy test's increments, ordered through a channel instead of a
// lock: the second goroutine waits for the first's token.
func TestCounter(t *testing.T) {
	var counter int
	token := make(chan struct{})
	done := make(chan struct{})
	go func() {
		counter++
		close(token)
	}()
	go func() {
		<-token
		counter++
		close(done)
	}()
	<-done
	if counter != 2 {
		t.Errorf("counter = %d, want 2", counter)
	}
}
