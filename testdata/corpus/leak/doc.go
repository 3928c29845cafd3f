// Package leak holds corpus cases of goroutine leaks: goroutines blocked
// forever (or far longer than the test) on a channel, a lock, a condition
// variable, a connection or an empty select, and goroutines spawned without
// bound.
//
// A buggy test returns once its goroutines are observably blocked (goroutine
// dumps, which add no synchronisation) and leaves them blocked; the blocked
// line has the `// want leak`. The objects they block on are local to the
// test, so they are unreachable once it returns. A fixed twin returns only
// after its goroutines have ended.
//
// The corpus runner sets DRACE_FLAGS=leak.explosion=1000 for every case run (the
// leak detector's default threshold is 10000), so the explosion case
// spawns 1100 goroutines from one go statement; its twin is a bounded pool
// of workers. Run by hand, set it too:
//
//	DRACE_FLAGS=leak.explosion=1000 go test -drace=leak -run=GoroutinePerMessage
package leak
