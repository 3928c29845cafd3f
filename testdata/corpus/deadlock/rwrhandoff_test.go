// Case: a goroutine opens a read transaction (an RWMutex read lock) inside another of its own: a writer arriving between the two would deadlock (RWR). Its twin hands the first transaction to a worker that closes it, so the second waits only for the worker, even behind a writer.
// Classes: lockorder
// Deterministic: lockorder

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

// A store's read transactions hold its read lock from begin to close,
// which any goroutine may call (as bbolt's Tx holds the DB's mmap lock
// from Begin to Rollback).
type store struct {
	mu   sync.RWMutex
	rows map[string]int
}

type readTx struct{ s *store }

func (s *store) begin() *readTx {
	s.mu.RLock() // want deadlock "recursive read locking"
	return &readTx{s}
}

func (tx *readTx) get(k string) int { return tx.s.rows[k] }

func (tx *readTx) close() { tx.s.mu.RUnlock() }

func (s *store) put(k string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows[k] = v
}

// compare reads a key in two transactions, the second opened while this
// goroutine still holds the first: no writer comes in this run, but one
// that called put between the two begins would wait for the first
// transaction, and the second begin for the writer.
func compare(s *store, k string) bool {
	outer := s.begin()
	defer outer.close()
	inner := s.begin()
	defer inner.close()
	return outer.get(k) == inner.get(k)
}

func TestDeadlockReadTxNested(t *testing.T) {
	s := &store{rows: map[string]int{"a": 1}}
	alone(func() {
		if !compare(s, "a") {
			t.Error("the transactions differ")
		}
	})
	s.put("a", 2)
}

// scan hands its first transaction to a worker, which closes it once
// released, and opens a second one when told: by then a writer waits, and
// the second begin waits behind the writer, which waits for the worker's
// close, not for this goroutine.
func scan(s *store, work chan<- *readTx, again <-chan struct{}, sum chan<- int) {
	first := s.begin()
	work <- first
	<-again
	second := s.begin()
	defer second.close()
	sum <- second.get("a")
}

// worker closes the transaction it is handed once released.
func worker(work <-chan *readTx, release <-chan struct{}, done chan<- struct{}) {
	tx := <-work
	<-release
	tx.close()
	close(done)
}

func TestNoDeadlockReadTxNested(t *testing.T) {
	s := &store{rows: map[string]int{"a": 1}}
	work := make(chan *readTx)
	again, release := make(chan struct{}), make(chan struct{})
	sum, done, written := make(chan int), make(chan struct{}), make(chan struct{})
	go worker(work, release, done)
	go scan(s, work, again, sum)
	sched.WaitBlocked(t, "scan", "chan receive") // the worker holds the first transaction
	go func() {
		defer close(written)
		s.put("a", 2)
	}()
	sched.WaitBlocked(t, "(*store).put", "sync.RWMutex.Lock")
	close(again)
	sched.WaitBlocked(t, "(*store).begin", "sync.RWMutex.RLock") // the second begin, behind the writer
	close(release)
	<-done
	<-written
	if n := <-sum; n != 2 {
		t.Errorf("second transaction read %d, want 2", n)
	}
}
