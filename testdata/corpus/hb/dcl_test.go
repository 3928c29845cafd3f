// Case: double-checked locking: the first check of the singleton pointer is a plain read outside the mutex.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync"
	"sync/atomic"
	"testing"
)

type dclConn struct{ addr string }

var (
	dclMu   sync.Mutex
	dclInst *dclConn
)

func dclGet() *dclConn {
	p := dclInst // want race
	if p == nil {
		dclMu.Lock()
		if dclInst == nil {
			dclInst = &dclConn{addr: "db:5432"} // want race
		}
		p = dclInst
		dclMu.Unlock()
	}
	return p
}

func TestRaceDCL(t *testing.T) {
	dclMu.Lock()
	dclInst = nil
	dclMu.Unlock()
	got := make([]*dclConn, 2)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = dclGet()
		}()
	}
	wg.Wait()
}

var (
	dclSafeMu   sync.Mutex
	dclSafeInst atomic.Pointer[dclConn]
)

func dclSafeGet() *dclConn {
	if p := dclSafeInst.Load(); p != nil {
		return p
	}
	dclSafeMu.Lock()
	defer dclSafeMu.Unlock()
	if p := dclSafeInst.Load(); p != nil {
		return p
	}
	p := &dclConn{addr: "db:5432"}
	dclSafeInst.Store(p)
	return p
}

func TestNoRaceDCL(t *testing.T) {
	dclSafeInst.Store(nil)
	got := make([]*dclConn, 2)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = dclSafeGet()
		}()
	}
	wg.Wait()
	if got[0] != got[1] || got[0].addr != "db:5432" {
		t.Errorf("got %v and %v, want one connection", got[0], got[1])
	}
}
