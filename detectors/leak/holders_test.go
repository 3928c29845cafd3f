// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package leak

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/race"
	"strconv"
	"strings"
	"testing"

	"drace/toolkit/eventtest"
)

var (
	_ race.NativeSyncDetector = holdingDetector{}
	_ race.MemoryDetector     = holdingDetector{}
	_ race.DeadlockDetector   = holdingDetector{}
)

// holderDetector returns a leak detector whose goroutines' states are
// those of state and which names a lock's PC "pcN" for the N of the
// eventtest step it is given with At(lockPC(N)).
func holderDetector(state map[int64]race.GoroutineStatus) *detector {
	d := newDetector(defaultConfig())
	d.lookup = func(id int64) (race.GoroutineStatus, bool) {
		st, ok := state[id]
		return st, ok
	}
	d.where = func(pc uintptr) string { return "pc" + strconv.Itoa(int(pc-0x900000)) }
	return d
}

func lockPC(n int) uintptr { return 0x900000 + uintptr(n) }

// Locks and their holders, by address; each in its own page but for mu
// and mu2, which share one.
const (
	mu  = 0xc000100000
	mu2 = 0xc000100040
	mu3 = 0xc000101000
	rw  = 0xc000102000
	rw2 = 0xc000103000
	rw3 = 0xc000104000
	rw4 = 0xc000105000
	rw5 = 0xc000106000
)

// A DEADLOCK names the holder of each Mutex and RWMutex a goroutine waits
// on, and where it took it, as the sync events told: a lock unlocked by
// another goroutine than its holder is free, a lock in freed memory is
// forgotten, an RWMutex's readers are counted and the first two named.
func TestDeadlockNamesLockHolders(t *testing.T) {
	wait := func(kind race.WaitKind, addr uintptr) race.GoroutineStatus {
		return race.GoroutineStatus{State: "sync.Mutex.Lock", Blocked: true, Waits: []race.Wait{{Kind: kind, Addr: addr}}}
	}
	state := map[int64]race.GoroutineStatus{
		7:  wait(race.WaitMutex, mu),  // waits on the Mutex it holds
		8:  wait(race.WaitMutex, mu),  // on 7's Mutex
		16: wait(race.WaitWLock, rw),  // for rw's readers
		17: wait(race.WaitMutex, mu2), // unlocked by 13, then locked by 14
		18: wait(race.WaitMutex, mu3), // freed while held
		19: wait(race.WaitMutex, rw2), // locked by 12, unlocked by 13
		21: wait(race.WaitMutex, rw3), // RWMutex.Lock on the writer's Mutex
		22: wait(race.WaitRLock, rw3),
		27: wait(race.WaitWLock, rw5),
		28: wait(race.WaitWLock, rw4), // read-locked by 23, read-unlocked by 24
		29: wait(race.WaitRLock, rw5), // behind 27, which waits for rw5's readers
	}
	d := holderDetector(state)
	h := eventtest.New(t, holdingDetector{d})
	reps := h.Run(
		eventtest.Lock(7, mu).At(lockPC(1)),
		eventtest.RLock(9, rw).At(lockPC(2)),
		eventtest.RLock(10, rw).At(lockPC(3)),
		eventtest.RLock(11, rw).At(lockPC(4)),
		eventtest.RUnlock(10, rw), // 11, not named, is not named now
		eventtest.WLock(12, rw2),
		eventtest.WUnlock(13, rw2),
		eventtest.Lock(12, mu2),
		eventtest.Unlock(13, mu2),
		eventtest.Lock(14, mu2).At(lockPC(5)),
		eventtest.Lock(15, mu3),
		eventtest.Free(mu3, 8),
		eventtest.WLock(20, rw3).At(lockPC(6)),
		eventtest.RLock(23, rw4),
		eventtest.RUnlock(24, rw4),
		eventtest.RLock(23, rw5).At(lockPC(7)),
		eventtest.RLock(25, rw5).At(lockPC(8)),
		eventtest.RLock(26, rw5).At(lockPC(9)),
		eventtest.RUnlock(24, rw5), // two read holds left, two named
		eventtest.RUnlock(24, rw5), // one left: 25 is forgotten
		eventtest.Deadlock(7, 8, 16, 17, 18, 19, 21, 22, 27, 28, 29),
	)
	if len(reps) != 1 || reps[0].Kind != "DEADLOCK" {
		t.Fatalf("reports %q, want one DEADLOCK", kinds(reps))
	}
	want := map[int64]string{
		7:  "on Mutex 0xc000100000 held by goroutine 7 itself (locked at pc1); goroutine 8 also waits on it; no goroutine can unlock it",
		8:  "on Mutex 0xc000100000 held by goroutine 7 (locked at pc1); goroutine 7 also waits on it; no goroutine can unlock it",
		16: "on RWMutex 0xc000102000 (to lock it, for its readers to unlock) held for reading by goroutine 9 (read-locked at pc2) and 1 other; no goroutine can read-unlock it",
		17: "on Mutex 0xc000100040 held by goroutine 14 (locked at pc5); no goroutine can unlock it",
		18: "on Mutex 0xc000101000; no goroutine can unlock it",
		19: "on Mutex 0xc000103000; no goroutine can unlock it",
		21: "on RWMutex 0xc000104000 (to lock it) held by goroutine 20 (locked at pc6); no goroutine can unlock it",
		22: "on RWMutex 0xc000104000 (to read-lock it) held by goroutine 20 (locked at pc6); no goroutine can unlock it",
		27: "on RWMutex 0xc000106000 (to lock it, for its readers to unlock) held for reading by goroutine 23 (read-locked at pc7); no goroutine can read-unlock it",
		28: "on RWMutex 0xc000105000 (to lock it, for its readers to unlock); no goroutine can read-unlock it",
		29: "on RWMutex 0xc000106000 (to read-lock it) held for reading by goroutine 23 (read-locked at pc7); goroutine 27 waiting to lock it keeps readers out; no goroutine can unlock it",
	}
	got := map[int64]string{}
	for _, a := range reps[0].Accesses {
		got[a.G] = a.Note
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("goroutine %d: note\n\t%q, want\n\t%q", id, got[id], w)
		}
	}
	// Only the locks held are kept: mu, rw's two read holds, mu2, rw3
	// and rw5's one.
	if n := d.holds.len(); n != 5 {
		t.Errorf("%d locks held in the table, want 5", n)
	}
}

