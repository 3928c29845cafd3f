// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"bytes"
	"runtime/race"
	"slices"
	"strconv"
	"strings"
	"testing"

	"drace/detectors/record/trace"
)

// A script is a trace written one event per line, "G OP [ARG] [@LABEL]",
// G being the trace goroutine number (1 starts first, unannounced):
//
//	go C          start goroutine C (the next number)
//	r X, w X      read, write variable X (8 bytes)
//	rr X N, wr X N  range read, write of N bytes from X
//	lock L, unlock L      sync.Mutex, with the records the runtime makes
//	rlock L, runlock L, wlock L, wunlock L   sync.RWMutex read, write mode
//	acq E, rel E  a fixed happens-before edge on E (channel, atomic, ...)
//	load X, store X       sync/atomic, with their edges
//	end           the goroutine ends
//	malloc X N    X's N bytes are newly allocated (G is ignored)
//	wait L        a sync.Cond's Wait begins: it unlocks L
//	woken C L     the Wait on Cond C returns: it locks L again
//	signal C, broadcast C   Signal, Broadcast of Cond C
//	add W N       WaitGroup W's Add(N) (N < 0: Done, with its edge; else
//	              with the first Add's read of the semaphore)
//	done W        WaitGroup W's Done: add W -1
//	wgwait W      WaitGroup W's Wait returns, with its edge
//	make C [N]    make(chan T, N) (N 0 if left out) as channel C
//	send C R      G sends on unbuffered C to R, waiting in its receive:
//	              G's and R's records and edges, as the runtime has them
//	recv C S      G receives on unbuffered C from S, waiting in its send
//	              (recv C S cut: S's record left out, as when the trace
//	              ends before S runs again)
//	bsend C [R]   G sends on buffered C: into the buffer, or handed to R,
//	              waiting in its receive (on the empty buffer)
//	brecv C       G receives from buffered C's buffer
//	close C       close(C)
//	recvclosed C  a receive from the closed C
//	select C      a select chose its case on C, after that case's records
//	cases C D...  the select's cases (before its select line): C, the
//	              chosen one, index 0, then the others; a name ending in
//	              ! is a send case, in * a timer's channel
//	recvw C S X   G's select waited to receive on unbuffered C, and S
//	              sends second: S's records and edges, then G's write of
//	              the value into X and its record
//
// A variable may name a byte inside: x+1.
// A label names the event's PC, for expected races "A~B" (A first); a
// label used again gives its line the PC of the label's first line (the
// same code run again).
type script struct {
	trace  []byte
	labels map[uint64]string // PC → label
}

const scriptPC = 0x400000

