// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// blockScript runs block on the script and returns its predictions as
// "kind WAIT<-CAUSE,...", after checking every witness and that the
// checker rejects it with the goroutine run one event further, or with
// a cause left out.
func blockScript(t *testing.T, text string) []string {
	t.Helper()
	sc, p := runScript(t, text, "block")
	got := []string{}
	for _, b := range p.Blocks() {
		var causes []string
		for _, c := range b.Cause {
			causes = append(causes, sc.labels[p.Events()[c].PC])
		}
		name := b.Kind.String() + " " + sc.labels[p.Events()[b.Wait].PC] + "<-" + strings.Join(causes, ",")
		got = append(got, name)
		if err := CheckBlock(p.Events(), &b); err != nil {
			t.Errorf("%s: witness fails the check: %v", name, err)
			continue
		}
		// The waiter's next event run: not in its Wait any more.
		w := p.Events()[b.Wait].G
		var next uint64 = none
		for i := range p.Events() {
			if p.Events()[i].G == w && !slices.Contains(b.Schedule, uint64(i)) {
				next = uint64(i)
				break
			}
		}
		bad := b
		bad.Schedule = append(slices.Clone(b.Schedule), next)
		if next != none && CheckBlock(p.Events(), &bad) == nil {
			t.Errorf("%s: the checker accepts the waiter's next event run", name)
		}
		// A cause left out, the rest of the schedule kept: for a
		// select leak, the close (a select's records and a timer's case
		// are not in the schedule).
		drop := b.Cause[0]
		if b.Kind == SelectLeak {
			if len(b.Cause) < 3 {
				continue
			}
			drop = b.Cause[2]
		}
		bad.Schedule = slices.DeleteFunc(slices.Clone(b.Schedule), func(i uint64) bool { return i == drop })
		if CheckBlock(p.Events(), &bad) == nil {
			t.Errorf("%s: the checker accepts the schedule without its cause", name)
		}
	}
	slices.Sort(got)
	return got
}

