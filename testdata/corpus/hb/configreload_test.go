// Case: a config reload overwrites the server's config struct while a request handler reads it.
// Classes: hb predictive
// Deterministic: hb predictive
package hb

import (
	"sync/atomic"
	"testing"
	"time"
)

type reloadConfig struct {
	timeout time.Duration
	retries int
}

type reloadServer struct {
	cfg reloadConfig
}

func (s *reloadServer) reload(c reloadConfig) {
	s.cfg = c // want race
}

func (s *reloadServer) handle() (time.Duration, int) {
	return s.cfg.timeout, s.cfg.retries // want race
}

func TestRaceConfigReload(t *testing.T) {
	s := &reloadServer{cfg: reloadConfig{timeout: time.Second, retries: 1}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.reload(reloadConfig{timeout: 2 * time.Second, retries: 3})
	}()
	d, n := s.handle()
	<-done
	_, _ = d, n
}

type reloadSafeServer struct {
	cfg atomic.Pointer[reloadConfig] // replaced whole, never modified in place
}

func (s *reloadSafeServer) reload(c reloadConfig) { s.cfg.Store(&c) }

func (s *reloadSafeServer) handle() (time.Duration, int) {
	c := s.cfg.Load()
	return c.timeout, c.retries
}

func TestNoRaceConfigReload(t *testing.T) {
	s := new(reloadSafeServer)
	s.reload(reloadConfig{timeout: time.Second, retries: 1})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.reload(reloadConfig{timeout: 2 * time.Second, retries: 3})
	}()
	d, n := s.handle()
	<-done
	if !(d == time.Second && n == 1) && !(d == 2*time.Second && n == 3) {
		t.Errorf("handle saw a mixed config: %v, %d", d, n)
	}
}
