// Package sched steers corpus cases into the schedule they are about
// without adding happens-before edges: it reads goroutine dumps
// (runtime.Stack), which no race detector sees as synchronisation.
package sched

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// RunAlone runs f on a new goroutine and returns once that goroutine has
// exited, found by polling runtime.NumGoroutine (no synchronisation): it
// fixes the order of the run as a lucky schedule would, adding no
// happens-before edge of its own.
func RunAlone(f func()) {
	n := runtime.NumGoroutine()
	go f()
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Microsecond)
	}
}

// WaitBlocked waits until a goroutine running fn (a function as named in
// tracebacks, without its package: "TestX.func1", "(*T).m") is blocked
// with wait reason state ("chan send", "sync.Mutex.Lock", "sleep", ...).
func WaitBlocked(t testing.TB, fn, state string) {
	t.Helper()
	WaitBlockedN(t, 1, fn, state)
}

// WaitBlockedN waits until n goroutines running fn are blocked with wait
// reason state.
func WaitBlockedN(t testing.TB, n int, fn, state string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for blockedIn(fn, state) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d goroutines in %s blocked in [%s]", n, fn, state)
		}
		time.Sleep(time.Millisecond)
	}
}

// WaitGone waits until no goroutine is running fn.
func WaitGone(t testing.TB, fn string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for running(fn) {
		if time.Now().After(deadline) {
			t.Fatalf("a goroutine is still in %s", fn)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockedIn counts the goroutines running fn blocked in state.
func blockedIn(fn, state string) int {
	n := 0
	for _, g := range goroutines() {
		if blockedG(g, fn, state) {
			n++
		}
	}
	return n
}

// blockedG reports whether the dump g of one goroutine is of a goroutine
// running fn blocked in state.
func blockedG(g, fn, state string) bool {
	header, _, _ := strings.Cut(g, "\n")
	return (strings.Contains(header, "["+state+"]") || strings.Contains(header, "["+state+",")) &&
		strings.Contains(g, "."+fn+"(")
}

func running(fn string) bool {
	for _, g := range goroutines() {
		if strings.Contains(g, "."+fn+"(") {
			return true
		}
	}
	return false
}

// goroutines returns the dump of every goroutine, one string each.
func goroutines() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}
