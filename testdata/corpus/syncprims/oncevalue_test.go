// Case: sync.OnceValue hands every caller the same *options; two constructors each set a field on it as if it were their own copy.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package syncprims

import (
	"sync"
	"testing"
	"time"
)

type clientOptions struct {
	retries int
	timeout time.Duration
}

type client struct {
	opts *clientOptions
}

func newClient(defaults func() *clientOptions, retries int) *client {
	o := defaults()
	o.retries = retries // want race
	return &client{opts: o}
}

func TestRaceOnceValueShared(t *testing.T) {
	defaults := sync.OnceValue(func() *clientOptions {
		return &clientOptions{retries: 3, timeout: time.Second}
	})
	clients := make(chan *client, 2)
	for _, r := range []int{1, 5} {
		go func() { clients <- newClient(defaults, r) }()
	}
	a, b := <-clients, <-clients
	if a.opts == b.opts {
		t.Logf("both clients share one options struct")
	}
}

type clientByValue struct {
	opts clientOptions
}

// newClientCopy takes the defaults by value: each client has its own.
func newClientCopy(defaults func() clientOptions, retries int) *clientByValue {
	c := &clientByValue{opts: defaults()}
	c.opts.retries = retries
	return c
}

func TestNoRaceOnceValueShared(t *testing.T) {
	defaults := sync.OnceValue(func() clientOptions {
		return clientOptions{retries: 3, timeout: time.Second}
	})
	clients := make(chan *clientByValue, 2)
	for _, r := range []int{1, 5} {
		go func() { clients <- newClientCopy(defaults, r) }()
	}
	a, b := <-clients, <-clients
	if a.opts.retries+b.opts.retries != 6 {
		t.Errorf("retries %d and %d, want 1 and 5", a.opts.retries, b.opts.retries)
	}
}
