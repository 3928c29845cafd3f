// Package blocking holds corpus cases of blocking bugs: deadlocks and
// leaks that mix locks with the standard library's own locking, channels,
// WaitGroups, condition variables, timers and contexts, and their fixed
// twins, which a blocking-bug detector must leave silent.
//
// Three kinds of case:
//
//   - A hang: the test's own goroutine blocks with all the others (a Wait
//     no Done can release, a lock held across a channel operation whose
//     peer needs it, a Signal that came first). A detector that wants
//     deadlocks reports DEADLOCK within a second and fails the test;
//     without one the test hangs until the runner's -test.timeout. The
//     blocked lines want `deadlock "all goroutines are blocked"` (the
//     leak detector's DEADLOCK) and, where a lock is waited for,
//     `deadlock "held by goroutine"` (lockorder's, naming the holder).
//     The test's own blocked line also wants `deadlock "test timed
//     out"`, which no detector must meet: it is what a configuration
//     without deadlock checks (-race) prints when the runner's timeout
//     ends the hang (the case's Timeout, 5s).
//   - A leak: the test abandons goroutines once they are observably
//     blocked (goroutine dumps, which add no synchronisation) and returns;
//     the blocked lines want leak.
//   - A partial deadlock inside a server that runs on
//     (serverpartial_test.go): its goroutines are blocked for good, on
//     primitives nothing running can reach, while a ticker goes on, so
//     the test hangs forever and the runner's -test.timeout ends it; the
//     detectors must report `deadlock "goroutines blocked for good"`
//     before that.
//
// The runtime's own crash for a Mutex unlocked twice is a case too
// (class runtime). A lock-order cycle taken one goroutine after the other
// (forklock_test.go) does not hang at all, nor do a lock held across a
// channel operation whose only peer took the lock first
// (predictedsend_test.go, predictedrecv_test.go, predictedclose_test.go),
// on a buffered channel too: a receive that waited on the empty buffer
// (predictedbufrecv_test.go), or a producer's send that found room only
// because its consumer waited for each value, though the producer sends
// more values than the buffer holds (predictedbufsend_test.go): the peer
// went first in this run, steered without synchronisation; only a
// prediction (lockorder's "lock and channel cycle") catches them.
//
// Class predictblock: Go blocking bugs that do not hang in this run, whose
// hang only another valid order of the same events exposes, for drace
// predict's block (configuration predict): a Cond's Wait that its only
// Signal or Broadcast could precede (predictedsignal_test.go,
// predictedbroadcast_test.go), a WaitGroup's Wait that a worker's own Add
// could precede while the worker's Done waits for the waiter
// (predictedwaitgroup_test.go, predictedshutdown_test.go), a relay's
// receive whose request a consumer of the same channel could take
// (predictedsteal_test.go; predictedbufsteal_test.go on a buffered
// channel). Their twins would not hang in that order
// either: waiters that check their condition under the lock, a channel
// with room for the worker's result, a stop channel closed before the
// Wait, an answer on a channel of its own.
package blocking
