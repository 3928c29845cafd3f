// Case: a value receiver copies a struct whose Mutex is locked, and locks the copy: it blocks forever (no lock of the original is involved).
// Classes: leak
// Deterministic: leak

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type meter struct {
	mu    sync.Mutex
	ticks int
}

// Snapshot has a value receiver: calling it copies m, mutex state included.
// go vet's copylocks check reports it; go test's vet subset does not run it.
func (m meter) Snapshot() int {
	m.mu.Lock() // want leak
	defer m.mu.Unlock()
	return m.ticks
}

func (m *meter) tickAndLog() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ticks++
	return m.Snapshot() // copies m while m.mu is locked
}

// The copy's mutex was copied locked: nobody will ever unlock it. A
// lock-order detector sees a Lock of a different mutex (the copy), not a
// recursive one.
func TestDeadlockCopiedLockedMutex(t *testing.T) {
	m := new(meter)
	go m.tickAndLog()
	sched.WaitBlocked(t, "meter.Snapshot", "sync.Mutex.Lock")
}

type meterFixed struct {
	mu    sync.Mutex
	ticks int
}

func (m *meterFixed) Snapshot() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ticks
}

func (m *meterFixed) tickAndLog() int {
	m.mu.Lock()
	m.ticks++
	n := m.ticks
	m.mu.Unlock()
	return n
}

func TestNoDeadlockCopiedLockedMutex(t *testing.T) {
	m := new(meterFixed)
	done := make(chan int)
	go func() { done <- m.tickAndLog() }()
	if <-done != 1 || m.Snapshot() != 1 {
		t.Error("tick lost")
	}
}
