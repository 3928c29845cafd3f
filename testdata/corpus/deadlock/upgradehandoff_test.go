// Case: a goroutine holds a read snapshot (an RWMutex read lock) and then grows the store, which takes the write lock: Lock waits for every reader, itself included, forever. Its twin hands the snapshot to a worker that closes it, so Lock waits only for the worker.
// Classes: lockorder leak
// Deterministic: lockorder leak

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"maps"
	"sync"
	"testing"
)

// A table's snapshots hold its read lock from view to close, which any
// goroutine may call; grow takes the write lock (as bbolt's write
// transaction remaps its file under the mmap lock that its read
// transactions hold).
type table struct {
	mu   sync.RWMutex
	rows map[string]int
}

type snapshot struct{ t *table }

func (t *table) view() *snapshot {
	t.mu.RLock() // want deadlock "lock upgrade"
	return &snapshot{t}
}

func (s *snapshot) close() { s.t.mu.RUnlock() }

func (t *table) grow() {
	t.mu.Lock() // want deadlock "lock upgrade" leak
	defer t.mu.Unlock()
	t.rows = maps.Clone(t.rows)
}

// compact grows the table while it still holds its own snapshot.
func compact(t *table) {
	s := t.view()
	t.grow()
	s.close()
}

func TestDeadlockSnapshotGrow(t *testing.T) {
	tb := &table{rows: map[string]int{"a": 1}}
	go compact(tb)
	sched.WaitBlocked(t, "(*table).grow", "sync.RWMutex.Lock")
}

// compactHandOff hands its snapshot to a worker before it grows the table:
// grow waits for the worker's close.
func compactHandOff(t *table, work chan<- *snapshot, done chan<- struct{}) {
	s := t.view()
	work <- s
	t.grow()
	close(done)
}

// closer closes the snapshot it is handed once released.
func closer(work <-chan *snapshot, release <-chan struct{}, closed chan<- struct{}) {
	s := <-work
	<-release
	s.close()
	close(closed)
}

func TestNoDeadlockSnapshotGrow(t *testing.T) {
	tb := &table{rows: map[string]int{"a": 1}}
	work := make(chan *snapshot)
	release, closed, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go closer(work, release, closed)
	go compactHandOff(tb, work, done)
	sched.WaitBlocked(t, "(*table).grow", "sync.RWMutex.Lock") // behind the worker's snapshot
	close(release)
	<-closed
	<-done
}
