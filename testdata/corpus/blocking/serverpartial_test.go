// Case: inside a server that runs on (a ticker keeps its statistics), one request's handler holds its transaction's Mutex while it sends to the transaction's committer, which needs that Mutex first: those two and the request's caller block for good, and the test hangs until the runner's -test.timeout.
// Classes: lockorder leak runtime
// Deterministic: lockorder leak runtime
// Timeout: 5s

package blocking

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A server counts ticks for as long as it runs and serves each request
// in a transaction of its own.
type server struct {
	ticks atomic.Int64
	stop  chan struct{}
}

func startServer() *server {
	s := &server{stop: make(chan struct{})}
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.ticks.Add(1)
			case <-s.stop:
				return
			}
		}
	}()
	return s
}

type txn struct {
	mu      sync.Mutex
	log     []string
	commits chan string
}

// commit records how many entries the log held, then the committed entry.
func (x *txn) commit(resp chan<- string) {
	x.mu.Lock() // want deadlock "held by goroutine" deadlock "goroutines blocked for good"
	n := len(x.log)
	x.mu.Unlock()
	resp <- strconv.Itoa(n) + " " + <-x.commits
}

// handle logs the request and hands it to the committer with the log's
// lock still held.
func (s *server) handle(req string) <-chan string {
	resp := make(chan string)
	go func() {
		x := &txn{commits: make(chan string)}
		x.mu.Lock()
		x.log = append(x.log, req)
		go x.commit(resp)
		x.commits <- req // want deadlock "goroutines blocked for good"
		x.mu.Unlock()
	}()
	return resp
}

func TestDeadlockServerPartial(t *testing.T) {
	s := startServer()
	defer close(s.stop)
	if got := <-s.handle("put"); got != "1 put" { // want deadlock "goroutines blocked for good" deadlock "test timed out"
		t.Errorf("response %q, want %q", got, "1 put")
	}
}

// handleFixed hands the request over after unlocking.
func (s *server) handleFixed(req string) <-chan string {
	resp := make(chan string)
	go func() {
		x := &txn{commits: make(chan string)}
		x.mu.Lock()
		x.log = append(x.log, req)
		x.mu.Unlock()
		go x.commit(resp)
		x.commits <- req
	}()
	return resp
}

func TestNoDeadlockServerPartial(t *testing.T) {
	s := startServer()
	defer close(s.stop)
	if got := <-s.handleFixed("put"); got != "1 put" {
		t.Errorf("response %q, want %q", got, "1 put")
	}
}
