// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package predict finds, in one recorded trace (the record detector's),
// the data races that another valid order of the same events would
// expose: races a lock hand-off hid from happens-before in this run;
// and (algorithm block) the blocking bugs another order exposes: a
// Cond's Wait after its Signal, a WaitGroup's Wait after an Add whose
// Done needs the Wait to return, a receive whose value another receiver
// takes, a send left blocked by a select that takes another case. It
// is drace predict's engine.
//
// # The model
//
// The trace is streamed into a per-goroutine model (Event):
//
//   - Accesses: plain reads and writes (of their first byte, as
//     ThreadSanitizer's Go runtime has them), ranges (one event, checked
//     per 8-byte word and, within it, per byte; a range over 4 GiB, or
//     past the end of the address space, only in a corrupt trace, is
//     cut), and sync/atomic operations, which conflict with plain
//     accesses only.
//
//   - Critical sections of sync.Mutex and RWMutex, Lock to Unlock, read
//     mode (RLock) shared: the synchronisation a prediction may reorder.
//     The records a mutex makes on its own words (its state word's
//     Atomic records and their edges, the runtime's Acquire and Release
//     on the mutex, and an RWMutex's on its writerSem and readerSem at
//     +8 and +12) are left out, so that they order nothing: found from
//     real traces, where Lock is [MutexLockWait] Atomic(CAS) Acquire
//     Release Acquire(pc 0) [MutexLock] and Unlock [MutexUnlock]
//     Release(pc 0) Atomic Acquire Release, all on the mutex's address.
//     A TryLock's atomic precedes its Sync record: edges recorded on an
//     address before it is known as a mutex's are forgotten then.
//
//   - Fixed edges: every other Acquire, Release (a store: the acquirer
//     takes in the last release), ReleaseMerge (a join) and AcquireAll
//     record, and goroutine starts. These are the runtime's edges as
//     ThreadSanitizer gets them, so they carry Go's semantics: an
//     unbuffered channel's rendezvous (both sides release and acquire
//     the channel's slot), a buffered channel's k-th receive before the
//     (k+C)-th send completes (each operation acquires and releases its
//     buffer slot), close before a receive that sees the channel closed,
//     select, WaitGroup (Done releases, Wait acquires), Once, Cond, and
//     sync/atomic (a load acquires what the stores released). They are
//     kept in every reordering.
//
//   - A sync.WaitGroup's counter: its Go-native Add records (Done is
//     Add(-1); the delta is the record's argument) and Wait's return,
//     which order nothing (the WaitGroup's edges are fixed ones above)
//     but let shb predict a negative counter and the checker verify a
//     schedule's Waits.
//
// Other records (allocations, which reset the words they cover and start
// a new WaitGroup at an address; tests; function entries; Go-native Sync
// records other than the mutexes' and the WaitGroups') add nothing: the
// edges they imply are the records around them.
//
// # Algorithms
//
// shb is schedulable happens-before (Mathur, Kini, Viswanathan, OOPSLA'18):
// happens-before over program order, lock and fixed edges, plus an edge
// from each write to the reads that read from it. It finds the races
// happens-before finds, and every pair it reports is real (each has a
// witness, below), not only the first per variable as with happens-before
// (after a race, HB may report pairs that no reordering makes adjacent,
// because a read there would have seen another write). It does not
// reorder critical sections, so it misses what only that exposes.
//
// wcp is weak causal precedence (Kini, Mathur, Viswanathan, PLDI'17), by
// the paper's vector-clock algorithm: a release is ordered before a later
// critical section on the same lock only when that section makes a
// conflicting access (rule (a)), or when the first section's acquire is
// already ordered before the second's release (rule (b), through
// per-lock queues), closed under composition with happens-before. It
// finds what shb finds and the races that swapping critical sections
// exposes. Its guarantee is weaker: the first race is real (or a deadlock
// is); later ones may not be. So that a read keeps the write it saw, wcp
// here also takes shb's reads-from edge, a fixed edge of every valid
// reordering: it only removes reports, those whose reordering would
// change what a read returned.
//
// syncp finds sync-preserving races (Mathur, Pavlogiannis, Viswanathan,
// POPL'21): a pair is reported when some valid reordering in which the
// critical sections of each mutex run in their observed order, though
// it may leave out those it does not need, runs both accesses next. It
// is exact for that class: a pair is reported if and only if neither
// access is in the sync-preserving closure of the events before the two
// in their goroutines (closed under program order, goroutine starts,
// fixed edges, reads-from, and the lock rule: of two conflicting
// critical sections of a mutex whose Locks are in it, the earlier's
// Unlock is in it too); that closure, run in trace order, is the
// witness. It finds every race shb finds and those a reordering that
// drops a critical section exposes, also where the sections conflict
// (where wcp's rule (a) orders them); it misses the races only
// reversing two critical sections exposes, which wcp finds (an access
// inside the earlier section, the other after the later one). Unlike
// wcp's, every race it reports is real, not only the first. Here a
// goroutine keeps the closure of its events so far (a vector clock and
// the critical sections open in it), each access its goroutine's
// closure before it; a pair the later one's closure does not order is
// decided by joining both and closing the join under the lock rule
// (the paper computes its closures incrementally too; this
// implementation is drace's own). An acquire takes in every release on
// its address before it, as the witness checker has it, where shb and
// wcp take in the last Release: syncp may so order, and then forget, an
// access shb still reports a pair with (the later access is then
// reported with a later write). And where the word's history keeps only
// a goroutine's latest access (see below), an earlier one can race
// where the latest does not: such a race is missed, so that the history
// stays small. syncp keeps an earlier access of the goroutine when the
// later one holds a mutex the earlier did not (a later Lock of it in
// the other access's closure would close the later one's section, the
// later access in it), the commonest such case; an earlier access
// before an acquire or a read whose closure does the same is still
// missed (TestSyncPMisses counts 1 access in 2000 random traces of 40
// events; 3 without the mutex rule).
//
// The three check each access against each word's history: the accesses that
// no later write is ordered after, one read per goroutine. Each reports
// each pair of conflicting accesses of different goroutines that are not
// ordered, once (a range access is one event), the later access second:
// not only the first pair per variable, so a loop that races reports a
// pair per iteration (GORACE's suppression of equal stacks, on by
// default, prints one; it spans the algorithms, so a race shb reports
// is not printed again for wcp or syncp).
//
// Go's concurrency bugs that the runtime checks through memory accesses
// are predicted as races on those accesses: a send on a channel another
// goroutine may close first (the send reads the channel, close writes
// it), two closes, and WaitGroup.Add racing Wait (the first Add reads the
// WaitGroup's semaphore word, the first Wait writes it).
//
// A negative WaitGroup counter is predicted by shb (a report of kind
// NegativeWaitGroup, a panic in another order): when the sum of the
// deltas of the Adds in shb's closure of a Done (the events ordered
// before it: shb's clock) is negative, the closure, run in trace order
// and then the Done, panics: the Done runs before an Add of another
// goroutine it needs (the go func() { wg.Done() }(); wg.Add(1) mistake,
// where this run happened to run the Add first). Each goroutine's Adds
// on a WaitGroup are kept with their running sum, so that the Adds of a
// goroutine ordered before the Done are a prefix found by binary search:
// per Done, a search per goroutine that made a positive Add on the
// WaitGroup. Only those goroutines are summed: another goroutine's Done
// the reordering could also run first is left out (so two Dones that
// panic only together, each counted by an Add made after both go
// statements but one Add before them, are missed), which keeps every
// prediction real. A Done whose closure is negative without it is not
// reported: that closure panics earlier, at a Done reported in its
// place. A Done whose sum is negative with no unordered
// positive Add before it in the trace panicked in this run: it is not
// reported. wcp and syncp do not check WaitGroup counters. The witness
// is shb's, checked with the counters: no Add below zero before the Done,
// each Wait returning at zero.
//
// Goroutines' clocks are vclock's, over slots reused when goroutines end:
// an access of a goroutine that ended long ago may look ordered before a
// later one, a missed race, never an invented one. For syncp, such an
// Unlock taken as in a closure brings its own closure in, so the closure
// stays closed: again a missed race at worst.
//
// # Blocking bugs (block)
//
// The block algorithm predicts hangs this run did not have: a goroutine
// that a valid reordering of the trace leaves blocked for good. It is
// not a race algorithm: it keeps the model's events (as Keep does) and,
// once the trace is in, Predictor.Blocks tries each Wait that returned
// in the run, and each receive on a channel. With it, the
// model has more events, from the Go-native Sync records (ignored by
// shb, wcp and syncp): a Cond's Wait
// returning (CondWait, after the Lock that re-took its lock), a Signal
// or Broadcast called (CondSignal), a WaitGroup's Add called
// (WaitGroupAdd, its delta) and its Wait returning (WaitGroupWait,
// after its acquire), and a channel's make, send, receive, close and
// select records (ChanMake, ChanSend, ChanRecv after the operation,
// ChanClose, ChanSelect, and a select's cases, ChanSelectCase, from
// trace version 5). The Cond and WaitGroup kinds need nothing more:
// Cond.Wait is the
// Unlock and Lock of its lock (only the mutex's own atomics between
// them) before its CondWait record, and the Wait put itself on the
// Cond's list before that Unlock, after the goroutine's event before it.
//
// Four kinds:
//
//   - Lost signal: a Cond's Wait after every Signal and Broadcast that
//     could wake it. Each Signal and Broadcast of the Cond in the trace
//     either depends on the Wait returning (is after the Lock that ends
//     it, by program order, a goroutine's start, a fixed edge or a read
//     of a write), or is run, with the event after it
//     in its goroutine (so that its call has returned), before the
//     event that precedes the Wait's Unlock: the Signal before the Wait
//     began. No Signal may depend on that event (the signaller waited
//     to hear that the waiter was about to wait). A reader that checks
//     its condition under the lock reads, in that order, the signaller's
//     write instead of the value it saw: the reordering is not valid
//     and nothing is reported.
//   - WaitGroup hang: a WaitGroup's Wait before an Add (with delta > 0)
//     of another goroutine that came after it in the trace and does not
//     depend on it, with every Done (Add < 0) of that WaitGroup that does
//     not depend on the Wait returning run too, and the counter (the
//     Adds run, a positive one once the event after it has run) still
//     above zero: the Done that would release the Wait comes only after
//     the Wait returns. The pattern: a worker that calls Add itself and
//     hands its result over a channel the waiter reads after Wait.
//   - Receive with no sender left: a receive on a channel
//     whose value another receiver takes in the reordering (the thief:
//     a receive of another goroutine that does not depend on this one,
//     whose own value came from a send that does), every send left on
//     the channel depending on the receive returning. The pattern: a
//     relay that takes a request and answers on the same channel, where
//     a consumer reads the answer; with the consumer first in line, it
//     takes the request, and the relay waits for a request no one sends.
//     Here a receive is not its fixed edges: on a channel block models,
//     the edges on the channel's race address (the Release, Acquire,
//     Release, Acquire of each rendezvous under the channel's lock) are
//     replaced by its semantics. An operation is its events, contiguous
//     in its goroutine (a send's read of the race address and its
//     record, a receive's record, and its two edges; chanOp has the
//     shapes), and takes place at its first event, the rendezvous: the
//     other goroutine must be at an operation of the other kind then
//     (its previous event run), and the two pair (the trace's partner if
//     it is there, else the first in the trace). In dependencies (what
//     depends on the receive, what the set needs) the channel's edges
//     count for nothing, so that a receiver's later events do not
//     depend on the send it took in the trace. A buffered channel (its
//     ChanMake's size N > 0) is modelled too: an operation is its read
//     of the race address (a send), its record and the acquire and
//     release of its buffer slot (bufExtent has the shapes; a send that
//     waited on the full buffer has its slot's edges given it by the
//     receiver that made room), and takes place at that acquire, its
//     commit: a send needs fewer than N values in the buffer, a receive
//     at least one, and the values leave first in, first out (the
//     trace's pairs: the k-th receive to commit took the value of the
//     k-th send to commit; a send no receive took stays unpaired). The
//     edges on the slots and the race address count for nothing in
//     dependencies, as an unbuffered channel's, and the checker also
//     wants the buffer empty when the goroutine is at its receive (a
//     value left there would serve it). The channel is modelled only
//     if its ChanMake is in the trace (a make at the same address later
//     is another channel), it is never a select's case, every event on
//     its race address (and, buffered, every edge on its slots) is an
//     operation's, and, unbuffered, the trace's edges pair every send
//     and receive (so that an operation still in progress at the
//     trace's end, a sender left waiting, leaves the channel out). A close (its write and release
//     of the race address, then its record) and a receive from the
//     closed channel (an acquire there, then its record) pair with
//     nothing and are never run by the reordering: a close that does
//     not depend on the receive could wake it (with the zero value),
//     and nothing is predicted; one that does (the relay closes the
//     channel once it answered) leaves it waiting. A value
//     received is a read of the send that the trace does not have
//     (the runtime copies it unseen): a receiver that pairs with
//     another send than in the trace must run nothing after its
//     receive in the reordering, so that nothing it does with the value
//     is assumed; it must also run other code than the receive that
//     waits (another PC), for code that takes a value and puts it back
//     (a token passed through a buffer of one, as os/exec's Cmd.Start
//     goroutines pass their status) would put back the value it took,
//     as the waiting receive did in the trace, and wake it: such a
//     witness is rejected. What a thief at other code does with the
//     value is still not known: a hang it would avoid by sending on the
//     channel again is a false report. Every other receive pairs as in
//     the trace, and every read reads the write it read.
//   - Select leak: a send on an unbuffered channel whose value a select
//     received (select { case v := <-results: ...; case <-ctx.Done():
//     ... }), where a reordering lets the select take another of its
//     cases instead, and no receiver is left for the send: the worker
//     whose caller gave up waits for good (a goroutine leak). Trace
//     version 5 has a select's cases: before the select's Select
//     record, a SelectCase record per case with a channel (its channel,
//     index, direction, whether it is a timer's, and its PC). The other
//     case must be a receive, ready at the select in the reordering:
//     a timer's channel (time.After, a Timer's or Ticker's C), which is
//     assumed able to fire at any time (a modelling assumption: a
//     timeout of an hour against a worker of a microsecond is reported
//     as readily as one of a millisecond), or a channel whose close
//     (a context's cancel closing Done) the reordering runs before the
//     select: one that does not depend on the select (a cancel after
//     it in its goroutine, defer cancel(), or in a goroutine that waits
//     for it, is never run first). The reordering stops the select's
//     goroutine at its receive (its first event, the rendezvous) and
//     the sender at its send (the read of the channel before it); with
//     the close, everything they and the close depend on, closed under
//     the lock rule, each channel operation it touches whole. The send
//     must be a plain send, not a case of a select of more cases (a
//     worker that selects on ctx.Done() too is released by the
//     cancel), and every other receive of the channel, every close of
//     it and every case of another select on it must depend on the
//     select (the channel's own edges counting for nothing, as for a
//     receive) and be another goroutine's: otherwise another receiver,
//     or the select's own goroutine in a later round of a loop, could
//     still take the value (a loop around the select, whose next
//     round, or the round that quits it, has the channel among its
//     cases, is silent).
//     The channel is modelled as for a receive (unbuffered, its make in
//     the trace, every event on its race address an operation's), a
//     select's receive that waited may write the value between its
//     edges and its record, a send that waited and was woken but whose
//     goroutine did not run again before the trace ended (no record;
//     its read of the race address and the two edges its receiver gave
//     it, its goroutine's last events) is its read (receive hangs are
//     not predicted on such a channel), and only a receive chosen by a select is
//     tried (a send chosen by a select, a worker that receives its
//     request, is not).
//
// The witness is built as for shb's races (the events the Wait and the
// moved Signals or Add depend on, closed under the lock rule, scheduled
// in trace order as far as valid; for a lost signal the Signals' part
// first; for a receive, every send of the channel that does not depend
// on it, the receives that took them but this one, and the thief, each
// operation the set touches whole) and checked by CheckBlock: a valid
// execution as Check has it (for a receive, the channel's rendezvous
// instead of its edges),
// after which the goroutine has run up to its Wait (the Unlock, or the
// events before the Wait's acquire) and not further, each Signal of the
// Cond either run with the event after it before the Wait's previous
// event or dependent on the Wait returning, each Done either run or
// dependent on it, and the counter above zero; for a receive, its
// goroutine at its first event, every operation of the channel in the
// schedule whole, every send and close left out dependent on the receive, and
// every receiver that paired otherwise than in the trace stopped after
// its receive; for a select leak, the select's goroutine at its
// receive and the sender at its send, the case it takes a receive of
// the same select, a timer's or its channel's close in the schedule
// (the channel's, not another's made later at its address), every
// operation of the sender's channel in the schedule whole with its
// partner, every receive, close and other select's case on it left
// out dependent on the select and another goroutine's; and every Wait that
// returns in the schedule could return there (a Cond's after a Signal,
// each waking one Wait, or a Broadcast that came after it began, a
// WaitGroup's with the counter at zero), which the edges Check verifies
// do not say. Only predictions whose
// witness passes are reported ("POTENTIAL DEADLOCK", with the Wait and
// the Signals or Add the reordering runs before it, or, for a receive,
// "receive with no sender left" with the thief; for a select leak,
// "select leak" with the select, the case it takes and the close).
//
// What "for good" assumes: the goroutines do what the trace shows them
// doing. The witness keeps every read reading the write it read, so up
// to the hang the execution is the run's; after it, a goroutine whose
// later reads would see other writes might take another path, and
// Signal or call Done where it did not in the run. A Signal or Done that
// the trace does not have (after its end, or in a branch the run did not
// take) is not known. For a receive this matters more: the thief, with
// another value, may take another path than the trace's after its
// receive; what it does there is taken from the trace (a send on the
// channel it made later, unless that depends on the receive, keeps the
// receive from being predicted, as it could wake it).
//
// Misses: a Wait that never returned in the run (the run hung: leak and
// lockorder report it as it happens); a Signal that is its goroutine's
// last event in the trace (its return is not known); a Signal that must
// run between the waiter's Lock and its Wait; of the Adds after a
// WaitGroup's Wait that do not depend on it, only the first is tried
// (one leaves the counter above zero, but another's closure might keep
// fewer Dones); and at most two
// Waits are tried per call site (stack) and kind, so a later instance
// of a site whose first two do not hang is not tried. For receives:
// a buffered channel, one closed by a goroutine not ordered after the
// receive (then a receive left waiting gets the zero value, but one
// closed only after the receive in every order, by a chain that this
// run's channel edges made, is missed too), one of whose operations
// is a select's case
// (the select could take another case; a receive that a select steals
// is missed with it); a receive whose value a thief takes only through
// a chain of swaps, or that loses it to a receiver that took an
// independent send (the set would have that receiver take two values);
// and only the first thief is tried. For select leaks: a trace of
// version 4 or older (no cases); a select whose other case is a
// channel a send (not a close) could make ready, or one closed by a
// timer (context.WithTimeout's Done: its cancel runs in a timer's
// callback, which this run may not have reached; a context's timer is
// not a timer's channel); a select that sent (the worker's side); a
// sender that waits in a select of more cases (silent, as it should be
// when the other case can end it, though it may not); a buffered
// channel (a full buffer leaks the same way; it is not modelled); a
// select whose other receivers, independent of it, could take the
// value (then another goroutine may leak instead: not reported); a
// select whose goroutine receives on the channel again later (a loop
// around the select: silent, though its last round may leak); and only
// the first close of each other case is tried. Addresses reused by a new Cond or
// WaitGroup (the model has no allocations) only make predictions fail
// the check: their Signals and Dones are not ordered after the Wait.
//
// False positives: none known beyond the assumptions above and the
// timer's: a select leak takes a timer as able to fire before any
// worker, however long its duration; and after the select takes the
// other case its goroutine does what the trace cannot show (a caller
// that drains the channel once it timed out, `case <-time.After(d):
// <-results`, frees the worker, yet its drain is not in the trace,
// where the receive won: reported; so is the last round of a loop
// around the select that ended after it, which with the other case
// taken might have gone round once more, and that of a loop still
// blocked in its select at the trace's end, which has no record of
// that round: TestSelectLeakPredicted has it). A
// receive's prediction holds for the channel's semantics as modelled:
// an operation takes place at its first recorded event, which for an
// operation that waited in the run is when its partner arrived (it
// might have been waiting earlier, which only gives more orders). sync.Cond's
// copy checker (its first Wait, Signal or Broadcast initialises it with
// an atomic compare-and-swap) is taken as the run had it, though in the
// reordering another call would do the swap: it orders nothing.
//
// Cost: the events kept (56 bytes each) and the witness index, built
// once if any Wait or receive returned (per read, the writes it read;
// per unbuffered channel, the events on its race address); per Wait
// tried, the events from
// it to the last Signal or Add of its Cond or WaitGroup, then, unless a
// WaitGroup's counter is already back to zero, a closure and a schedule
// linear in the trace prefix, at most two Waits per call site and kind;
// per receive tried (at most two per call site, on channels block
// models), its channel's model once (linear in its operations), the
// events from it to the trace's end (what depends on it), then, if a
// thief is found, a closure and a schedule linear in the trace prefix.
// Per select tried (one that received on a case, at most two per call
// site): its channel's model, then per other case that a timer or a
// close makes ready a closure and a schedule linear in the trace
// prefix, and the check's dependents of the select up to the channel's
// last operation or select case. The trace grows by a SelectCase record
// per case of every select that chose a case (a few bytes each). On Go's
// race suite's trace (version 5, recorded at GOMAXPROCS 1: 149 selects,
// 36 of them with two cases or more, 80 SelectCase records, none on a
// timer's channel) block predicts no select leak and nothing else: 50 s
// user and 14 s system CPU, 2.8 GB peak RSS, in later runs 50 s and
// 3 s, 2.7 GB, and 45 s and 3 s, 2.6 GB, on the loaded machine.
// On Go's race suite's trace below, 671 of its 1,398 channels are
// modelled (the rest buffered, mostly), with 3,797 of its 4,580
// receives; no receive is predicted, and receives cost no more than
// the loaded machine's noise: run one after the other, block took 49 s
// of CPU and 2.6 GB against 55 s and 2.8 GB without them (an earlier
// pair: 53 s against 47 s). Those counts are from before buffered
// channels were modelled; with them, block still predicts nothing there
// (a token that os/exec's Cmd.Start goroutines pass through a buffer of
// one was predicted until a thief had to run other code than the
// receive), at 52.8 s user and 3.7 s system CPU and 3.2 GB peak RSS
// against 59.1 s, 3.2 s and 2.6 GB before (the two runs overlapping).
// Measured on Go's race suite (one recorded run at GOMAXPROCS 1: 12.5M
// model events, 106 MB of trace), 2 shared cores with other work (load
// average 8 to 10), one after the other: -algo=block 52 s user and 15 s
// system CPU, 2.9 GB peak RSS, and no report (the suite has no blocking
// bug of these kinds); -algo=shb 14.6 s and 290 MB. block suits the
// traces of a test or a few, like -witness; on a corpus case's trace
// (about 11,000 model events) it adds milliseconds.
//
// # Witnesses
//
// With Options.Keep the model's events are kept and Predictor.Witness
// builds, for a syncp race, the closure above in trace order, and for
// an shb or wcp race, the reordering that exposes it: the events the two
// accesses depend on (program order, a goroutine's start on its go
// statement, an acquire on the releases it took in, a read on the write
// it read) scheduled in trace order as far as that is valid, deferring a
// critical section left open at the race until the closed ones of its
// lock have run and a write until the reads of the value it overwrites
// have. Check verifies a witness independently of how it was built:
// program order, starts after their go statements, each fixed-edge
// acquire taking in exactly the releases it took in, mutual exclusion
// (read mode shared), each read reading the write it read in the trace,
// and both racing accesses next. A search that fails (possible for a wcp
// race after the first) is reported as such.
//
// # Costs
//
// shb's WaitGroup counters: per Add, about 100 bytes (its epoch, its
// goroutine's running sums, the event), kept until an allocation reuses
// the WaitGroup's memory, so a long-lived WaitGroup that counts many
// goroutines holds an entry per Add; per Done, a binary search per
// goroutine that made a positive Add on it.
//
// shb and wcp stream: time linear in the trace (per access, the word's
// history: the accesses no write has superseded, at most one read per
// goroutine and bytes; per synchronisation, a vector clock operation over
// the slots in use). Memory grows with the words the program touched,
// not with the events: per word its history and the last writer's clock
// snapshot (shared by the writes of an epoch); a range longer than 512
// bytes once per 4 KiB page, so that clearing a large buffer costs per
// page; for wcp, per critical section its acquire and release clocks
// (rule (b)'s queues) and per lock and word accessed under it a clock
// (rule (a)).
//
// syncp streams as well: per access the same history check, and per
// pair its goroutine's closure leaves unordered (a lock-protected
// access of another goroutine that no read links, say) a join of two
// clocks and the lock rule over the join's open critical sections (per
// section, a binary search in each slot that locked its mutex). Memory:
// per critical section its Unlock's closure (a clock, shared while the
// goroutine's closure does not change) and 32 bytes per Lock; per
// access in a history a pointer to its goroutine's closure, which that
// keeps alive.
//
// Measured on Go's race suite (one recorded run at GOMAXPROCS 1: 20.8M
// trace events, 12.4M model events, 105 MB of trace), drace predict with
// one algorithm, CPU time (user and system) and peak RSS on 2 cores
// shared with other work (load average 10), and on the trace's first
// 0.80M and 9.6M events (-partial):
//
//	trace events   shb             wcp             syncp
//	0.80M          2.9 s  173 MB   5.2 s  267 MB   2.7 s  216 MB
//	9.6M           9.1 s  542 MB  11.2 s  709 MB  14.6 s  781 MB
//	20.8M         17.3 s  720 MB  18.4 s  856 MB  26.3 s  983 MB
//
// that is 0.8, 0.9 and 1.3 s per million events on the whole trace
// (an earlier measurement, on a quieter machine, had shb and wcp at
// 0.7 s and fasttrack's replay at 0.2 s), and memory that follows the
// addresses the program touched more than the events. On that trace the
// three report the same 236 tests, those fasttrack reports in the run:
// its races are all happens-before races.
//
// On package sync's tests (-test.short -test.count=22, one recorded run
// at GOMAXPROCS 2: 103.6M trace events, 60.5M model events, 809 MB of
// trace, 124,100 goroutines, 1.46M addresses) and its first 1.0M and
// 10.0M events (-partial), CPU time and peak RSS, 2 shared cores at load
// 8-11:
//
//	trace events   shb              wcp              syncp
//	1.0M             1.0 s    23 MB    5.9 s   126 MB    2.1 s    27 MB
//	10.0M            9.0 s   311 MB   36.4 s   847 MB   21.7 s   305 MB
//	103.6M         124.4 s  1.51 GB  276.7 s  6.56 GB  190.3 s  1.73 GB
//
// Time is about linear (shb 1.0-1.2 s per million events, syncp
// 1.8-2.2 s, wcp 2.7-5.9 s, its first million the dearest); memory is
// not: it follows the addresses and goroutines the run touched (each
// of the 22 rounds allocates anew) and, for wcp, its critical sections'
// clocks on this mutex-heavy suite, more than the events.
// Witnesses need the events (Keep), 56 bytes each, and an index of them
// (per read, the writes it read, per word); each witness takes time
// linear in the trace prefix up to its race, so -witness suits traces of
// a test or a few, not a whole suite.
package predict