func TestBlockPredicted(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         []string
	}{
		{
			// The reader waits for a Signal without checking a
			// condition; run first, the poster's section loses it.
			name: "lost signal",
			script: `
1 go 2
2 lock L
2 wait L
1 lock L
1 w msg
1 signal C @signal
1 unlock L
2 woken C L @wait
2 r msg
2 unlock L`,
			want: []string{"lost signal wait<-signal"},
		},
		{
			// A Broadcast, by a goroutine that holds no lock.
			name: "lost broadcast",
			script: `
1 go 2
1 go 3
2 lock L
2 wait L
3 broadcast C @bc
3 end
2 woken C L @wait
2 unlock L`,
			want: []string{"lost signal wait<-bc"},
		},
		{
			// Two Signals, one of them after the waiter woke but not
			// depending on it: both run first. (A Signal must have an
			// event after it, here its goroutine's end, to be known to
			// have returned.)
			name: "two signals",
			script: `
1 go 2
1 go 3
2 lock L
2 wait L
1 signal C @s1
1 end
2 woken C L @wait
2 unlock L
3 signal C @s3
3 end`,
			want: []string{"lost signal wait<-s1,s3"},
		},
		{
			// A worker Adds itself and its Done needs the waiter to
			// receive after its Wait: the Add first, the Wait hangs.
			name: "waitgroup add after wait",
			script: `
1 go 2
1 wgwait W @wait
2 add W 1 @add
1 rel E
2 acq E
2 add W -1`,
			want: []string{"waitgroup hang wait<-add"},
		},
		{
			// A relay takes the request and answers on the same
			// channel, where a consumer reads the answer: with the
			// consumer first, it takes the request, and the relay's
			// receive has no sender left (its own answer comes after).
			name: "receive stolen",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2 @req
2 send C 3 @answer
3 w x
3 end`,
			want: []string{"receive hang req<-answer"},
		},
		{
			// The same with a receiver waiting (the sender second)
			// and a third receiver that keeps its own value.
			name: "receive stolen, other shapes",
			script: `
1 make C
1 go 2
1 go 3
1 go 4
2 recv C 1 @req
1 send C 4 @other
2 send C 3 @answer`,
			want: []string{"receive hang req<-answer"},
		},
		{
			// The relay closes the channel once it answered, and the
			// consumer receives again, from the closed channel: the
			// close depends on the relay's receive.
			name: "receive stolen, closed after",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2 @req
2 send C 3 @answer
2 close C
3 recvclosed C`,
			want: []string{"receive hang req<-answer"},
		},
		{
			// The channel's address was another channel's before:
			// each make starts a channel of its own.
			name: "receive stolen, address reused",
			script: `
1 make C
1 go 2
1 send C 2
1 make C
1 go 3
1 go 4
1 send C 3 @req
3 send C 4 @answer`,
			want: []string{"receive hang req<-answer"},
		},
		{
			// The consumer forwards the answer to the test, which
			// waits on the same channel after its request: with the
			// test first, it takes the answer, and the consumer's
			// receive has no sender left. (The relay's receive is
			// not predicted: the consumer, had it taken the request,
			// would forward it where the relay could take it.)
			name: "answer taken back",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2
2 send C 3 @answer
3 send C 1 @back`,
			want: []string{"receive hang answer<-back"},
		},
		{
			// The relay and the consumer on a buffered channel, each
			// waiting on the empty buffer when its value came: the
			// consumer, first in line, takes the request, and the
			// relay's receive has no sender left.
			name: "receive stolen, buffered",
			script: `
1 make C 1
1 go 2
1 go 3
1 bsend C 2 @req
2 bsend C 3 @answer
3 w x
3 end`,
			want: []string{"receive hang req<-answer"},
		},
		{
			// The same, the request and the answer through the
			// buffer, and another value the test sends first, which
			// a third goroutine takes.
			name: "receive stolen, buffered, through the buffer",
			script: `
1 make C 2
1 go 2
1 go 3
1 go 4
1 bsend C
4 brecv C
1 bsend C
2 brecv C @req
2 bsend C
3 brecv C @answer`,
			want: []string{"receive hang req<-answer"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := blockScript(t, tc.script); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNoBlockPredicted(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		{
			// The twin of "receive stolen": the answer goes on a
			// channel of its own.
			name: "answer on another channel",
			script: `
1 make C
1 make D
1 go 2
1 go 3
1 send C 2
2 send D 3`,
		},
		{
			// The consumer starts after the relay received: it
			// cannot take the request.
			name: "thief after the receive",
			script: `
1 make C
1 go 2
1 send C 2
2 go 3
2 send C 3`,
		},
		{
			// Two sends that depend on no receive: whichever
			// receiver comes first, both get a value.
			name: "no send depends on the receive",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2
1 send C 3`,
		},
		{
			// The consumer forwards what it took on the channel, to
			// a goroutine it starts after its receive: with the
			// request taken, its send could still reach the relay.
			name: "thief sends on",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2
2 send C 3
3 go 4
3 send C 4`,
		},
		{
			// Closed at the end: a receive left waiting would get
			// the zero value (block does not model a closed channel).
			name: "channel closed by another goroutine",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2
2 send C 3
1 close C`,
		},
		{
			// The consumer's receive is a select's case: it might
			// have taken another (not modelled).
			name: "receive in a select",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2
2 send C 3
3 select C`,
		},
		{
			// Two requests through the buffer, one for each receiver:
			// neither depends on the other's receive.
			name: "buffered, a value each",
			script: `
1 make C 2
1 go 2
1 go 3
1 bsend C
1 bsend C
2 brecv C
3 brecv C`,
		},
		{
			// The relay answers on a buffered channel of its own.
			name: "buffered, answer on another channel",
			script: `
1 make C 1
1 make D 1
1 go 2
1 go 3
1 bsend C 2
2 bsend D 3`,
		},
		{
			// The test sends another value, which no one receives in
			// the run: had the consumer taken the request, the relay
			// would take that value.
			name: "buffered, another value sent",
			script: `
1 make C 2
1 go 2
1 go 3
1 bsend C
2 brecv C
2 bsend C
3 brecv C
1 bsend C`,
		},
		{
			// A token in a buffer of one, taken and put back by
			// goroutines running the same code: had the second taken
			// the first value, it would have put it back too (as
			// os/exec's Cmd.Start goroutines pass their status).
			name: "buffered, token put back",
			script: `
1 make C 1
1 go 2
1 go 3
1 bsend C
2 brecv C @take
2 bsend C
3 brecv C @take
3 w x`,
		},
		{
			// The same on an unbuffered channel.
			name: "token put back",
			script: `
1 make C
1 go 2
1 go 3
1 send C 2 @take
2 send C 3 @take
3 w x`,
		},
		{
			// A buffered channel whose events have an unbuffered
			// channel's shapes is not modelled.
			name: "buffered",
			script: `
1 make C 1
1 go 2
1 go 3
1 send C 2
2 send C 3`,
		},
		{
			// The reader checks the condition under the lock: with
			// the Signal first, its read would see the poster's write.
			name: "condition checked",
			script: `
1 go 2
2 lock L
2 r full
2 wait L
1 lock L
1 w full
1 signal C
1 unlock L
2 woken C L
2 r full
2 unlock L`,
		},
		{
			// The signaller waits to hear that the reader is about to
			// wait (an edge before the Wait): the Signal comes after.
			name: "signal after the decision",
			script: `
1 go 2
2 lock L
2 rel E
2 wait L
1 acq E
1 lock L
1 signal C
1 unlock L
2 woken C L
2 unlock L`,
		},
		{
			// The Signal's Unlock (the Signal's return) must come
			// before the waiter queues; the signaller's next event
			// needs the waiter's edge.
			name: "signal returns after",
			script: `
1 go 2
2 lock L
2 rel E
2 wait L
1 signal C
1 acq E
2 woken C L
2 unlock L`,
		},
		{
			// The Done does not depend on the Wait: run before it,
			// the counter is back to zero.
			name: "waitgroup done independent",
			script: `
1 go 2
1 wgwait W
2 add W 1
2 add W -1
1 rel E
2 acq E`,
		},
		{
			// The Add depends on the Wait (a goroutine started after it).
			name: "waitgroup add after wait returned",
			script: `
1 wgwait W
1 go 2
2 add W 1
1 rel E
2 acq E
2 add W -1`,
		},
		{
			// The waiter's own Add after its Wait.
			name: "waitgroup reused",
			script: `
1 go 2
1 wgwait W
1 add W 1
1 rel E
2 acq E
2 add W -1
1 wgwait W`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := blockScript(t, tc.script); len(got) > 0 {
				t.Errorf("predicted %q", got)
			}
		})
	}
}

// A Wait that returns in a witness must have been woken there: with both
// Signals run first, the reader blocks in its first Wait (predicted), and
// a schedule that has it pass that Wait to block in its second is not a
// valid execution.
func TestBlockWaitsWoken(t *testing.T) {
	const script = `
1 go 2
1 go 3
2 lock L
2 wait L
1 signal C @s1
1 end
2 woken C L @w1
2 wait L
3 signal C @s2
3 end
2 woken C L @w2
2 unlock L`
	if got, want := blockScript(t, script), []string{"lost signal w1<-s1,s2"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	sc, p := runScript(t, script, "block")
	evs := p.Events()
	var w2 uint64 = none
	for i := range evs {
		if evs[i].Op == CondWait && sc.labels[evs[i].PC] == "w2" {
			w2 = uint64(i)
		}
	}
	if w2 == none {
		t.Fatal("no second Wait")
	}
	// Goroutines 1 and 3 first, then the reader up to its second
	// Wait's Unlock (the event before its re-Lock's atomics).
	var sched, reader []uint64
	for i := range evs {
		switch g := evs[i].G; {
		case g != 2:
			sched = append(sched, uint64(i))
		case uint64(i) < w2:
			reader = append(reader, uint64(i))
		}
	}
	for len(reader) > 0 && evs[reader[len(reader)-1]].Op != Unlock {
		reader = reader[:len(reader)-1]
	}
	b := &Block{Kind: LostSignal, Wait: w2, Schedule: append(sched, reader...)}
	err := CheckBlock(evs, b)
	if err == nil || !strings.Contains(err.Error(), "no Signal after it began") {
		t.Errorf("CheckBlock = %v, want the first Wait not woken", err)
	}
}

// The checker's WaitGroup counter: with the worker's Done run too, the
// Wait would return; with it left out (not depending on the Wait), the
// Done could still release it.
func TestCheckBlockCounter(t *testing.T) {
	_, p := runScript(t, `
1 go 2
1 wgwait W
2 add W 1
2 add W -1
2 end`, "block")
	evs := p.Events()
	var wait uint64 = none
	var all, noDone []uint64
	for i := range evs {
		e := &evs[i]
		switch {
		case e.Op == WaitGroupWait:
			wait = uint64(i)
		case e.G == 1 && (e.Op == Acquire || e.Op == WaitGroupWait):
			// The Wait's acquire: the goroutine stays before it.
		default:
			all = append(all, uint64(i))
			if e.G != 2 || e.Op != WaitGroupAdd || e.Delta() > 0 {
				if !(e.G == 2 && (e.Op == ReleaseMerge || e.Op == End)) {
					noDone = append(noDone, uint64(i))
				}
			}
		}
	}
	for _, tc := range []struct {
		sched []uint64
		want  string
	}{
		{all, "the counter is 0"},
		{noDone, "could release the Wait"},
	} {
		err := CheckBlock(evs, &Block{Kind: WaitGroupHang, Wait: wait, Schedule: tc.sched})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckBlock(%v) = %v, want %q", tc.sched, err, tc.want)
		}
	}
}

// Without a Wait that returned, block builds no index.
func TestBlockNoWait(t *testing.T) {
	_, p := runScript(t, "1 go 2\n2 lock L\n2 w x\n2 unlock L\n1 signal C\n1 add W 1", "block")
	if got := p.Blocks(); len(got) != 0 || p.index != nil {
		t.Errorf("Blocks() = %v, index built: %v", got, p.index != nil)
	}
}

// The checker's channel rules on the "receive stolen" witness: the
// consumer, which took another value, may not go on; a send left out
// that does not depend on the receive could reach it; a receive may not
// take place with no sender at its rendezvous.
func TestCheckRecvHang(t *testing.T) {
	sc, p := runScript(t, `
1 make C
1 go 2
1 go 3
1 go 4
1 send C 2 @req
2 send C 3 @answer
1 send C 4 @extra
3 w x @after
3 end`, "block")
	evs := p.Events()
	blocks := p.Blocks()
	if len(blocks) != 1 {
		t.Fatalf("Blocks() = %v, want one", blocks)
	}
	b := blocks[0]
	if err := CheckBlock(evs, &b); err != nil {
		t.Fatalf("witness: %v", err)
	}
	label := func(i uint64) string { return sc.labels[evs[i].PC] }
	var after uint64 = none
	for i := range evs {
		if label(uint64(i)) == "after" {
			after = uint64(i)
		}
	}
	for _, tc := range []struct {
		name  string
		sched []uint64
		want  string
	}{
		{"thief goes on", append(slices.Clone(b.Schedule), after), "takes another value and goes on"},
		{"extra send left out", slices.DeleteFunc(slices.Clone(b.Schedule), func(i uint64) bool {
			return label(i) == "extra"
		}), "could reach the receive"},
		{"thief left out", slices.DeleteFunc(slices.Clone(b.Schedule), func(i uint64) bool {
			return evs[i].G == 3
		}), "no goroutine at an operation to pair with"},
	} {
		bad := b
		bad.Schedule = tc.sched
		if err := CheckBlock(evs, &bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckBlock = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// The checker judges a receive only on a channel block models: on a
// buffered one with an unbuffered channel's events, even the witness of
// the unbuffered twin is rejected.
func TestCheckRecvHangModelled(t *testing.T) {
	const script = `
1 make C%s
1 go 2
1 go 3
1 send C 2
2 send C 3`
	checkTwinRejected(t, "buffered", fmt.Sprintf(script, ""), fmt.Sprintf(script, " 1"), "does not model")
}

// checkTwinRejected runs block on predicted, which must give one Block,
// and on its twin, which must give none, and checks that the twin's trace
// rejects the predicted witness with an error containing want.
func checkTwinRejected(t *testing.T, name, predicted, twin, want string) {
	t.Helper()
	_, p := runScript(t, predicted, "block")
	blocks := p.Blocks()
	if len(blocks) != 1 {
		t.Fatalf("Blocks() = %v, want one", blocks)
	}
	_, q := runScript(t, twin, "block")
	if got := q.Blocks(); len(got) != 0 {
		t.Errorf("%s: Blocks() = %v, want none", name, got)
	}
	err := CheckBlock(q.Events(), &blocks[0])
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: CheckBlock = %v, want an error containing %q", name, err, want)
	}
}

// A close that does not depend on the receive could wake it: the checker
// rejects the witness of "receive stolen" on the same trace with a close
// by the test at its end.
func TestCheckRecvHangClose(t *testing.T) {
	const script = `
1 make C
1 go 2
1 go 3
1 send C 2
2 send C 3`
	checkTwinRejected(t, "closed", script, script+"\n1 close C", "could wake the receive")
}

// The checker's rules on a buffered channel's "receive stolen" witness:
// first in, first out, and no value left in the buffer for the receive.
func TestCheckRecvHangBuffered(t *testing.T) {
	sc, p := runScript(t, `
1 make C 2
1 go 2
1 go 3
1 go 4
1 bsend C 2 @req
2 bsend C 3 @answer
1 bsend C @extra
4 brecv C @extrarecv
3 w x @after
3 end`, "block")
	evs := p.Events()
	blocks := p.Blocks()
	if len(blocks) != 1 {
		t.Fatalf("Blocks() = %v, want one", blocks)
	}
	b := blocks[0]
	if err := CheckBlock(evs, &b); err != nil {
		t.Fatalf("witness: %v", err)
	}
	label := func(i uint64) string { return sc.labels[evs[i].PC] }
	var after uint64 = none
	for i := range evs {
		if label(uint64(i)) == "after" {
			after = uint64(i)
		}
	}
	without := func(drop func(i uint64) bool) []uint64 { return slices.DeleteFunc(slices.Clone(b.Schedule), drop) }
	for _, tc := range []struct {
		name  string
		sched []uint64
		want  string
	}{
		{"thief goes on", append(slices.Clone(b.Schedule), after), "takes another value and goes on"},
		{"extra received by no one", without(func(i uint64) bool { return evs[i].G == 4 }), "a value left in the buffer"},
		{"extra sent by no one", without(func(i uint64) bool { return label(i) == "extra" && evs[i].G == 1 }), "receive from the empty buffer"},
		{"extra left out", without(func(i uint64) bool { return label(i) == "extra" && evs[i].G == 1 || evs[i].G == 4 }), "could reach the receive"},
		{"thief left out", without(func(i uint64) bool { return evs[i].G == 3 }), "a value left in the buffer"},
	} {
		bad := b
		bad.Schedule = tc.sched
		if err := CheckBlock(evs, &bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckBlock = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A receive at the waiting receive's own code that takes another value
// (a token passed among goroutines running the same code) is no thief:
// the checker rejects the witness of the "token put back" trace with the
// receives at different code, and block predicts it only then.
func TestCheckRecvHangSameCode(t *testing.T) {
	const script = `
1 make C 1
1 go 2
1 go 3
1 bsend C
2 brecv C @take
2 bsend C
3 brecv C @%s
3 w x`
	checkTwinRejected(t, "same code", fmt.Sprintf(script, "other"), fmt.Sprintf(script, "take"), "at the receive's own code")
}

// waitsWoken counts each WaitGroup apart: one allocated again at the
// address of another, whose counter was left above zero, starts at zero,
// so its Wait returns in the trace's own order.
func TestBlockWaitsWokenNewWaitGroup(t *testing.T) {
	_, p := runScript(t, `
1 add W 1
1 malloc W 64
1 add W 1
1 done W
1 wgwait W`, "block")
	evs := p.Events()
	x := newTraceIndex(evs)
	sched := make([]uint64, len(evs))
	order := make(map[uint64]int, len(evs))
	waits := 0
	for i := range evs {
		sched[i], order[uint64(i)] = uint64(i), i
		if evs[i].Op == WaitGroupWait {
			waits++
		}
	}
	if waits != 1 {
		t.Fatalf("%d WaitGroup Waits in the trace, want 1", waits)
	}
	if err := x.waitsWoken(sched, order); err != nil {
		t.Errorf("waitsWoken(the trace's order) = %v, want nil", err)
	}
}

// A select that received a worker's result could have taken its other
// case, leaving the worker's send blocked for good.
func TestSelectLeakPredicted(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         []string
	}{
		{
			// select { case r := <-ch: case <-time.After(d): } with the
			// worker waiting in its send when the select came.
			name: "timer",
			script: `
1 make C
1 go 2
2 w res @work
1 recv C 2 @send
1 cases C T* @timer
1 select C @sel
1 end`,
			want: []string{"select leak send<-sel,timer"},
		},
		{
			// The same with the select waiting first, woken by the
			// send (it writes the value before its record).
			name: "timer, the select waited",
			script: `
1 make C
1 go 2
1 recvw C 2 r @send
1 cases C T* @timer
1 select C @sel
1 end`,
			want: []string{"select leak send<-sel,timer"},
		},
		{
			// case <-ctx.Done(): a cancel, by a goroutine the select
			// does not wait for, closes Done after the select in this
			// run; first, it leaves the worker blocked.
			name: "context cancel",
			script: `
1 make C
1 make D
1 go 2
1 go 3
1 recv C 2 @send
1 cases C D @done
1 select C @sel
3 close D @cancel
1 end`,
			want: []string{"select leak send<-sel,done,cancel"},
		},
		{
			// The cancel came first in this run too: the select could
			// have taken either case.
			name: "context cancelled before",
			script: `
1 make C
1 make D
1 go 2
1 go 3
3 close D @cancel
1 recv C 2 @send
1 cases C D @done
1 select C @sel
1 end`,
			want: []string{"select leak send<-sel,done,cancel"},
		},
		{
			// The trace ends before the woken worker runs again to
			// record its send: its read of the channel stands for it.
			name: "timer, the worker's record cut off",
			script: `
1 make C
1 go 2
1 recv C 2 cut @send
1 cases C T* @timer
1 select C @sel
1 end`,
			want: []string{"select leak send<-sel,timer"},
		},
		{
			// The worker's send is a plain one; a select it makes
			// later, on other channels, is not its send's.
			name: "worker selects later",
			script: `
1 make C
1 make D
1 make E
1 go 2
1 go 3
1 recv C 2 @send
1 cases C T* @timer
1 select C @sel
3 send E 2
2 cases E D
2 select E`,
			want: []string{"select leak send<-sel,timer"},
		},
		{
			// A known false positive: a loop still blocked in its
			// select at the trace's end (no record of that round)
			// would receive the value in that round.
			name: "loop blocked at the end",
			script: `
1 make C
1 go 2
1 go 3
1 recv C 2
1 cases C T*
1 select C
1 recv C 3 @send
1 cases C T* @timer
1 select C @sel`,
			want: []string{"select leak send<-sel,timer"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := blockScript(t, tc.script)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNoSelectLeakPredicted(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		{
			// defer cancel(): the close comes after the select in its
			// own goroutine, in every order.
			name: "defer cancel",
			script: `
1 make C
1 make D
1 go 2
1 recv C 2 @send
1 cases C D @done
1 select C @sel
1 close D @cancel`,
		},
		{
			// A cancel by another goroutine that waits for the select
			// (it hears from it first).
			name: "cancel after the select",
			script: `
1 make C
1 make D
1 make E
1 go 2
1 go 3
1 recv C 2
1 cases C D
1 select C
1 send E 3
3 close D`,
		},
		{
			// The worker selects on ctx.Done too: its send is not
			// left blocked for good.
			name: "worker selects on Done",
			script: `
1 make C
1 make D
1 go 2
2 send C 1
2 cases C! D
2 select C
1 cases C T*
1 select C`,
		},
		{
			// make(chan T, 1): the worker's send never blocks.
			name: "buffered result channel",
			script: `
1 make C 1
1 go 2
1 recv C 2
1 cases C T*
1 select C`,
		},
		{
			// Another receiver that does not wait for the select can
			// take the worker's value.
			name: "another receiver",
			script: `
1 make C
1 go 2
1 go 3
1 go 4
1 recv C 2
1 cases C T*
1 select C
4 recv C 3`,
		},
		{
			// The other case sends: it is not made ready by a timer or
			// a close.
			name: "the other case sends",
			script: `
1 make C
1 make E
1 go 2
1 recv C 2
1 cases C E!
1 select C`,
		},
		{
			// A loop around the select: its next round, and the
			// round that quits it, have the channel among their
			// cases.
			name: "select in a loop",
			script: `
1 make C
1 go 2
1 go 3
1 go 4
1 recv C 2
1 cases C T*
1 select C
1 recv C 3
1 cases C T*
1 select C
4 close Q
1 recvclosed Q
1 cases Q C T*
1 select Q`,
		},
		{
			// A loop that ended: the select's goroutine receives
			// again after the select, in its next round.
			name: "select in a loop that ends",
			script: `
1 make C
1 go 2
1 go 3
1 recv C 2
1 cases C T*
1 select C
1 recv C 3
1 end`,
		},
		{
			// A Done channel that nothing closes, and no timer.
			name: "never cancelled",
			script: `
1 make C
1 make D
1 go 2
1 recv C 2
1 cases C D
1 select C`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := blockScript(t, tc.script); len(got) != 0 {
				t.Errorf("predicted %q, want nothing", got)
			}
		})
	}
}
