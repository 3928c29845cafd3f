// Case: a goroutine's write races with one made much later, after the first goroutine has made a million accesses to other memory (ThreadSanitizer's history of it is gone, and it drops the report).
// Classes: hb
// Deterministic:
package hb

import (
	"os"
	"sync"
	"syscall"
	"testing"
	"unsafe"
)

// sweep writes every word of an 8 MiB buffer once: a million accesses,
// each to memory not accessed before, as ThreadSanitizer records in its
// per-goroutine history (repeats of an access are not).
func sweep() {
	buf := make([]int, 1<<20)
	for i := range buf {
		buf[i] = i
	}
}

// pipe returns a pipe that the tests read and write with bare system
// calls: the race runtime sees no synchronisation in them, unlike in
// os.File's, so they order the two goroutines in time only.
func pipe(t *testing.T) (r, w int) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pr.Close(); pw.Close() })
	return int(pr.Fd()), int(pw.Fd())
}

func TestRaceAgedOut(t *testing.T) {
	r, w := pipe(t)
	var hits int
	go func() {
		hits = 1 // want race
		sweep()
		var b [1]byte
		syscall.Syscall(syscall.SYS_WRITE, uintptr(w), uintptr(unsafe.Pointer(&b[0])), 1)
	}()
	var b [1]byte
	syscall.Syscall(syscall.SYS_READ, uintptr(r), uintptr(unsafe.Pointer(&b[0])), 1)
	hits = 2 // want race
	t.Logf("hits = %d", hits)
}

func TestNoRaceAgedOut(t *testing.T) {
	var mu sync.Mutex
	var hits int
	done := make(chan bool)
	go func() {
		mu.Lock()
		hits = 1
		mu.Unlock()
		sweep()
		done <- true
	}()
	<-done
	mu.Lock()
	hits = 2
	got := hits
	mu.Unlock()
	t.Logf("hits = %d", got)
}
