// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package leak

import (
	"flag"
	"os"
	"path/filepath"
	"runtime/race"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata")

// blockOn makes goroutine id of w blocked in state, waiting on ws, with
// no stack (the golden reports hold no file paths).
func (w *world) blockOn(id int64, state string, ws ...race.Wait) {
	w.state[id] = race.GoroutineStatus{State: state, Blocked: true, Waits: ws}
}

const (
	chanA = 0xc000010000
	chanB = 0xc000010080
	chanC = 0xc000010100
	wgX   = 0xc000020000
	muX   = 0xc000020040
	condX = 0xc000020080
	rwX   = 0xc0000200c0
)

// deadlockWorld is a test's goroutines blocked on each kind of object:
// 6 and 7 sending on the unbuffered chanA, 8 receiving from the full
// buffered chanB, 9 in a select (send on chanC, receive from chanA and
// chanB), 10 in a WaitGroup's Wait with its counter at 1, 11 and 12 on a
// Mutex that 13 holds, 13 in a Cond's Wait, 14 receiving from a nil
// channel, 15 asleep (nothing said of what it waits on), 16 read-locking
// an RWMutex that 8 holds.
func deadlockWorld(t *testing.T) *world {
	w := newWorld(t, defaultConfig())
	w.d.where = func(pc uintptr) string { return "x_test.go:" + strconv.Itoa(int(pc-0x900000)) }
	w.d.OnTestStart(w.g(5), "TestX")
	for id := int64(6); id <= 16; id++ {
		w.start(5, id, userPC)
	}
	holdingDetector{w.d}.OnSync(race.SyncOp{G: w.g(13), Kind: race.MutexLockWait, Obj: muX, PC: 0x900000 + 31})
	holdingDetector{w.d}.OnSync(race.SyncOp{G: w.g(13), Kind: race.MutexLock, Obj: muX, PC: 0x900000 + 31})
	holdingDetector{w.d}.OnSync(race.SyncOp{G: w.g(8), Kind: race.RWMutexLock, Obj: rwX, PC: 0x900000 + 40})
	w.blockOn(5, "chan receive", race.Wait{Kind: race.WaitChanRecv, Addr: chanC})
	w.blockOn(6, "chan send", race.Wait{Kind: race.WaitChanSend, Addr: chanA})
	w.blockOn(7, "chan send", race.Wait{Kind: race.WaitChanSend, Addr: chanA})
	w.blockOn(8, "chan receive", race.Wait{Kind: race.WaitChanRecv, Addr: chanB, Cap: 2, Len: 0})
	w.blockOn(9, "select",
		race.Wait{Kind: race.WaitChanSend, Addr: chanC, PC: 0x900000 + 52},
		race.Wait{Kind: race.WaitChanRecv, Addr: chanA, PC: 0x900000 + 50},
		race.Wait{Kind: race.WaitChanRecv, Addr: chanB, Cap: 2}) // a select compiled without race: no PC
	w.blockOn(10, "sync.WaitGroup.Wait", race.Wait{Kind: race.WaitWaitGroup, Addr: wgX, Counter: 1})
	w.blockOn(11, "sync.Mutex.Lock", race.Wait{Kind: race.WaitMutex, Addr: muX})
	w.blockOn(12, "sync.Mutex.Lock", race.Wait{Kind: race.WaitMutex, Addr: muX})
	w.blockOn(13, "sync.Cond.Wait", race.Wait{Kind: race.WaitCond, Addr: condX})
	w.blockOn(14, "chan receive (nil chan)", race.Wait{Kind: race.WaitChanRecv})
	w.blockOn(15, "sleep")
	w.blockOn(16, "sync.RWMutex.RLock", race.Wait{Kind: race.WaitRLock, Addr: rwX})
	return w
}

// Each goroutine of a deadlock is described by what it waits on: a
// channel and the other goroutines blocked on it, a select's cases, a
// WaitGroup's counter, a Mutex, a Cond.
func TestDeadlockWaitNotes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		call  func(d *detector, ids []int64)
		notes map[int64]string
	}{
		{"deadlock", (*detector).OnDeadlock, map[int64]string{
			// Two senders, a select that could receive: not
			// possible in a real deadlock, but the peers are named.
			5:  "receiving on chan 0xc000010100 (unbuffered); goroutine 9 blocked sending on it",
			6:  "sending on chan 0xc000010000 (unbuffered); goroutine 7 also blocked sending on it; goroutine 9 blocked receiving on it",
			8:  "receiving on chan 0xc000010080 (buffer 0 of 2 full); goroutine 9 also blocked receiving on it; no goroutine can send",
			9:  "select: send on chan 0xc000010100 (unbuffered) at x_test.go:52 (goroutine 5 blocked receiving on it), receive on chan 0xc000010000 (unbuffered) at x_test.go:50 (goroutines 6, 7 blocked sending on it), receive on chan 0xc000010080 (buffer 0 of 2 full)",
			10: "on WaitGroup 0xc000020000 (counter 1); no goroutine can call Done",
			11: "on Mutex 0xc000020040 held by goroutine 13 (locked at x_test.go:31); goroutine 12 also waits on it; no goroutine can unlock it",
			13: "on Cond 0xc000020080; no goroutine can signal it",
			14: "receiving on a nil channel, which blocks forever",
			15: "",
			16: "on RWMutex 0xc0000200c0 (to read-lock it) held by goroutine 8 (locked at x_test.go:40); no goroutine can unlock it",
		}},
		{"timeout", (*detector).OnTimeout, map[int64]string{
			// Not blocked for good: no claim that none can send,
			// call Done or unlock.
			8:  "receiving on chan 0xc000010080 (buffer 0 of 2 full); goroutine 9 also blocked receiving on it; no blocked goroutine is sending on it",
			10: "on WaitGroup 0xc000020000 (counter 1)",
			11: "on Mutex 0xc000020040 held by goroutine 13 (locked at x_test.go:31); goroutine 12 also waits on it",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := deadlockWorld(t)
			tc.call(w.d, []int64{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5})
			rs := w.d.Report()
			if len(rs) != 1 {
				t.Fatalf("reports %q, want one", kinds(rs))
			}
			got := map[int64]string{}
			for _, a := range rs[0].Accesses {
				got[a.G] = a.Note
			}
			for id, want := range tc.notes {
				if got[id] != want {
					t.Errorf("goroutine %d: note %q, want %q", id, got[id], want)
				}
			}
		})
	}
}

