// Case: a reader re-acquires an RWMutex read lock it already holds, while a writer waits in between (RWR): reader and writer deadlock.
// Classes: lockorder leak
// Deterministic: lockorder leak

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type registry struct {
	mu    sync.RWMutex
	names map[string]int
}

func (r *registry) has(name string) bool {
	r.mu.RLock() // want deadlock "recursive read locking" leak
	defer r.mu.RUnlock()
	_, ok := r.names[name]
	return ok
}

// describe holds the read lock and calls has, which takes it again. A
// pending Lock blocks new readers, so once a writer waits between the two
// RLocks, the reader waits for the writer, which waits for the reader.
func (r *registry) describe(name string, pause <-chan struct{}) string {
	r.mu.RLock() // want deadlock "recursive read locking"
	defer r.mu.RUnlock()
	<-pause // the moment a writer arrives
	if r.has(name) {
		return name + " (registered)"
	}
	return name
}

func (r *registry) add(name string) {
	r.mu.Lock() // want leak
	defer r.mu.Unlock()
	r.names[name] = len(r.names)
}

func TestDeadlockRecursiveRLock(t *testing.T) {
	r := &registry{names: map[string]int{"a": 0}}
	pause := make(chan struct{})
	go r.describe("a", pause)
	sched.WaitBlocked(t, "(*registry).describe", "chan receive")
	go r.add("b")
	sched.WaitBlocked(t, "(*registry).add", "sync.RWMutex.Lock")
	close(pause)
	sched.WaitBlocked(t, "(*registry).has", "sync.RWMutex.RLock")
}

type registryFixed struct {
	mu    sync.RWMutex
	names map[string]int
}

func (r *registryFixed) has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.hasLocked(name)
}

// hasLocked is has for callers holding r.mu.
func (r *registryFixed) hasLocked(name string) bool {
	_, ok := r.names[name]
	return ok
}

func (r *registryFixed) describe(name string, pause <-chan struct{}) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	<-pause
	if r.hasLocked(name) {
		return name + " (registered)"
	}
	return name
}

func (r *registryFixed) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[name] = len(r.names)
}

func TestNoDeadlockRecursiveRLock(t *testing.T) {
	r := &registryFixed{names: map[string]int{"a": 0}}
	pause := make(chan struct{})
	described := make(chan string)
	go func() { described <- r.describe("a", pause) }()
	sched.WaitBlocked(t, "(*registryFixed).describe", "chan receive")
	added := make(chan struct{})
	go func() {
		defer close(added)
		r.add("b")
	}()
	sched.WaitBlocked(t, "(*registryFixed).add", "sync.RWMutex.Lock")
	close(pause)
	if got := <-described; got != "a (registered)" {
		t.Errorf("describe = %q", got)
	}
	<-added
	if !r.has("b") {
		t.Error("b was not added")
	}
}