func writeScript(t testing.TB, text string) *script {
	t.Helper()
	var buf bytes.Buffer
	w := trace.NewWriter(&buf, trace.Header{Exe: "prog"})
	sc := &script{labels: make(map[uint64]string)}
	vars := make(map[string]uint64)
	bufSize, sendx, recvx := make(map[uint64]int64), make(map[uint64]int64), make(map[uint64]int64)
	pcOf, labelAt := make(map[string]uint64), make(map[int]uint64) // label → PC, line → its label's PC
	addr := func(name string) uint64 {
		name, offset, _ := strings.Cut(name, "+")
		off, _ := strconv.ParseUint(offset, 10, 64)
		a, ok := vars[name]
		if !ok {
			a = uint64(0x10000 + 0x10000*len(vars))
			vars[name] = a
		}
		return a + off
	}
	emit := func(ev trace.Event) {
		if err := w.Event(ev); err != nil {
			t.Fatalf("%+v: %v", ev, err)
		}
	}
	emit(trace.Event{Kind: trace.GoStart, G: 1, GoID: 1})
	for n, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[len(f)-1], "@") {
			label, pc := f[len(f)-1][1:], scriptPC+uint64(n)*16
			if at, ok := pcOf[label]; ok {
				pc = at // the same code as the label's first line
			}
			sc.labels[pc], pcOf[label], labelAt[n] = label, pc, pc
			f = f[:len(f)-1]
		}
		if len(f) < 2 {
			t.Fatalf("line %d: %q", n+1, line)
		}
		pc := scriptPC + uint64(n)*16
		if at, ok := labelAt[n]; ok {
			pc = at
		}
		g, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		arg := func(k int) uint64 {
			if len(f) <= k {
				t.Fatalf("line %d: %q needs an argument", n+1, line)
			}
			return addr(f[k])
		}
		sync := func(kind race.SyncKind, obj uint64) {
			emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(kind), Addr: obj, PC: pc})
		}
		edge := func(kind trace.Kind, a, pc uint64) { emit(trace.Event{Kind: kind, G: g, Addr: a, PC: pc}) }
		atomic := func(op race.AtomicOp, a uint64) {
			emit(trace.Event{Kind: trace.Atomic, G: g, Op: uint8(op), Width: 8, Size: 8, Addr: a, PC: pc})
			edge(trace.Acquire, a, pc)
			edge(trace.Release, a, pc)
		}
		switch f[1] {
		case "go":
			child, _ := strconv.ParseUint(f[2], 10, 64)
			emit(trace.Event{Kind: trace.GoStart, Parent: g, G: child, GoID: int64(child), PC: pc})
		case "r", "w":
			kind := map[string]trace.Kind{"r": trace.Read, "w": trace.Write}[f[1]]
			emit(trace.Event{Kind: kind, G: g, Addr: arg(2), Size: 1, PC: pc})
		case "rr", "wr":
			kind := map[string]trace.Kind{"rr": trace.ReadRange, "wr": trace.WriteRange}[f[1]]
			size, _ := strconv.ParseUint(f[3], 10, 64)
			emit(trace.Event{Kind: kind, G: g, Addr: arg(2), Size: size, PC: pc})
		case "lock":
			l := arg(2)
			sync(race.MutexLockWait, l)
			atomic(race.AtomicCompareAndSwap, l)
			edge(trace.Acquire, l, 0)
			sync(race.MutexLock, l)
		case "unlock":
			l := arg(2)
			sync(race.MutexUnlock, l)
			edge(trace.Release, l, 0)
			atomic(race.AtomicAdd, l)
		case "rlock":
			l := arg(2)
			sync(race.RWMutexRLockWait, l)
			edge(trace.Acquire, l+12, 0)
			sync(race.RWMutexRLock, l)
		case "runlock":
			l := arg(2)
			sync(race.RWMutexRUnlock, l)
			edge(trace.ReleaseMerge, l+8, 0)
		case "wlock":
			l := arg(2)
			sync(race.RWMutexLockWait, l)
			edge(trace.Acquire, l+12, 0)
			edge(trace.Acquire, l+8, 0)
			sync(race.RWMutexLock, l)
		case "wunlock":
			l := arg(2)
			sync(race.RWMutexUnlock, l)
			edge(trace.Release, l+12, 0)
		case "acq":
			edge(trace.Acquire, arg(2), 0)
		case "rel":
			edge(trace.Release, arg(2), 0)
		case "load":
			atomic(race.AtomicLoad, arg(2))
		case "store":
			atomic(race.AtomicStore, arg(2))
		case "wait":
			l := arg(2)
			sync(race.MutexUnlock, l)
			edge(trace.Release, l, 0)
			atomic(race.AtomicAdd, l)
		case "woken":
			c, l := arg(2), arg(3)
			sync(race.MutexLockWait, l)
			atomic(race.AtomicCompareAndSwap, l)
			edge(trace.Acquire, l, 0)
			sync(race.MutexLock, l)
			sync(race.CondWait, c)
		case "signal":
			sync(race.CondSignal, arg(2))
		case "broadcast":
			sync(race.CondBroadcast, arg(2))
		case "add", "done":
			wg := arg(2)
			delta := int64(-1)
			if f[1] == "add" {
				if len(f) < 4 {
					t.Fatalf("line %d: %q needs a delta", n+1, line)
				}
				delta, _ = strconv.ParseInt(f[3], 10, 64)
			}
			emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(race.WaitGroupAdd), Addr: wg, Arg: delta, PC: pc})
			if delta < 0 {
				edge(trace.ReleaseMerge, wg, pc)
			} else {
				// The first Add reads the semaphore, after it added.
				emit(trace.Event{Kind: trace.Read, G: g, Addr: wg + 8, Size: 4, PC: pc})
			}
		case "wgwait":
			wg := arg(2)
			edge(trace.Acquire, wg, pc)
			sync(race.WaitGroupWait, wg)
		case "make":
			n := int64(0)
			if len(f) > 3 {
				n, _ = strconv.ParseInt(f[3], 10, 64)
			}
			emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(race.ChanMake), Addr: arg(2), Arg: n, PC: pc})
			bufSize[arg(2)], sendx[arg(2)], recvx[arg(2)] = n, 0, 0
		case "send", "recv":
			// The rendezvous under the channel's lock: the goroutine
			// that arrives second releases, the waiting one acquires
			// and releases, and the second acquires (racesync); a
			// sender read the race address on arrival (+16).
			c := arg(2)
			peer, _ := strconv.ParseUint(f[3], 10, 64)
			chanRec := func(g uint64, kind race.SyncKind) {
				emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(kind), Addr: c, Arg: -1, PC: pc})
			}
			at := func(g uint64, kind trace.Kind) { emit(trace.Event{Kind: kind, G: g, Addr: c + 16, Size: 8, PC: pc}) }
			if f[1] == "send" {
				at(g, trace.Read)
				chanRec(g, race.ChanSend)
				at(g, trace.Release)
				at(peer, trace.Acquire)
				at(peer, trace.Release)
				at(g, trace.Acquire)
				chanRec(peer, race.ChanRecv)
			} else {
				at(peer, trace.Read)
				at(g, trace.Release)
				at(peer, trace.Acquire)
				at(peer, trace.Release)
				at(g, trace.Acquire)
				chanRec(g, race.ChanRecv)
				if len(f) < 5 || f[4] != "cut" {
					chanRec(peer, race.ChanSend)
				}
			}
		case "bsend", "brecv":
			// A buffered channel's slots follow its header (+0x70),
			// 8 bytes each; each operation acquires and releases its
			// slot (racenotify).
			c := arg(2)
			slot := func(k int64) uint64 { return c + 0x70 + 8*uint64(k%max(bufSize[c], 1)) }
			rec := func(g uint64, kind race.SyncKind, a int64) {
				emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(kind), Addr: c, Arg: a, PC: pc})
			}
			edges := func(g uint64, a uint64) {
				emit(trace.Event{Kind: trace.Acquire, G: g, Addr: a, PC: pc})
				emit(trace.Event{Kind: trace.Release, G: g, Addr: a, PC: pc})
			}
			switch {
			case f[1] == "brecv":
				k := recvx[c]
				recvx[c]++
				edges(g, slot(k))
				rec(g, race.ChanRecv, k%bufSize[c])
			case len(f) > 3 && !strings.HasPrefix(f[3], "@"):
				peer, _ := strconv.ParseUint(f[3], 10, 64)
				k := recvx[c]
				recvx[c]++
				sendx[c] = recvx[c]
				emit(trace.Event{Kind: trace.Read, G: g, Addr: c + 16, Size: 8, PC: pc})
				rec(g, race.ChanSend, -1)
				edges(g, slot(k))
				edges(peer, slot(k))
				rec(peer, race.ChanRecv, -1^race.ChanWaited)
			default:
				k := sendx[c]
				sendx[c]++
				emit(trace.Event{Kind: trace.Read, G: g, Addr: c + 16, Size: 8, PC: pc})
				edges(g, slot(k))
				rec(g, race.ChanSend, k%bufSize[c])
			}
		case "close":
			c := arg(2)
			emit(trace.Event{Kind: trace.Write, G: g, Addr: c + 16, Size: 8, PC: pc})
			emit(trace.Event{Kind: trace.Release, G: g, Addr: c + 16, PC: pc})
			sync(race.ChanClose, c)
		case "recvclosed":
			c := arg(2)
			emit(trace.Event{Kind: trace.Acquire, G: g, Addr: c + 16, PC: pc})
			emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(race.ChanRecv), Addr: c, Arg: -2, PC: pc})
		case "select":
			sync(race.Select, arg(2))
		case "cases":
			for k, name := range f[2:] {
				bits := int64(k)
				for strings.HasSuffix(name, "!") || strings.HasSuffix(name, "*") {
					if strings.HasSuffix(name, "!") {
						bits |= race.SelectCaseSend
					} else {
						bits |= race.SelectCaseTimer
					}
					name = name[:len(name)-1]
				}
				emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(race.SelectCase), Addr: addr(name), Arg: bits, PC: pc})
			}
		case "recvw":
			c := arg(2)
			peer, _ := strconv.ParseUint(f[3], 10, 64)
			at := func(g uint64, kind trace.Kind) { emit(trace.Event{Kind: kind, G: g, Addr: c + 16, Size: 8, PC: pc}) }
			at(peer, trace.Read)
			emit(trace.Event{Kind: trace.Sync, G: peer, SyncKind: uint8(race.ChanSend), Addr: c, Arg: -1, PC: pc})
			at(peer, trace.Release)
			at(g, trace.Acquire)
			at(g, trace.Release)
			at(peer, trace.Acquire)
			emit(trace.Event{Kind: trace.Write, G: g, Addr: arg(4), Size: 8, PC: pc})
			emit(trace.Event{Kind: trace.Sync, G: g, SyncKind: uint8(race.ChanRecv), Addr: c, Arg: -1, PC: pc})
		case "end":
			emit(trace.Event{Kind: trace.GoEnd, G: g})
		case "malloc":
			size, _ := strconv.ParseUint(f[3], 10, 64)
			emit(trace.Event{Kind: trace.Malloc, Addr: arg(2), Size: size})
		default:
			t.Fatalf("line %d: unknown op %q", n+1, f[1])
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sc.trace = buf.Bytes()
	return sc
}

