// Case: transfer locks the source account then the destination: two transfers in opposite directions take two locks in opposite orders (here one after the other, so the run does not hang).
// Classes: lockorder
// Deterministic: lockorder

package deadlock

import (
	"sync"
	"testing"
)

type wallet struct {
	mu    sync.Mutex
	coins int
}

func transfer(from, to *wallet, n int) {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock() // want deadlock "lock order cycle"
	defer to.mu.Unlock()
	from.coins -= n
	to.coins += n
}

// The transfers run one after the other (each alone in a goroutine of its
// own), so this run cannot deadlock; run concurrently, each can take its
// first lock and wait forever for its second. Only a lock-order graph
// shows it.
func TestDeadlockLockOrder(t *testing.T) {
	alice, bob := &wallet{coins: 10}, &wallet{coins: 10}
	alone(func() { transfer(alice, bob, 3) })
	alone(func() { transfer(bob, alice, 1) })
}

type walletFixed struct {
	id    int // a global lock order: lower id first
	mu    sync.Mutex
	coins int
}

func transferFixed(from, to *walletFixed, n int) {
	first, second := from, to
	if second.id < first.id {
		first, second = second, first
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	from.coins -= n
	to.coins += n
}

func TestNoDeadlockLockOrder(t *testing.T) {
	alice, bob := &walletFixed{id: 1, coins: 10}, &walletFixed{id: 2, coins: 10}
	alone(func() { transferFixed(alice, bob, 3) })
	alone(func() { transferFixed(bob, alice, 1) })
}
