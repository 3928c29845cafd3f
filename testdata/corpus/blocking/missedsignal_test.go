// Case: a sync.Cond is signalled before its waiter waits, and the waiter, which checks no condition, sleeps for good while the test waits for it.
// Classes: leak
// Deterministic: leak
// Timeout: 5s

package blocking

import (
	"sync"
	"testing"
)

// A mailbox hands one message from a poster to a reader.
type mailbox struct {
	mu   sync.Mutex
	cond *sync.Cond
	msg  string
	full bool
}

func newMailbox() *mailbox {
	m := new(mailbox)
	m.cond = sync.NewCond(&m.mu)
	return m
}

func (m *mailbox) post(msg string) {
	m.mu.Lock()
	m.msg, m.full = msg, true
	m.cond.Signal()
	m.mu.Unlock()
}

// read waits for a Signal, not for the mailbox to be full: a Signal sent
// before it waits is lost.
func (m *mailbox) read() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cond.Wait() // want deadlock "all goroutines are blocked"
	return m.msg
}

// The message is posted before the reader starts: its Wait comes after
// the only Signal.
func TestDeadlockMissedSignal(t *testing.T) {
	m := newMailbox()
	m.post("hello")
	got := make(chan string)
	go func() { got <- m.read() }()
	if msg := <-got; msg != "hello" { // want deadlock "all goroutines are blocked" deadlock "test timed out"
		t.Errorf("read %q, want hello", msg)
	}
}

// readFixed waits for the condition, not the Signal.
func (m *mailbox) readFixed() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for !m.full {
		m.cond.Wait()
	}
	return m.msg
}

func TestNoDeadlockMissedSignal(t *testing.T) {
	m := newMailbox()
	m.post("hello")
	got := make(chan string)
	go func() { got <- m.readFixed() }()
	if msg := <-got; msg != "hello" {
		t.Errorf("read %q, want hello", msg)
	}
}
