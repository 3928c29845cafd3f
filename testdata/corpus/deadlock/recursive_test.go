// Case: a method holding a Mutex calls another method that locks it again (sync.Mutex is not reentrant).
// Classes: lockorder leak
// Deterministic: lockorder leak

package deadlock

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
)

type account struct {
	mu      sync.Mutex
	balance int
}

func (a *account) Balance() int {
	a.mu.Lock() // want deadlock "recursive locking" leak
	defer a.mu.Unlock()
	return a.balance
}

func (a *account) Withdraw(n int) bool {
	a.mu.Lock() // want deadlock "recursive locking"
	defer a.mu.Unlock()
	if a.Balance() < n {
		return false
	}
	a.balance -= n
	return true
}

// Withdraw blocks forever in Balance; the test leaves it there.
func TestDeadlockRecursiveMutex(t *testing.T) {
	a := &account{balance: 10}
	go a.Withdraw(5)
	sched.WaitBlocked(t, "(*account).Balance", "sync.Mutex.Lock")
}

type accountFixed struct {
	mu      sync.Mutex
	balance int
}

func (a *accountFixed) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balanceLocked()
}

// balanceLocked is Balance for callers that hold a.mu.
func (a *accountFixed) balanceLocked() int { return a.balance }

func (a *accountFixed) Withdraw(n int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.balanceLocked() < n {
		return false
	}
	a.balance -= n
	return true
}

func TestNoDeadlockRecursiveMutex(t *testing.T) {
	a := &accountFixed{balance: 10}
	done := make(chan bool)
	go func() { done <- a.Withdraw(5) }()
	if !<-done || a.Balance() != 5 {
		t.Error("withdrawal failed")
	}
}
