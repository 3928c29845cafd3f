// Case: a reader waits on a sync.Cond without checking the condition; this run the poster signalled after the reader was waiting (steered without synchronisation), so it does not hang, but the poster's critical section could run first, and the reader would then wait for good. The twin checks the condition under the lock, so in that other order it would not wait at all.
// Classes: predictblock
// Deterministic: predictblock

package blocking

import (
	"sync"
	"testing"

	"drace.test/corpus/internal/sched"
)

// A letterbox hands one letter from a poster to a reader.
type letterbox struct {
	mu     sync.Mutex
	cond   *sync.Cond
	letter string
	full   bool
}

func newLetterbox() *letterbox {
	b := new(letterbox)
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *letterbox) post(letter string) {
	b.mu.Lock()
	b.letter, b.full = letter, true
	b.cond.Signal() // want deadlock "Signal before the Wait"
	b.mu.Unlock()
}

// read waits for a Signal, not for a letter: a Signal sent before it
// waits is lost.
func (b *letterbox) read() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cond.Wait() // want deadlock "Signal before the Wait"
	return b.letter
}

// The reader is waiting (seen in a goroutine dump) before the letter is
// posted, so the run does not hang.
func TestDeadlockPredictedSignal(t *testing.T) {
	b := newLetterbox()
	got := make(chan string)
	go func() { got <- b.read() }()
	sched.WaitBlocked(t, "(*letterbox).read", "sync.Cond.Wait")
	b.post("hello")
	if letter := <-got; letter != "hello" {
		t.Errorf("read %q, want hello", letter)
	}
}

// readFixed waits for the letter: posted first, it does not wait.
func (b *letterbox) readFixed() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.full {
		b.cond.Wait()
	}
	return b.letter
}

func TestNoDeadlockPredictedSignal(t *testing.T) {
	b := newLetterbox()
	got := make(chan string)
	go func() { got <- b.readFixed() }()
	sched.WaitBlocked(t, "(*letterbox).readFixed", "sync.Cond.Wait")
	b.post("hello")
	if letter := <-got; letter != "hello" {
		t.Errorf("read %q, want hello", letter)
	}
}
