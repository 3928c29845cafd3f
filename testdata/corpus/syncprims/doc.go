// Package syncprims holds corpus cases of the standard synchronisation
// primitives used so that they do not order what the code relies on: a
// sync.Cond waited on with if, or signalled after its predicate was
// changed outside the lock; a sync.Pool object still in use after Put; a
// timer Reset while its fired callback runs; a context cancelled as if
// cancel waited for the worker; a first error recorded by sibling
// goroutines without a lock; a sync.Once reset by assignment; a shared
// sync.OnceValue result mutated by its callers; an atomic.Value whose
// stored struct is mutated after Store; a slice field replaced under a
// reader; a TryLock whose failure path writes anyway; an atomic flag
// stored before the data it publishes.
//
// Several buggy tests steer the schedule with goroutine dumps (sched.go:
// waitBlocked, waitGone), which add no synchronisation, so that the
// accesses happen in the order the case is about; the twins are steered
// the same way. Twins keep every cross-goroutine access under one lock,
// or hand values over by channel, Once or atomic without writing them
// afterwards, so that lockset detectors (which flag ownership hand-offs)
// stay silent on them too.
package syncprims
