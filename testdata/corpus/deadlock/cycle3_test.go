// Case: three goroutines each take two of three locks, A then B, B then C, C then A: a three-lock cycle, taken one goroutine after the other.
// Classes: lockorder
// Deterministic: lockorder

package deadlock

import (
	"sync"
	"testing"
)

type stage struct {
	mu    sync.Mutex
	items int
}

// handOff moves an item from one pipeline stage to the next, holding both.
func handOff(from, to *stage) {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock() // want deadlock "lock order cycle of 3 locks"
	defer to.mu.Unlock()
	from.items--
	to.items++
}

// No two of the pairs make a cycle; the three do, and three goroutines
// running them concurrently can deadlock. They run one at a time here.
func TestDeadlockLockOrderCycle3(t *testing.T) {
	a, b, c := &stage{items: 1}, &stage{items: 1}, &stage{items: 1}
	for _, p := range [][2]*stage{{a, b}, {b, c}, {c, a}} {
		alone(func() { handOff(p[0], p[1]) })
	}
}

type stageFixed struct {
	rank  int // locks are taken in increasing rank
	mu    sync.Mutex
	items int
}

func handOffFixed(from, to *stageFixed) {
	first, second := from, to
	if second.rank < first.rank {
		first, second = second, first
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	from.items--
	to.items++
}

func TestNoDeadlockLockOrderCycle3(t *testing.T) {
	a, b, c := &stageFixed{rank: 1, items: 1}, &stageFixed{rank: 2, items: 1}, &stageFixed{rank: 3, items: 1}
	for _, p := range [][2]*stageFixed{{a, b}, {b, c}, {c, a}} {
		alone(func() { handOffFixed(p[0], p[1]) })
	}
}
