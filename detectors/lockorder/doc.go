// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package lockorder reports potential deadlocks between sync.Mutex and
// sync.RWMutex locks, and between locks and channels, before the program
// hangs, linked with -drace=lockorder.
//
// It follows the Go-native lock events (race.NativeSyncDetector): for each
// goroutine, the locks it holds (in race.Goroutine.State), each with its
// mode (Mutex, RWMutex read, RWMutex write) and the stack where it was
// acquired. A MutexLockWait, RWMutexLockWait or RWMutexRLockWait event
// arrives before Lock or RLock may block, and the runtime prints the
// reports Report returns right after it: every check is made at that
// event, so a report is printed even if the goroutine then blocks for good
// (but recursive read locking and lock upgrades, below, which wait for a
// release).
// Reports have Kind "POTENTIAL DEADLOCK", but for the deadlocks the
// runtime finds (DEADLOCK, below).
//
// # What it finds
//
//   - "lock order cycle of N locks: 0xA -> 0xB -> 0xA": a lock-order graph
//     is built across goroutines, an edge A→B when a goroutine requests B
//     while holding A, keeping for each edge the first goroutine to take
//     it and the first other one, with the stacks where B was requested
//     and where A had been acquired. A new edge (or an edge taken by a
//     second goroutine, or one that lost a gate, below) that closes a cycle
//     is reported, with one access per edge ("Lock at 0xB by goroutine
//     G", or "RLock" for a read request), the new edge first, its Note
//     naming the held lock, its mode and where it was locked, and the
//     requested lock. Like Helgrind and go-deadlock, it reports AB-BA
//     orders taken one after the other (the run does not hang, another
//     schedule does) and longer cycles. Each cycle is reported once, by its
//     set of lock addresses.
//   - "lock and channel cycle of N locks and M channels": a goroutine
//     holds a lock while it sends on (or receives from) an unbuffered
//     channel whose only peer, in its own goroutine, needs that lock
//     first. The classic, G1 running "mu.Lock(); ch <- v; mu.Unlock()"
//     and G2 "mu.Lock(); mu.Unlock(); <-ch", hangs when G1 locks first
//     and is found from a run where G2 went first. The graph gets a node
//     per channel and blocked side (sending, waiting for a receiver or,
//     buffered, for room; receiving, waiting for a sender or a close)
//     and two kinds of edge: lock→channel when a goroutine holding the
//     lock made an operation that blocks there in another schedule (below),
//     channel→lock when a goroutine
//     that served that side (received, for a blocked sender; sent or
//     closed, for a blocked receiver) acquired the lock with Lock or
//     RLock since its previous channel operation, select or
//     WaitGroup.Wait, or holds it (it cannot reach its operation
//     without the lock). A cycle through channel sides and locks, lock-
//     order edges included, is reported when a choice of the goroutines
//     recorded for its edges (two per edge) can deadlock: at each
//     channel side the blocked goroutine and the peer differ and the
//     peer is the only goroutine, but the blocked one, that ever served
//     that side so far; at each lock the goroutine that needs it and
//     the holder do not both read-lock it. Gates do not guard such a
//     cycle (a peer that needs the gate blocks on it as well). The
//     report names each edge as a chain ("goroutine 7 holds 0xA (locked
//     at f.go:10) -> blocked sending on chan 0xC at f.go:11 -> only
//     receiver goroutine 8 first needs 0xA at f.go:20"), one access per
//     edge: the channel operation made holding the lock, and where the
//     peer locks it (its Note says where the peer then operates on the
//     channel). Each cycle is reported once. On an unbuffered
//     channel every send and receive may block. On a buffered channel
//     of capacity N, an operation that blocked in this run (the
//     runtime's race.ChanWaited: a send that found the buffer full, a
//     receive that found it empty) gets the edge, and so does a send
//     that found room once the channel's senders can fill the buffer
//     with no receive in between: the sum, over its senders, of each
//     one's longest run of sends on it between two of its waits for
//     another goroutine (a receive on any channel, a send that waited or
//     on an unbuffered channel, a select, WaitGroup.Wait, Cond.Wait)
//     exceeds N. A producer that sends N+1 jobs under the lock, each
//     while the consumer, which locks before it receives, was waiting,
//     is reported: had it run ahead, its last send would block on the
//     full buffer with the lock held. Its chain says "(its buffer of N
//     full)" or "(its buffer of N empty)".
//   - "recursive locking": a Lock of a Mutex, or Lock or RLock of an
//     RWMutex, that the goroutine already holds exclusively (also when
//     acquired through TryLock): a certain deadlock. The accesses are the
//     current request and the earlier acquisition (Previous).
//   - "recursive read locking": an RLock of an RWMutex the goroutine holds
//     for reading: it deadlocks when a writer calls Lock in between (RWR),
//     since a waiting writer blocks new readers. A read lock may be taken
//     by one goroutine for another to release (bbolt's read transactions
//     hold the mmap lock from Begin, on the goroutine that begins them,
//     to Rollback, on the one they were handed to); then the first
//     goroutine's next RLock waits, behind a writer, for the other
//     goroutine's release, not for itself. So the finding waits for the
//     earlier read lock (the goroutine's latest read acquisition of the
//     lock at the request; the report names where it first took it) to
//     be released: released by the goroutine itself, it was its own all
//     along and the finding is reported; released by another goroutine,
//     it is dropped. Read locks are anonymous: a goroutine's RUnlock
//     releases its latest read acquisition of the lock, another
//     goroutine's RUnlock the holder's oldest (the one taken before the
//     holder's own later ones). A finding still waiting is also reported
//     when its goroutine is parked in an RLock or Lock of the lock when a
//     test ends or the program exits, and when a deadlock check (below)
//     lists its goroutine as blocked: the RWR deadlock itself, where the
//     second RLock never returns.
//   - "lock upgrade": a Lock of an RWMutex the goroutine holds for reading:
//     Lock waits for every reader, itself included, forever. As for
//     recursive read locking, the read lock may be another goroutine's to
//     release (bbolt's write transaction remaps, locking the mmap lock,
//     while the read transactions its goroutine began and handed to others
//     are open): the finding waits for the read lock's release, and is
//     reported when its goroutine is found parked in the Lock (at a test
//     end, the exit or a deadlock check), dropped when another goroutine
//     releases the read lock; so it is reported once the goroutine hangs,
//     not before.
//
// DEADLOCK: when every goroutine of the program is blocked and nothing
// can wake one (race.DeadlockDetector: the runtime tells it within about a
// second of the hang, and a test then fails), each blocked goroutine that
// requested a lock another goroutine held, and has not acquired it, is
// reported with the lock, where it requested it, and each holder: where
// the holder took the lock (Previous) and where it is blocked now
// ("Blocked in chan send"): the typical lock held across a channel
// operation whose peer needs the lock. When some goroutines are blocked
// for good while others run on (race.PartialDeadlockDetector: parked on
// primitives no running goroutine can reach), those waiting for a lock
// are reported the same way, "both blocked for good", and the program
// goes on.
//
// Recursive reports are made once per pair of sites (PC and stack of the
// request and of the earlier acquisition); a recursive read locking or
// lock upgrade dropped (its earlier read lock released by another
// goroutine) is reported if the same sites meet again and that time the
// goroutine releases it itself or hangs.
//
// # What is not reported
//
//   - A cycle all of whose edges were taken by one goroutine: a goroutine
//     cannot deadlock with itself through lock order alone.
//   - A cycle guarded by a gate lock: a lock held exclusively, before the
//     edge's first lock was acquired, every time every edge of the cycle
//     was taken (an edge's gates are the intersection over its takings).
//     Gates held for reading do not guard.
//   - A successful TryLock (Mutex, RWMutex, RWMutex read) makes the lock
//     held, so locks requested after it get an edge from it, but adds no
//     edge into it: it cannot block. A failed TryLock holds nothing.
//   - Lock events whose caller (the innermost frame of the SyncOp's PC
//     outside packages sync, sync/atomic, internal/sync and internal/race,
//     inlined calls expanded, resolved once per PC and cached by the
//     toolkit's code.Classifier) is in
//     package testing, the runtime (runtime and runtime/..., but not the
//     built-in detectors under runtime/race/detectors) or an internal
//     std package, or that have no caller outside sync and the runtime (PC
//     0): the testing framework's own locks. sync.Mutex used by other std
//     packages (log, net/http, ...) count. Unlocks are never filtered: an
//     unlock of a lock that is not recorded as held is ignored.
//   - The standard library's own locking protocol: a cycle every taking of
//     which (each edge's request and the lock held, by every goroutine
//     recorded for it) is made by code under GOROOT/src, and recursive
//     locking whose two locks are both taken there. Such orders may rest
//     on invariants a lock graph does not see (syscall's acquireForkLock
//     and releaseForkLock take forkingLock and ForkLock in both orders,
//     kept apart by a count of forks in progress), and a program cannot
//     change them. A cycle with one taking in the program's code is
//     reported. A program built with -trimpath shows no GOROOT: then the
//     package path decides, by the go command's rule (no dot in its first
//     element), which also takes the code of a module whose path has no
//     dot for the standard library's. The standard library's own tests
//     are under GOROOT/src too.
//
// An Unlock (or RUnlock) by a goroutine that does not hold the lock, which
// Go allows, removes the lock from a goroutine that holds it (the lock's
// node keeps its holders): the taker's later requests and channel
// operations get no edge from it, and the edges it took while it held the
// lock stay in the graph.
//
// # What it misses
//
// It sees only the orders the run takes: a cycle whose other half never
// executes is not found. It knows sync.Mutex, sync.RWMutex and channels:
// not WaitGroups, sync.Cond waits (the Cond's Locker, if a
// Mutex, is followed), or locks of other kinds, so it finds no deadlock
// involving them. Channels are followed conservatively: a channel made
// before the detector started (whose size it does not know) gets no
// edges; nor does a channel operation that is a case of a select (the
// Select event after it says so, for a select of one case and a default
// too), which may have had a default or another case to take, nor a
// close, which never blocks. A receive from a buffered channel that found
// a value gets no edge, even if the value's sender needs the lock: the
// value may have been sent before the receiver could take the lock (a
// send before the go statement that starts the receiver), which the
// detector cannot tell; it is found only when the receive waited. A send
// to a buffered channel that found room gets an edge only once the
// channel's bursts exceed its capacity (above), counted from the sends
// made so far: the sends that made the count are not edges themselves,
// and a channel whose bursts never exceed its capacity in this run is
// missed even if another run's would. The bursts of the first 8 senders
// of a channel are kept; each send of a later one counts alone. Replayed
// from a trace recorded before the runtime reported ChanWaited, no
// buffered operation waited. A peer counts the locks it acquired since its
// previous channel operation, select or WaitGroup.Wait (at most 8) and
// those it holds: a lock it took before an earlier channel operation is
// not counted, even if nothing orders that operation with the holder's.
// A channel side served by more than one goroutine (but the blocked one)
// is never the only peer's, even if every peer needs the lock (a pool of
// workers that all lock first): missed. A holder edge is added at the
// goroutine's next event after the operation (to tell a select's case):
// a goroutine that ends or blocks for good right after the operation
// adds none. A cycle search finds one path back from the new edge (depth first,
// visiting at most 16384 locks); if that path is all one goroutine's or
// gated while another path is not, the cycle is missed until another edge
// closes it. For each edge only two goroutines are kept, so a cycle
// needing a third to be feasible may be missed. Recursive read locking
// and lock upgrades are missed when another goroutine releases one of
// the goroutine's read locks of the lock before it releases the one it
// held at the request (the release is taken for that one's: a goroutine
// that read-locks, read-locks again and hands the second to another
// goroutine that releases it first), and when the goroutine holds the
// earlier read lock until it ends, or runs on past a test's end or the
// exit (neither released by it nor parked in the request). A lock upgrade
// whose goroutine hangs is reported only once a test ends, the program
// exits or a deadlock check finds it. A lock freed and
// reallocated at the same address is a new lock (OnMalloc and OnFree drop
// it); an edge into a freed lock is dropped when a search meets it.
//
// # False positives
//
// Lock-order cycles are potential deadlocks: a cycle whose edges can never
// run at the same time for reasons the detector does not see (happens-
// before order by channels or WaitGroups, as in the AB-BA taken one after
// the other, or program logic) is reported nonetheless, as by Helgrind and
// go-deadlock; so is a cycle through an RWMutex read-locked on both sides
// (it deadlocks only if a writer waits in between). Recursive read locking
// is a deadlock only if a writer arrives in between. Read locks are
// anonymous: a goroutine that read-locks, hands that read lock to another
// goroutine, read-locks again, releases its own and then releases a read
// lock a third goroutine took and handed to it is taken to release the
// first, and its recursive read locking is reported. A finding reported by
// a deadlock check, a test end or the exit is false when its earlier read
// lock was handed off and waits for a goroutine stuck elsewhere. Locks are
// compared by address: memory reused without OnMalloc/OnFree (a custom
// allocator) can merge two locks.
//
// A cycle through a channel assumes that the holder could have taken the
// lock before the peer did: happens-before order between them that the
// peer's window (since its previous channel operation) does not show, or
// program logic, can make that order impossible (the report is then
// false). The "only peer" is judged when the cycle closes: a peer that
// serves the channel only later, which would have released the holder,
// does not withdraw the report. A cycle read-locked on both sides of a
// lock is not reported through a channel. A buffered send's edge assumes
// that every sender's longest burst can run while no receive does: order
// between a sender's sends and the receives that does not pass through
// the sender's own waits (a lock the consumer releases after each receive
// and the producer takes before each send, a flag in memory, sleeps)
// makes that impossible, and the report is then false. A count of
// distinct senders also over-counts the values one goroutine can have in
// the buffer at once when its sends are spread over its life.
//
// Reports carry the requested lock's address on their first access, and
// the shared reporter's GORACE suppress_equal_addresses (on by default)
// drops a report whose first address was already reported: a second,
// different cycle or recursion first reported on the same lock (or on a
// lock reallocated at its address) is then not printed.
//
// # Costs
//
// Memory accesses are not observed and cost nothing: the detector
// implements no access interface, so the runtime does not collect them for
// it. Per lock event: a per-PC cache lookup (one SpinLock of 16 and a map; a
// miss resolves the PC with race.Frames) and a lookup of the lock's node
// (one SpinLock of 64 shards by 4 KiB page, two maps). A Lock
// or RLock wait looks the lock's node up once more and, if another
// goroutine holds it, records the goroutine as waiting (the detector's
// waiters SpinLock and a map), until it acquires the lock. A Lock
// or RLock adds the lock to the goroutine's held list and the goroutine to
// the node's holders (two uncontended SpinLocks); an unlock removes them
// (O(h), h the locks held) and, if the holder has recursive read lockings
// waiting, settles those waiting for that acquisition (a scan of them, and
// the detector's rwr SpinLock once none is left). A recursive read locking
// or lock upgrade waiting for its release costs its report (about 300
// bytes) until then; those of a goroutine that ends holding the read lock
// are kept. A test end, the exit and a deadlock check look up each
// goroutine with findings waiting (race.LookupGoroutine). A request while holding h locks costs O(h²)
// for the recursion and gate checks and, per held lock, one SpinLock and a
// map lookup for an edge already taken by this goroutine; a new edge, a
// second goroutine or a lost gate takes the global graph SpinLock and runs
// a depth-first search, O(locks + edges reachable), rare as the graph's
// edges are few. OnMalloc and OnFree look up each 4 KiB page of the range
// (scanning the tables for huge ranges), do not allocate and use no
// sync/atomic (they may run on the system stack).
//
// Channels: every channel event is looked at. A make of a channel sets a
// bit of its page (creating the page); an unbuffered channel's first
// send, receive or close makes its record, a buffered channel's make
// does (about 100 bytes, one allocation, until the channel is freed);
// every send, receive or close looks it up (one shard
// SpinLock and a map) and records the goroutine as a peer (the channel's
// SpinLock, up to two goroutines kept); a send on a buffered channel
// that found room also counts the sender's burst (the same SpinLock, a
// scan of at most 8 senders, until the channel is found fillable) and
// gives a goroutine that never locked its state (100 bytes); other
// channel events cost a type assertion. Pages holding channels make
// OnMalloc and OnFree of their memory look them up. A goroutine that
// holds or recently acquired locks adds, per operation that may block
// (above), an edge per such lock (the edge fast path above, or a
// search); a lock acquisition also records the lock among the
// goroutine's last 8. Measured on this machine (GOMAXPROCS=1, noisy):
// make and close of an unbuffered channel, 0.3-0.6 µs under the detector
// without channels, 1.5-2.8 µs with them; an unbuffered ping-pong whose
// receiver locks before each receive, 1.0-1.8 µs against 2.2-3.4 µs.
// Buffered channels, against the detector that left them out: a make
// (and its free), 0.5-1.0 µs against 3.4-4.2 µs; a send and a receive,
// 0.55-0.86 µs against 0.85-1.4 µs, 1.7-2.9 µs against 3.1-4.2 µs
// with the send under a lock.
//
// Each goroutine's held locks are kept by the toolkit's locks.Held (its
// list and sites, without lock sets), each entry's Data its node; a read
// lock held n times is one entry with its count.
//
// Memory: about 150 bytes per lock ever locked and still allocated, 100
// per channel used (a buffered one's bursts, 270 more until the channel
// is found fillable), 120 bytes per edge (plus 8 per gate), 72 bytes per
// held lock (its entry and its place among the lock's holders; 8 more per
// nested read), 250 bytes per goroutine that used a lock or sent on a
// buffered channel, and the reported cycles' keys and the
// recursion sites; the graph keeps dead locks reachable from live edges
// until a search prunes them.
//
// The detector asks about the program's PCs only through runtime/race's
// host functions (race.Frames), so that drace replay, answering for the
// traced program, filters and describes lock events as the program did.
package lockorder
