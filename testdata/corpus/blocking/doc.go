// Package blocking holds corpus cases of blocking bugs: deadlocks and
// leaks that mix locks with the standard library's own locking, channels,
// WaitGroups and condition variables, and their fixed twins, which a
// blocking-bug detector must leave silent.
//
// A case whose deadlock really happens reaches it in goroutines that the
// test abandons once they are observably blocked (goroutine dumps, which
// add no synchronisation), unless the case is about a hang that only the
// detector or the runner's timeout can end; a lock-order cycle taken one
// goroutine after the other does not hang at all.
package blocking
