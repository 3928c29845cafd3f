// Case: an errgroup-like group records the first error of its goroutines in a shared field without a lock; two failing goroutines check and set it at once.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"cmp"
	"errors"
	"fmt"
	"sync"
	"testing"
)

type group struct {
	wg      sync.WaitGroup
	errOnce sync.Once // used by goOnce only
	err     error
}

// Go keeps the first error: cmp.Or returns g.err unless it is nil.
func (g *group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.err = cmp.Or(g.err, err) // want race
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}

var errFetch = errors.New("fetch failed")

func TestRaceFirstError(t *testing.T) {
	g := new(group)
	for i := range 2 {
		g.Go(func() error { return fmt.Errorf("shard %d: %w", i, errFetch) })
	}
	if err := g.Wait(); !errors.Is(err, errFetch) {
		t.Errorf("Wait() = %v", err)
	}
}

// goOnce records the first error through a sync.Once, as
// golang.org/x/sync/errgroup does.
func (g *group) goOnce(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() { g.err = err })
		}
	}()
}

func TestNoRaceFirstError(t *testing.T) {
	g := new(group) // not a var: its zeroing is a write, which lockset would take for a hand-off
	for i := range 2 {
		g.goOnce(func() error { return fmt.Errorf("shard %d: %w", i, errFetch) })
	}
	if err := g.Wait(); !errors.Is(err, errFetch) {
		t.Errorf("Wait() = %v", err)
	}
}
