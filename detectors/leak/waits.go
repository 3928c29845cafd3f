// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package leak

import (
	"runtime/race"
	"slices"
	"strconv"
	"strings"
)

// A blockedG is a goroutine of a deadlock or timeout report, as it was
// looked up.
type blockedG struct {
	id int64
	st race.GoroutineStatus
}

// A waitKey is an object goroutines wait on, and how.
type waitKey struct {
	addr uintptr
	kind race.WaitKind
}

// waitIndex returns the goroutines of all waiting on each object, in the
// order of all, which is sorted by id (a select's goroutine under each of
// its cases' channels).
func waitIndex(all []blockedG) map[waitKey][]int64 {
	idx := map[waitKey][]int64{}
	for _, b := range all {
		for i, w := range b.st.Waits {
			k := waitKey{w.Addr, w.Kind}
			if w.Addr == 0 || slices.ContainsFunc(b.st.Waits[:i], func(v race.Wait) bool { return waitKey{v.Addr, v.Kind} == k }) {
				continue // nil channels are not one object
			}
			idx[k] = append(idx[k], b.id)
		}
	}
	return idx
}

// A claim is what a report's notes may say of the goroutines it does not
// name.
type claim int

const (
	// claimNone: nothing (a leak report: the goroutines a test left).
	claimNone claim = iota
	// claimBlocked: no blocked goroutine is left out (a TEST TIMEOUT).
	claimBlocked
	// claimFinal: the report's goroutines are blocked for good and no
	// other goroutine can reach what they wait on (a DEADLOCK, total or
	// partial).
	claimFinal
)

// waitNote returns the line a report prints under a blocked goroutine's
// title: what it waits on, from the runtime's description (st.Waits), and
// for a channel who else of the report's goroutines waits on it (all, by
// waitIndex). With claimFinal, a channel none of them waits on the other
// side of is one no goroutine can ever complete the operation on; with
// claimBlocked, one no blocked goroutine is on the other side of. It
// returns "" when the runtime said nothing (a goroutine parked otherwise,
// or being woken as it was looked up). For a Mutex or RWMutex, li, if not
// nil, names who holds it and where the holder took it.
func waitNote(id int64, st race.GoroutineStatus, all map[waitKey][]int64, c claim, li *lockInfo) string {
	ws := st.Waits
	if len(ws) == 0 {
		return ""
	}
	if st.State == "select" || strings.HasPrefix(st.State, "select ") {
		var cases []string
		peers := false
		for _, w := range ws {
			s := chanOp(w) + " on " + chanName(w)
			if w.PC != 0 && li != nil && li.where != nil {
				s += " at " + li.where(w.PC) // the case's line
			}
			if other := waiters(all, id, w.Addr, opposite(w.Kind)); other.n > 0 {
				peers = true
				s += " (" + goroutines(other) + " blocked " + gerund(opposite(w.Kind)) + " on it)"
			}
			cases = append(cases, s)
		}
		note := "select: " + strings.Join(cases, ", ")
		if c == claimFinal && !peers {
			note += "; no goroutine can complete a case"
		}
		return note
	}
	w := ws[0]
	switch w.Kind {
	case race.WaitChanSend, race.WaitChanRecv:
		if w.Addr == 0 {
			return gerund(w.Kind) + " on a nil channel, which blocks forever"
		}
		note := gerund(w.Kind) + " on " + chanName(w)
		if same := waiters(all, id, w.Addr, w.Kind); same.n > 0 {
			note += "; " + goroutines(same) + " also blocked " + gerund(w.Kind) + " on it"
		}
		opp := opposite(w.Kind)
		switch other := waiters(all, id, w.Addr, opp); {
		case other.n > 0:
			note += "; " + goroutines(other) + " blocked " + gerund(opp) + " on it"
		case c == claimFinal:
			note += "; no goroutine can " + opp.String()
		case c == claimBlocked:
			note += "; no blocked goroutine is " + gerund(opp) + " on it"
		}
		return note
	case race.WaitWaitGroup:
		return "on WaitGroup " + hex(w.Addr) + " (counter " + strconv.FormatInt(w.Counter, 10) + ")" + alsoOn(all, id, w) + never(c, "call Done")
	case race.WaitMutex:
		h, held := li.holder(w.Addr)
		if held && h.rw {
			// An RWMutex's Lock waits first on the Mutex at its
			// start, for the writer holding it.
			return "on RWMutex " + hex(w.Addr) + " (to lock it)" + heldBy(h, id, li.where) + alsoOn(all, id, w) + never(c, "unlock it")
		}
		return "on Mutex " + hex(w.Addr) + heldBy(h, id, li.where) + alsoOn(all, id, w) + never(c, "unlock it")
	case race.WaitRLock:
		h, _ := li.holder(w.Addr)
		pending := ""
		if h.writer.gid == 0 {
			// No writer holds it: a writer waiting for its readers
			// keeps new readers out.
			if o := waiters(all, id, w.Addr, race.WaitWLock); o.n > 0 {
				pending = "; " + goroutines(o) + " waiting to lock it keeps readers out"
			}
		}
		return "on RWMutex " + hex(w.Addr) + " (to read-lock it)" + heldBy(h, id, li.where) + pending + alsoOn(all, id, w) + never(c, "unlock it")
	case race.WaitWLock:
		h, _ := li.holder(w.Addr)
		return "on RWMutex " + hex(w.Addr) + " (to lock it, for its readers to unlock)" + heldBy(h, id, li.where) + alsoOn(all, id, w) + never(c, "read-unlock it")
	case race.WaitCond:
		return "on Cond " + hex(w.Addr) + alsoOn(all, id, w) + never(c, "signal it")
	case race.WaitSema:
		return "on semaphore " + hex(w.Addr) + alsoOn(all, id, w) + never(c, "release it")
	}
	return ""
}

