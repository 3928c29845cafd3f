// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package leak

import (
	"fmt"
	"os/signal"
	"reflect"
	"runtime"
	"runtime/race"
	"strings"
	"testing"
	"time"

	"drace/toolkit/code"
)

var (
	_ race.GoroutineDetector       = (*detector)(nil)
	_ race.TestDetector            = (*detector)(nil)
	_ race.ExitDetector            = (*detector)(nil)
	_ race.DeadlockDetector        = (*detector)(nil)
	_ race.PartialDeadlockDetector = (*detector)(nil)
	_ race.TimeoutDetector         = (*detector)(nil)
)

// A world is a synthetic program: goroutines, their scheduler states and
// a clock, driven through the detector's callbacks.
type world struct {
	t     *testing.T
	d     *detector
	gs    map[int64]*race.Goroutine
	state map[int64]race.GoroutineStatus
	clock int64
}

// userPC is a go statement in user code (this test file's package, not
// one the detector ignores).
var userPC = reflect.ValueOf(userFunc).Pointer() + 1

func userFunc() {}

func newWorld(t *testing.T, cfg config) *world {
	w := &world{t: t, gs: map[int64]*race.Goroutine{}, state: map[int64]race.GoroutineStatus{}}
	w.d = newDetector(cfg)
	w.d.now = func() int64 { return w.clock }
	w.d.lookup = func(id int64) (race.GoroutineStatus, bool) {
		st, ok := w.state[id]
		return st, ok
	}
	w.g(1)
	return w
}

func defaultConfig() config {
	return config{wait: time.Second, settle: 100 * time.Millisecond, explosion: 10000, ignore: map[string]bool{}}
}

func (w *world) g(id int64) *race.Goroutine {
	if w.gs[id] == nil {
		w.gs[id] = &race.Goroutine{ID: id}
		w.state[id] = race.GoroutineStatus{State: "running"}
	}
	return w.gs[id]
}

func (w *world) start(parent, child int64, pc uintptr) {
	w.d.OnGoStart(w.g(parent), w.g(child), pc)
}

func (w *world) end(id int64) {
	w.d.OnGoEnd(w.g(id))
	delete(w.state, id)
}

func (w *world) block(id int64, reason string) {
	w.state[id] = race.GoroutineStatus{State: reason, Blocked: true, Stack: []uintptr{userPC}}
}

// testEnd runs a test's end as the runtime does: calling OnTestEnd again
// after each wait it asks for, advancing the clock, with between(elapsed)
// run before each call. It returns the reports and the time it took.
func (w *world) testEnd(g int64, name string, between func(elapsed time.Duration)) ([]race.Report, time.Duration) {
	start := w.clock
	for {
		if between != nil {
			between(time.Duration(w.clock - start))
		}
		wait := w.d.OnTestEnd(w.g(g), name)
		if wait <= 0 {
			return w.d.Report(), time.Duration(w.clock - start)
		}
		w.clock += wait
	}
}

func kinds(rs []race.Report) []string {
	var ks []string
	for _, r := range rs {
		ks = append(ks, r.Kind+": "+r.Message)
	}
	return ks
}