// More read holders than are named: the others are counted.
func TestReadHoldersCounted(t *testing.T) {
	state := map[int64]race.GoroutineStatus{
		9: {State: "sync.RWMutex.Lock", Blocked: true, Waits: []race.Wait{{Kind: race.WaitWLock, Addr: rw}}},
	}
	d := holderDetector(state)
	h := eventtest.New(t, holdingDetector{d})
	steps := []eventtest.Step{}
	for g := 10; g < 15; g++ {
		steps = append(steps, eventtest.RLock(g, rw).At(lockPC(g)))
	}
	steps = append(steps, eventtest.RUnlock(12, rw), eventtest.Deadlock(9))
	reps := h.Run(steps...)
	want := "on RWMutex 0xc000102000 (to lock it, for its readers to unlock) held for reading by goroutines 10 (read-locked at pc10), 11 (read-locked at pc11) and 2 others; no goroutine can read-unlock it"
	if len(reps) != 1 || len(reps[0].Accesses) != 1 || reps[0].Accesses[0].Note != want {
		t.Fatalf("reports %+v, want one DEADLOCK with note %q", reps, want)
	}
}

// Lock and unlock in a loop leave nothing in the table; memory allocated
// anew drops the locks it holds; OnMalloc and OnFree do not allocate.
func TestHoldTableBounded(t *testing.T) {
	d := holderDetector(nil)
	h := eventtest.New(t, holdingDetector{d})
	for i := range 1000 {
		a := uintptr(0xc000200000 + 64*i)
		h.Deliver(eventtest.Lock(1, a), eventtest.RLock(2, a+16), eventtest.Unlock(3, a), eventtest.RUnlock(2, a+16))
	}
	if n := d.holds.len(); n != 0 {
		t.Errorf("%d locks in the table after every lock was released, want 0", n)
	}
	// 100 locks of one page, held at once: a shard's array, then its
	// map.
	const page = 0xc000400000
	for i := range 100 {
		h.Deliver(eventtest.Lock(1, page+8*uintptr(i)).At(lockPC(i)))
	}
	for _, i := range []int{0, 3, 4, 99} {
		if hd, ok := d.holds.holder(page + 8*uintptr(i)); !ok || hd.writer.gid != 1 || hd.writer.pc != lockPC(i) {
			t.Errorf("lock %d: holder %+v, %v; want goroutine 1 at pc%d", i, hd, ok, i)
		}
	}
	for i := range 100 {
		h.Deliver(eventtest.Unlock(2, page+8*uintptr(i)))
	}
	if n := d.holds.len(); n != 0 {
		t.Errorf("%d locks in the table after 100 locks of a page were released, want 0", n)
	}
	h.Deliver(eventtest.Lock(1, mu), eventtest.Lock(1, mu3), eventtest.WLock(1, rw), eventtest.Malloc(0xc000100000, 1<<13))
	if n := d.holds.len(); n != 1 {
		t.Errorf("%d locks in the table, want 1 (rw): the malloc of mu's and mu3's pages drops them", n)
	}
	h.Deliver(eventtest.Free(0xc000000000, 1<<30)) // many pages: every shard
	if n := d.holds.len(); n != 0 {
		t.Errorf("%d locks in the table after a free of their memory, want 0", n)
	}
	eventtest.NoDropAllocs(t, 10, func() {
		for i := range 100 {
			d.holds.lock(&race.SyncOp{Kind: race.MutexLock, Obj: 0xc000300000 + uintptr(i)*8}, false)
		}
	}, func() {
		holdingDetector{d}.OnMalloc(0xc000300000, 256)
		holdingDetector{d}.OnFree(0xc000300100, 1<<20)
	})
}