// A select none of whose cases another goroutine of a deadlock could
// complete says so.
func TestDeadlockSelectNoPeer(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.blockOn(5, "select", race.Wait{Kind: race.WaitChanRecv, Addr: chanA}, race.Wait{Kind: race.WaitChanRecv, Addr: chanB})
	w.d.OnPartialDeadlock([]int64{5})
	rs := w.d.Report()
	want := "select: receive on chan 0xc000010000 (unbuffered), receive on chan 0xc000010080 (unbuffered); no goroutine can complete a case"
	if len(rs) != 1 || len(rs[0].Accesses) != 1 || rs[0].Accesses[0].Note != want {
		t.Fatalf("reports %+v, want one naming goroutine 5 with note %q", rs, want)
	}
}

// The DEADLOCK report as a user reads it (race.Format), apart from the
// detection: testdata/deadlock.golden (go test -update rewrites it).
func TestDeadlockReportGolden(t *testing.T) {
	w := deadlockWorld(t)
	w.d.OnDeadlock([]int64{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5})
	rs := w.d.Report()
	if len(rs) != 1 {
		t.Fatalf("reports %q, want one", kinds(rs))
	}
	got := race.Format("leak", &rs[0], nil)
	golden := filepath.Join("testdata", "deadlock.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("report:\n%s\nwant (%s):\n%s", got, golden, want)
	}
}

// A leak report says what the goroutine waits on too, naming the other
// goroutines the test left on the same channel, and claiming nothing of
// the goroutines it does not name.
func TestLeakWaitNotes(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.start(5, 7, userPC)
	w.start(5, 8, userPC)
	w.blockOn(6, "chan send", race.Wait{Kind: race.WaitChanSend, Addr: chanA})
	w.blockOn(7, "chan send", race.Wait{Kind: race.WaitChanSend, Addr: chanA})
	w.blockOn(8, "sync.WaitGroup.Wait", race.Wait{Kind: race.WaitWaitGroup, Addr: wgX, Counter: 2})
	rs, _ := w.testEnd(5, "TestX", nil)
	want := map[int64]string{
		6: "sending on chan 0xc000010000 (unbuffered); goroutine 7 also blocked sending on it",
		7: "sending on chan 0xc000010000 (unbuffered); goroutine 6 also blocked sending on it",
		8: "on WaitGroup 0xc000020000 (counter 2)",
	}
	if len(rs) != len(want) {
		t.Fatalf("reports %q, want %d leaks", kinds(rs), len(want))
	}
	for _, r := range rs {
		if a := r.Accesses[0]; r.Kind != "GOROUTINE LEAK" || a.Note != want[a.G] {
			t.Errorf("%s of goroutine %d: note %q, want %q", r.Kind, a.G, a.Note, want[a.G])
		}
	}
}

// Many goroutines on one channel: each note names five and counts the
// rest.
func TestDeadlockNoteManyPeers(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	var ids []int64
	for id := int64(6); id < 1006; id++ {
		w.start(5, id, userPC)
		w.blockOn(id, "chan receive", race.Wait{Kind: race.WaitChanRecv, Addr: chanA})
		ids = append(ids, id)
	}
	w.d.OnPartialDeadlock(ids)
	rs := w.d.Report()
	if len(rs) != 1 || len(rs[0].Accesses) != 1000 {
		t.Fatalf("reports %q, want one DEADLOCK of 1000 goroutines", kinds(rs))
	}
	for _, tc := range []struct {
		i    int
		want string
	}{
		{0, "receiving on chan 0xc000010000 (unbuffered); goroutines 7, 8, 9, 10, 11 and 994 others also blocked receiving on it; no goroutine can send"},
		{2, "receiving on chan 0xc000010000 (unbuffered); goroutines 6, 7, 9, 10, 11 and 994 others also blocked receiving on it; no goroutine can send"},
		{999, "receiving on chan 0xc000010000 (unbuffered); goroutines 6, 7, 8, 9, 10 and 994 others also blocked receiving on it; no goroutine can send"},
	} {
		if a := rs[0].Accesses[tc.i]; a.Note != tc.want {
			t.Errorf("goroutine %d: note %q, want %q", a.G, a.Note, tc.want)
		}
	}
}
