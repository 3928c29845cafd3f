// Case: two goroutines take two Mutexes in opposite orders at the same time and deadlock for real.
// Classes: lockorder leak
// Deterministic: lockorder leak

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type inventory struct {
	mu    sync.Mutex
	stock int
}

type ledger struct {
	mu      sync.Mutex
	entries int
}

// sell locks the inventory, then the ledger.
func sell(inv *inventory, led *ledger, holding chan<- struct{}, proceed <-chan struct{}) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	holding <- struct{}{}
	<-proceed
	led.mu.Lock() // want deadlock "lock order cycle of 2 locks" leak
	defer led.mu.Unlock()
	inv.stock--
	led.entries++
}

// audit locks the ledger, then the inventory.
func audit(inv *inventory, led *ledger, holding chan<- struct{}, proceed <-chan struct{}) {
	led.mu.Lock()
	defer led.mu.Unlock()
	holding <- struct{}{}
	<-proceed
	inv.mu.Lock() // want deadlock "lock order cycle of 2 locks" leak
	defer inv.mu.Unlock()
	_ = inv.stock + led.entries
}

// Both goroutines take their first lock before either asks for its second:
// the interleaving that deadlocks, made certain by the two channels. The
// test abandons them, blocked.
func TestDeadlockLockOrderHang(t *testing.T) {
	inv, led := &inventory{stock: 5}, &ledger{}
	holding, proceed := make(chan struct{}), make(chan struct{})
	go sell(inv, led, holding, proceed)
	go audit(inv, led, holding, proceed)
	<-holding
	<-holding
	close(proceed)
	sched.WaitBlocked(t, "sell", "sync.Mutex.Lock")
	sched.WaitBlocked(t, "audit", "sync.Mutex.Lock")
}

// auditFixed takes the locks in sell's order.
func auditFixed(inv *inventory, led *ledger, holding chan<- struct{}, proceed <-chan struct{}) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	holding <- struct{}{}
	<-proceed
	led.mu.Lock()
	defer led.mu.Unlock()
	_ = inv.stock + led.entries
}

func TestNoDeadlockLockOrderHang(t *testing.T) {
	inv, led := &inventory{stock: 5}, &ledger{}
	holding, proceed := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sell(inv, led, holding, proceed)
	}()
	go func() {
		defer wg.Done()
		auditFixed(inv, led, holding, proceed)
	}()
	<-holding // one of them holds inv; the other waits for it
	close(proceed)
	<-holding
	wg.Wait()
}
