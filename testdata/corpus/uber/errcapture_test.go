// Case: a goroutine assigns the enclosing function's err (captured by the closure) while the function goes on assigning it too.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"errors"
	"testing"
)

func errFoo() (int, error) { return 1, nil }
func errBar() (int, error) { return 2, errors.New("bar failed") }
func errBaz() (int, error) { return 3, nil }

func TestRaceErrCapture(t *testing.T) {
	x, err := errFoo()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var y int
		y, err = errBar() // want race
		_ = y
	}()
	var z int
	z, err = errBaz() // want race
	<-done
	t.Logf("x=%d z=%d err=%v", x, z, err)
}

func TestNoRaceErrCapture(t *testing.T) {
	x, err := errFoo()
	barErrc := make(chan error, 1)
	go func() {
		y, err := errBar() // := declares the goroutine's own err
		_ = y
		barErrc <- err // handed back by value
	}()
	z, err := errBaz()
	barErr := <-barErrc
	if x != 1 || z != 3 || err != nil || barErr == nil {
		t.Errorf("x=%d z=%d err=%v barErr=%v", x, z, err, barErr)
	}
}
