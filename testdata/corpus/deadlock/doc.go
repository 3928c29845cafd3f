// Package deadlock holds corpus cases of lock-order bugs: recursive
// locking, lock order cycles of two and three locks, recursive read
// locking (and its twin that hands the first read lock to another
// goroutine to release), lock upgrades (and a twin that hands its read
// lock over before it write-locks), and a Mutex copied while locked.
//
// A case never hangs the test: a deadlock that really happens is reached
// in goroutines that the test abandons once they are observably blocked
// (by goroutine dumps, which add no synchronisation); they leak, so the
// blocked lines also want leak. Lock order cycles taken one goroutine after
// the other do not hang at all: only a lock-order detector sees them.
//
// A lock-order report names every lock request of the cycle (the
// "holding A, requests B" sites), and a recursive locking report the
// request and the earlier acquisition of the same lock, so each of those
// lines has a `// want deadlock`.
package deadlock
