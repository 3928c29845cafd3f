// Case: a deferred closure logs the named result err from a goroutine while a later deferred closure wraps (writes) err.
// Classes: hb predictive
// Deterministic: hb predictive
package uber

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

var errDeferBoom = errors.New("boom")

func deferProcess(wg *sync.WaitGroup, logged chan<- string) (err error) {
	defer func() { // runs second: wraps err
		if err != nil {
			err = fmt.Errorf("process: %w", err) // want race
		}
	}()
	defer func() { // runs first: logs err asynchronously
		wg.Add(1)
		go func() {
			defer wg.Done()
			logged <- fmt.Sprint(err) // want race
		}()
	}()
	return errDeferBoom
}

func deferProcessFixed(wg *sync.WaitGroup, logged chan<- string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("process: %w", err)
		}
	}()
	defer func() {
		e := err // copied before the goroutine starts
		wg.Add(1)
		go func() {
			defer wg.Done()
			logged <- fmt.Sprint(e)
		}()
	}()
	return errDeferBoom
}

func TestRaceNamedResultDefer(t *testing.T) {
	var wg sync.WaitGroup
	logged := make(chan string, 1)
	_ = deferProcess(&wg, logged)
	wg.Wait()
	<-logged
}

func TestNoRaceNamedResultDefer(t *testing.T) {
	var wg sync.WaitGroup
	logged := make(chan string, 1)
	err := deferProcessFixed(&wg, logged)
	wg.Wait()
	if l := <-logged; !errors.Is(err, errDeferBoom) || l != "boom" {
		t.Errorf("err = %v, logged %q", err, l)
	}
}