// runScript runs the algorithms on the script, keeping the events.
func runScript(t *testing.T, text string, algos ...string) (*script, *Predictor) {
	t.Helper()
	sc := writeScript(t, text)
	p, err := Run(bytes.NewReader(sc.trace), false, Options{Algorithms: algos, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	return sc, p
}

// predictScript runs the algorithms on the script and returns the races
// each finds as "A~B", sorted, after checking every race's witness.
func predictScript(t *testing.T, text string, algos ...string) map[string][]string {
	t.Helper()
	sc, p := runScript(t, text, algos...)
	got := make(map[string][]string)
	for _, algo := range algos {
		got[algo] = []string{}
	}
	for _, r := range p.Races() {
		name := sc.labels[r.First.PC] + "~" + sc.labels[r.Second.PC]
		got[r.Algorithm] = append(got[r.Algorithm], name)
		w, err := p.Witness(r)
		if err != nil {
			t.Errorf("%s race %s: %v", r.Algorithm, name, err)
			continue
		}
		// The checker must also reject the schedule with the racing
		// accesses run: the witness is exactly up to the race.
		bad := &Witness{Race: r, Schedule: append(slices.Clone(w.Schedule), r.FirstIndex)}
		if err := Check(p.Events(), bad); err == nil {
			t.Errorf("%s race %s: the checker accepts a schedule that runs the first access", r.Algorithm, name)
		}
	}
	for _, list := range got {
		slices.Sort(list)
	}
	return got
}