func TestLeakBlockedGoroutineReported(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.start(6, 7, userPC) // started by the test's goroutine's child: also the test's
	w.block(6, "chan receive")
	w.block(7, "select (no cases)")
	rs, took := w.testEnd(5, "TestX", nil)
	got := kinds(rs)
	want := []string{
		"GOROUTINE LEAK: goroutine 6 started by TestX is still blocked (chan receive) after TestX ended",
		"GOROUTINE LEAK: goroutine 7 started by TestX is still blocked (select (no cases)) after TestX ended",
	}
	if strings.Join(sorted(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if took < 100*time.Millisecond || took >= time.Second {
		t.Errorf("settled after %v, want between the settle time and the deadline", took)
	}
	for _, r := range rs {
		if a := r.Accesses; len(a) != 1 || !reflect.DeepEqual(a[0].Frames, []uintptr{userPC}) || !strings.HasPrefix(a[0].Verb, "Blocked in ") {
			t.Errorf("report accesses = %+v, want one, blocked, with the goroutine's stack", a)
		}
	}
	// Reported once: the program's exit does not repeat them.
	w.d.OnExit(w.g(1))
	if rs := w.d.Report(); len(rs) != 0 {
		t.Errorf("exit repeated reports: %q", kinds(rs))
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestNoLeakGoroutineFinishesLate(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.block(6, "chan send")
	rs, _ := w.testEnd(5, "TestX", func(elapsed time.Duration) {
		if elapsed >= 40*time.Millisecond && w.state[6].Blocked {
			w.end(6) // woken and finished 40ms after the test
		}
	})
	if len(rs) != 0 {
		t.Errorf("unexpected reports: %q", kinds(rs))
	}
}

// testing/synctest.Test runs the test function again, in a bubble and
// under the test's name, while the outer run's goroutines wait for it: the
// inner run's end reports nothing and does not wait; the outer run's end
// reports what the runs left.
func TestLeakSynctestInnerRun(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC) // synctest.Test's goroutine, waiting for the bubble
	w.block(6, "chan receive (durable)")
	w.start(6, 7, userPC) // the bubble's test goroutine
	w.d.OnTestStart(w.g(7), "TestX")
	w.start(7, 8, userPC) // leaked by the inner run
	w.block(8, "chan send")
	if rs, took := w.testEnd(7, "TestX", nil); len(rs) != 0 || took != 0 {
		t.Errorf("inner run's end: reports %q after %v, want none at once", kinds(rs), took)
	}
	w.end(7)
	w.end(6)
	rs, _ := w.testEnd(5, "TestX", nil)
	want := "GOROUTINE LEAK: goroutine 8 started by TestX is still blocked (chan send) after TestX ended"
	if got := kinds(rs); len(got) != 1 || got[0] != want {
		t.Errorf("outer run's end: reports %q, want %q", got, want)
	}
}

func TestNoLeakSleeperWaitsForDeadline(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.block(6, "sleep")
	rs, took := w.testEnd(5, "TestX", func(elapsed time.Duration) {
		if elapsed >= 500*time.Millisecond {
			w.end(6) // the sleep ends after 500ms: not a leak
		}
	})
	if len(rs) != 0 {
		t.Errorf("unexpected reports: %q", kinds(rs))
	}
	if took < 500*time.Millisecond {
		t.Errorf("gave up after %v, before the sleeper woke", took)
	}
}

func TestNoLeakRunningGoroutine(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC) // runs forever: not blocked, not a leak here
	rs, took := w.testEnd(5, "TestX", nil)
	if len(rs) != 0 {
		t.Errorf("unexpected reports: %q", kinds(rs))
	}
	if took < time.Second {
		t.Errorf("gave up after %v, before the deadline", took)
	}
}

func TestNoLeakOtherTestsAndIgnored(t *testing.T) {
	cfg := defaultConfig()
	w := newWorld(t, cfg)
	w.d.OnTestStart(w.g(5), "TestX")
	w.d.OnTestStart(w.g(8), "TestY")
	w.start(8, 9, userPC) // TestY's
	w.block(9, "chan receive")
	testingPC := reflect.ValueOf((*testing.T).Run).Pointer() + 1
	w.start(5, 10, testingPC) // started by package testing: ignored
	w.block(10, "chan receive")
	w.start(1, 11, userPC) // before any test: left for the exit
	w.block(11, "select")
	rs, took := w.testEnd(5, "TestX", nil)
	if len(rs) != 0 || took != 0 {
		t.Errorf("TestX's end: reports %q after %v, want none at once", kinds(rs), took)
	}
	w.d.OnExit(w.g(1))
	got := kinds(w.d.Report())
	want := []string{
		"GOROUTINE LEAK: goroutine 11 is still blocked (select) when the program exited",
		"GOROUTINE LEAK: goroutine 9 started by TestY is still blocked (chan receive) when the program exited",
	}
	if strings.Join(sorted(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("exit reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCreatorCode checks which go statements' goroutines are ignored:
// those of the runtime, package testing, os/signal and internal packages,
// not those of other packages, std or not.
func TestCreatorCode(t *testing.T) {
	c := creatorCode()
	for _, tc := range []struct {
		fn      any
		ignored bool
	}{
		{runtime.GC, true},
		{(*testing.T).Run, true},
		{signal.Notify, true},
		{strings.ToUpper, false},
		{userFunc, false},
	} {
		pc := reflect.ValueOf(tc.fn).Pointer() + 1
		if got := c.Class(pc) == code.Ignored; got != tc.ignored {
			t.Errorf("%s: ignored = %v, want %v", funcName(pc), got, tc.ignored)
		}
	}
	for _, fn := range []string{"internal/poll.(*FD).Read", "internal/runtime/maps.F", "testing/synctest.Test"} {
		want := fn != "testing/synctest.Test"
		if got := c.ClassOf(runtime.Frame{Function: fn}) == code.Ignored; got != want {
			t.Errorf("%s: ignored = %v, want %v", fn, got, want)
		}
	}
}

func TestNoLeakUserIgnored(t *testing.T) {
	cfg := defaultConfig()
	cfg.ignore[funcName(userPC)] = true
	w := newWorld(t, cfg)
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.block(6, "chan receive")
	if rs, _ := w.testEnd(5, "TestX", nil); len(rs) != 0 {
		t.Errorf("unexpected reports: %q", kinds(rs))
	}
}

func TestLeakExplosion(t *testing.T) {
	cfg := defaultConfig()
	cfg.explosion = 100
	w := newWorld(t, cfg)
	w.d.OnTestStart(w.g(5), "TestX")
	for id := int64(10); id < 10+100; id++ {
		w.start(5, id, userPC)
	}
	if rs := w.d.Report(); len(rs) != 0 {
		t.Fatalf("reported at the threshold: %q", kinds(rs))
	}
	for id := int64(10); id < 60; id++ {
		w.end(id) // the live count falls, then crosses the threshold once
	}
	for id := int64(200); id < 200+60; id++ {
		w.start(5, id, userPC)
	}
	got := kinds(w.d.Report())
	want := []string{"GOROUTINE EXPLOSION: 101 goroutines alive created by the same go statement (threshold 100), in TestX"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for id := int64(300); id < 400; id++ {
		w.start(5, id, userPC)
	}
	if rs := w.d.Report(); len(rs) != 0 {
		t.Errorf("reported the same go statement again: %q", kinds(rs))
	}
}

func TestNoLeakStateDropped(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	for id := int64(10); id < 1010; id++ {
		w.start(5, id, userPC)
		w.end(id)
	}
	if n, m := len(w.d.live), len(w.d.perPC); n != 1 || m != 0 {
		t.Errorf("after 1000 goroutines came and went: %d live records (want 1, the test's), %d go statements (want 0)", n, m)
	}
}

// The detector takes no memory accesses, so that the runtime collects none
// for it (the runtime's event mask).
func TestNoAccesses(t *testing.T) {
	var d any = (*detector)(nil)
	if _, ok := d.(race.ReadWriteDetector); ok {
		t.Error("leak implements race.ReadWriteDetector: the runtime would collect accesses for it")
	}
	if _, ok := d.(race.AccessDetector); ok {
		t.Error("leak implements race.AccessDetector: the runtime would collect accesses for it")
	}
}

// The flags reject what the detector cannot use, naming the problem.
func TestFlags(t *testing.T) {
	for _, tt := range []struct{ name, value, err string }{
		{"wait", "2s", ""},
		{"wait", "-1s", "not a duration >= 0"},
		{"wait", "soon", "not a duration >= 0"},
		{"explosion", "0", ""},
		{"explosion", "-3", "not an integer >= 0"},
		{"ignore", "a.F,b.G", ""},
	} {
		err := flags.Set(tt.name, tt.value)
		if got := fmt.Sprint(err); err == nil && tt.err != "" || err != nil && got != tt.err {
			t.Errorf("leak.%s=%s: error %v, want %q", tt.name, tt.value, err, tt.err)
		}
	}
	c := flagConfig()
	if c.wait != 2*time.Second || c.explosion != 0 || !c.ignore["a.F"] || !c.ignore["b.G"] {
		t.Errorf("config after the settings: %+v", c)
	}
}

// testingPC is a return address in package testing, whose goroutines
// (the test runner's, waiting for the tests) a deadlock report leaves out.
var testingPC = reflect.ValueOf(testing.Main).Pointer() + 1

func TestDeadlockReport(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.block(5, "chan receive")    // the test's goroutine, started by testing, blocked in the test
	w.block(6, "sync.Mutex.Lock") // its child
	w.block(2, "chan receive")    // testing's runner, waiting for the test
	w.state[2] = race.GoroutineStatus{State: "chan receive", Blocked: true, Stack: []uintptr{testingPC}}
	w.d.OnDeadlock([]int64{6, 2, 5})
	rs := w.d.Report()
	if len(rs) != 1 {
		t.Fatalf("reports: %q, want one DEADLOCK", kinds(rs))
	}
	r := rs[0]
	wantMsg := "all goroutines are blocked and nothing can wake them (no timer, I/O or system call pending): 2 blocked, in TestX"
	if r.Kind != "DEADLOCK" || r.Message != wantMsg {
		t.Errorf("report %q: %q, want DEADLOCK: %q", r.Kind, r.Message, wantMsg)
	}
	var got []string
	for _, a := range r.Accesses {
		got = append(got, fmt.Sprintf("%d %s %d", a.G, a.Verb, len(a.Frames)))
	}
	want := []string{"5 Blocked in chan receive 1", "6 Blocked in sync.Mutex.Lock 1"}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(r.Goroutines, []int64{5, 6}) {
		t.Errorf("accesses %q, goroutines %v; want %q, [5 6]", got, r.Goroutines, want)
	}
	// The goroutines are reported once: not again as leaks.
	if rs, _ := w.testEnd(5, "TestX", nil); len(rs) != 0 {
		t.Errorf("after the deadlock, the test's end reports %q", kinds(rs))
	}
}

// When only the testing package's goroutines are blocked (a deadlock of
// the tests themselves), they are named.
func TestDeadlockOnlyTesting(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.state[2] = race.GoroutineStatus{State: "chan receive", Blocked: true, Stack: []uintptr{testingPC}}
	w.d.OnDeadlock([]int64{2, 9}) // 9 has ended meanwhile: left out
	rs := w.d.Report()
	if len(rs) != 1 || len(rs[0].Accesses) != 1 || rs[0].Accesses[0].G != 2 {
		t.Fatalf("reports %q, want one DEADLOCK naming goroutine 2", kinds(rs))
	}
}

// A partial deadlock is reported as a deadlock of the goroutines named,
// and they are not reported again as leaks when their test ends.
func TestPartialDeadlockReport(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.start(5, 7, userPC)
	w.block(6, "chan send")
	w.block(7, "sync.Mutex.Lock")
	w.d.OnPartialDeadlock([]int64{7, 6})
	rs := w.d.Report()
	if len(rs) != 1 {
		t.Fatalf("reports: %q, want one DEADLOCK", kinds(rs))
	}
	wantMsg := "goroutines blocked for good on channels or locks that no running goroutine can reach: 2 blocked, in TestX"
	if rs[0].Kind != "DEADLOCK" || rs[0].Message != wantMsg || !reflect.DeepEqual(rs[0].Goroutines, []int64{6, 7}) {
		t.Errorf("report %q: %q, goroutines %v; want DEADLOCK: %q, [6 7]", rs[0].Kind, rs[0].Message, rs[0].Goroutines, wantMsg)
	}
	if rs, _ := w.testEnd(5, "TestX", nil); len(rs) != 0 {
		t.Errorf("after the partial deadlock, the test's end reports %q", kinds(rs))
	}
}

// At the -test.timeout alarm, the blocked goroutines are named as in a
// deadlock, under their own kind.
func TestTimeoutReport(t *testing.T) {
	w := newWorld(t, defaultConfig())
	w.d.OnTestStart(w.g(5), "TestX")
	w.start(5, 6, userPC)
	w.block(5, "chan receive")
	w.block(6, "select")
	w.d.OnTimeout([]int64{6, 5})
	rs := w.d.Report()
	wantMsg := "test timed out with goroutines blocked: 2 blocked, in TestX"
	if len(rs) != 1 || rs[0].Kind != "TEST TIMEOUT" || rs[0].Message != wantMsg || !reflect.DeepEqual(rs[0].Goroutines, []int64{5, 6}) {
		t.Fatalf("reports %q, want one TEST TIMEOUT: %q naming goroutines 5 and 6", kinds(rs), wantMsg)
	}
}