// never says, for claimFinal, that no goroutine can do what would wake
// a goroutine waiting on a sync object ("; no goroutine can call Done"):
// in a deadlock every goroutine that could is blocked for good.
func never(c claim, what string) string {
	if c != claimFinal {
		return ""
	}
	return "; no goroutine can " + what
}

// chanOp is the operation a channel wait is for: "send" or "receive".
func chanOp(w race.Wait) string {
	if w.Kind == race.WaitChanSend {
		return "send"
	}
	return "receive"
}

// gerund is "sending" or "receiving", for a channel wait of kind k.
func gerund(k race.WaitKind) string {
	if k == race.WaitChanSend {
		return "sending"
	}
	return "receiving"
}

// chanName names a channel and its buffer: "chan 0xc000a (unbuffered)",
// "chan 0xc000a (buffer 4 of 4 full)", "nil chan".
func chanName(w race.Wait) string {
	if w.Addr == 0 {
		return "nil chan"
	}
	if w.Cap == 0 {
		return "chan " + hex(w.Addr) + " (unbuffered)"
	}
	return "chan " + hex(w.Addr) + " (buffer " + strconv.Itoa(w.Len) + " of " + strconv.Itoa(w.Cap) + " full)"
}

// opposite is the channel operation that completes one of kind k.
func opposite(k race.WaitKind) race.WaitKind {
	if k == race.WaitChanSend {
		return race.WaitChanRecv
	}
	return race.WaitChanSend
}

// waiters returns the goroutines but self that wait on the object at
// addr, of kind (in any of a select's cases): at most maxNamed of them,
// in the order of the report, and how many there are, in time
// O(maxNamed + log n) (the report's goroutines are sorted by id).
func waiters(all map[waitKey][]int64, self int64, addr uintptr, kind race.WaitKind) waiting {
	ids := all[waitKey{addr, kind}]
	w := waiting{n: len(ids)}
	if _, found := slices.BinarySearch(ids, self); found {
		w.n--
	}
	for _, id := range ids {
		if len(w.named) == maxNamed {
			break
		}
		if id != self {
			w.named = append(w.named, id)
		}
	}
	return w
}

// A waiting is the goroutines waiting on an object: n of them, the first
// named.
type waiting struct {
	named []int64
	n     int
}

// alsoOn names the other goroutines of all that wait on w's object the
// same way: "; goroutine 7 also waits on it", "; goroutines 7, 9 also
// wait on it".
func alsoOn(all map[waitKey][]int64, self int64, w race.Wait) string {
	switch o := waiters(all, self, w.Addr, w.Kind); o.n {
	case 0:
		return ""
	case 1:
		return "; " + goroutines(o) + " also waits on it"
	default:
		return "; " + goroutines(o) + " also wait on it"
	}
}

// goroutines names the goroutines of w: "goroutine 7", "goroutines 7, 9",
// and past maxNamed, "goroutines 7, 9, 10, 11, 12 and 995 others": a
// report of n goroutines on one channel stays O(n) long.
func goroutines(w waiting) string {
	var s []string
	for _, id := range w.named {
		s = append(s, strconv.FormatInt(id, 10))
	}
	if w.n == 1 {
		return "goroutine " + s[0]
	}
	list := "goroutines " + strings.Join(s, ", ")
	if w.n > len(w.named) {
		list += " and " + strconv.Itoa(w.n-len(w.named)) + " others"
	}
	return list
}

// maxNamed is how many goroutines a note names.
const maxNamed = 5

// A lockInfo tells a note who holds a lock.
type lockInfo struct {
	holds *holdTable
	where func(pc uintptr) string // "file.go:31"
}

// holder returns who holds the lock at addr; nothing if li is nil.
func (li *lockInfo) holder(addr uintptr) (hold, bool) {
	if li == nil || li.holds == nil {
		return hold{}, false
	}
	return li.holds.holder(addr)
}

func hex(a uintptr) string { return "0x" + strconv.FormatUint(uint64(a), 16) }
