package blocking

// alone runs f in a goroutine of its own and waits for it to return: lock
// acquisitions by different goroutines, one after the other.
func alone(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