// leak.holders=false makes a detector that is not sent sync and memory
// events; the default one is.
func TestHoldersFlag(t *testing.T) {
	defer func(v bool) { flagHolders = v }(flagHolders)
	if err := flags.Set("holders", "false"); err != nil {
		t.Fatal(err)
	}
	d := newPolicyDetector()
	_, native := d.(race.NativeSyncDetector)
	_, mem := d.(race.MemoryDetector)
	if native || mem {
		t.Errorf("leak.holders=false: detector %T receives sync (%v) or memory (%v) events", d, native, mem)
	}
	if err := flags.Set("holders", "true"); err != nil {
		t.Fatal(err)
	}
	d = newPolicyDetector()
	_, native = d.(race.NativeSyncDetector)
	_, mem = d.(race.MemoryDetector)
	_, dead := d.(race.DeadlockDetector)
	if !native || !mem || !dead {
		t.Errorf("leak.holders: detector %T receives sync (%v), memory (%v), deadlock (%v) events, want all", d, native, mem, dead)
	}
}

// In a real deadlock (testdata/holder), the goroutine blocked on a Mutex
// is told which goroutine holds it and the line where it locked it: the
// runtime's description of what a goroutine waits on and the sync events
// name the same Mutex.
func TestHolderNamedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test program")
	}
	if fn := runtime.FuncForPC(reflect.ValueOf(Policy.New).Pointer()); fn != nil && strings.HasPrefix(fn.Name(), "runtime/") {
		t.Skip("installed in the GOROOT, where testdata packages are standard-library code")
	}
	dir := filepath.Join("testdata", "holder")
	src, err := os.ReadFile(filepath.Join(dir, "holder_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	lockLine := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, "// the holder's Lock") {
			lockLine = i + 1
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "holder.test")
	build := exec.Command(goCmd, "test", "-c", "-o", bin, "-drace=drace/detectors/leak", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", dir, err, out)
	}
	run := exec.Command(bin, "-test.count=1", "-test.timeout=60s")
	run.Dir = dir
	run.Env = append(os.Environ(), "GORACE=", "DRACE_FORMAT=", "DRACE_FLAGS=")
	out, _ := run.CombinedOutput() // it fails: a deadlock
	recv := regexp.MustCompile(`Blocked in chan receive by goroutine (\d+):`).FindSubmatch(out)
	held := regexp.MustCompile(`on Mutex 0x[0-9a-f]+ held by goroutine (\d+) \(locked at holder_test\.go:(\d+)\)`).FindSubmatch(out)
	if recv == nil || held == nil {
		t.Fatalf("no DEADLOCK naming the Mutex's holder:\n%s", out)
	}
	if string(held[1]) != string(recv[1]) || string(held[2]) != strconv.Itoa(lockLine) {
		t.Errorf("Mutex held by goroutine %s at line %s, want goroutine %s (blocked receiving) at line %d:\n%s",
			held[1], held[2], recv[1], lockLine, out)
	}
}
