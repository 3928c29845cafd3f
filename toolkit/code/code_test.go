// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package code

import (
	"reflect"
	"runtime"
	"runtime/race"
	"strconv"
	"strings"
	"sync"
	"testing"

	"drace/toolkit/eventtest"
)

func TestPackage(t *testing.T) {
	for fn, want := range map[string]string{
		"main.main":                              "main",
		"main.main.func1":                        "main",
		"testing.tRunner":                        "testing",
		"testing/quick.Check":                    "testing/quick",
		"sync.(*Mutex).Lock":                     "sync",
		"sync/atomic.(*Int64).Add":               "sync/atomic",
		"internal/sync.(*Mutex).lockSlow":        "internal/sync",
		"example.com/a/b.(*T).M":                 "example.com/a/b",
		"example.com/a/b.F[go.shape.*x.com/y.T]": "example.com/a/b",
		"example.com/a.b/c.F":                    "example.com/a.b/c",
		"type:.eq.example.com/a.T":               "example.com/a",
		"type:.eq.main.T":                        "main",
	} {
		if got := Package(fn); got != want {
			t.Errorf("Package(%q) = %q, want %q", fn, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	for pkg, want := range map[string][3]bool{ // StdPath, RuntimePath, Within(pkg, "runtime")
		"runtime":                          {true, true, true},
		"runtime/pprof":                    {true, false, true},
		"runtime/race/detectors/lockorder": {true, false, true},
		"runtimex":                         {true, false, false},
		"internal/runtime/maps":            {true, true, false},
		"internal/runtimex":                {true, false, false},
		"strings":                          {true, false, false},
		"main":                             {false, false, false},
		"example.com/runtime":              {false, false, false},
	} {
		got := [3]bool{StdPath(pkg), RuntimePath(pkg), Within(pkg, "runtime")}
		if got != want {
			t.Errorf("%q: StdPath, RuntimePath, Within(runtime) = %v, want %v", pkg, got, want)
		}
	}
}

// withHost makes a Host for a program built in goroot ("" for
// -trimpath), whose recorded stacks are stacks, answer until the test
// ends.
func withHost(t *testing.T, goroot string, stacks map[race.StackID][]uintptr) {
	eventtest.SetHost(t, &eventtest.Host{Root: goroot, Stacks: stacks})
}

// Return addresses in functions of each class, as a frame of a stack
// would hold them.
var (
	stdPC     = reflect.ValueOf(strings.ToUpper).Pointer() + 1
	runtimePC = reflect.ValueOf(runtime.GC).Pointer() + 1
	syncPC    = reflect.ValueOf((*sync.Mutex).Lock).Pointer() + 1
	userPC    = reflect.ValueOf(userFunc).Pointer() + 1
)

//go:noinline
func userFunc() {}

// userClass is the class of this package's code: the standard library's
// when its tests run installed in GOROOT.
func userClass() Class {
	f := runtime.FuncForPC(userPC - 1)
	file, _ := f.FileLine(f.Entry())
	if root := race.GOROOT(); root != "" && strings.HasPrefix(file, root+"/src/") {
		return Std
	}
	return User
}

func TestClass(t *testing.T) {
	if race.GOROOT() == "" {
		t.Skip("built with -trimpath")
	}
	c := New(Options{})
	for _, tc := range []struct {
		name string
		pc   uintptr
		want Class
	}{
		{"strings.ToUpper", stdPC, Std},
		{"runtime.GC", runtimePC, Runtime},
		{"sync.(*Mutex).Lock", syncPC, Std},
		{"userFunc", userPC, userClass()},
		{"pc 0", 0, None},
		{"no function", 1, None},
	} {
		for range 2 { // computed, then cached
			if got := c.Class(tc.pc); got != tc.want {
				t.Errorf("Class(%s) = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestSkipIgnore(t *testing.T) {
	inSync := func(pkg string) bool { return pkg == "sync" }
	skipping := New(Options{Skip: inSync})
	if got := skipping.Class(syncPC); got != None {
		t.Errorf("skipping sync: Class(sync.(*Mutex).Lock) = %v, want none", got)
	}
	if got := skipping.Class(stdPC); got != Std {
		t.Errorf("skipping sync: Class(strings.ToUpper) = %v, want std", got)
	}
	ignoring := New(Options{Ignore: inSync})
	if got := ignoring.Class(syncPC); got != Ignored {
		t.Errorf("ignoring sync: Class(sync.(*Mutex).Lock) = %v, want ignored", got)
	}

	// The frames of a callback sync.Once runs, innermost first: the
	// callback, sync's frames (inlined or not), then this test.
	var pcs [16]uintptr
	var n int
	var once sync.Once
	once.Do(func() { n = runtime.Callers(1, pcs[:]) })
	frames := race.Frames(pcs[1:n])
	f, ok := FirstOutside(frames, inSync)
	if !ok || f.Function != "drace/toolkit/code.TestSkipIgnore" && !strings.HasSuffix(f.Function, "/toolkit/code.TestSkipIgnore") {
		t.Errorf("FirstOutside(sync.Once.Do's frames, sync) = %q, %v, want this test", f.Function, ok)
	}
	if f, ok := FirstOutside(frames, nil); !ok || Package(f.Function) != "sync" {
		t.Errorf("FirstOutside(sync.Once.Do's frames, nil) = %q, %v, want sync's", f.Function, ok)
	}
}

// TestClassOf checks the rules on frames of programs built elsewhere and
// with -trimpath.
func TestClassOf(t *testing.T) {
	const root = "/opt/go"
	for _, tc := range []struct {
		goroot string
		f      runtime.Frame
		want   Class
	}{
		{root, runtime.Frame{Function: "strings.ToUpper", File: root + "/src/strings/strings.go"}, Std},
		{root, runtime.Frame{Function: "runtime.mapaccess1", File: root + "/src/runtime/map.go"}, Runtime},
		{root, runtime.Frame{Function: "internal/runtime/maps.(*Map).getWithKey", File: root + "/src/internal/runtime/maps/map.go"}, Runtime},
		{root, runtime.Frame{Function: "runtime.racereadrange", File: root + "/src/runtime/race.go"}, Std},
		{root, runtime.Frame{Function: "runtime/pprof.StartCPUProfile", File: root + "/src/runtime/pprof/pprof.go"}, Std},
		{root, runtime.Frame{Function: "runtime/race/detectors/lockorder.TestX", File: root + "/src/runtime/race/detectors/lockorder/x_test.go"}, Std},
		// A module without a dot is user code while files tell.
		{root, runtime.Frame{Function: "m/pkg.F", File: "/home/u/m/pkg/f.go"}, User},
		{root, runtime.Frame{Function: "main.main", File: "/home/u/m/main.go"}, User},
		{root, runtime.Frame{Function: "main.main", File: "/opt/gox/src/main.go"}, User},
		// Generated code: the name tells.
		{root, runtime.Frame{Function: "type:.eq.example.com/m.T", File: "<autogenerated>"}, User},
		{root, runtime.Frame{Function: "type:.eq.sync.Mutex", File: "<autogenerated>"}, Std},
		{root, runtime.Frame{Function: "example.com/m.(*T).M", File: ""}, User},
		{root, runtime.Frame{}, None},
		// -trimpath: no GOROOT in file names.
		{"", runtime.Frame{Function: "strings.ToUpper", File: "strings/strings.go"}, Std},
		{"", runtime.Frame{Function: "runtime.chansend1", File: "runtime/chan.go"}, Runtime},
		{"", runtime.Frame{Function: "example.com/m.F", File: "example.com/m/f.go"}, User},
		{"", runtime.Frame{Function: "example.com/m.F", File: "example.com/m@v1.2.0/f.go"}, User},
		{"", runtime.Frame{Function: "main.main", File: "m/main.go"}, User},
		{"", runtime.Frame{Function: "m/pkg.F", File: "m/pkg/f.go"}, Std}, // the rule's price
	} {
		withHost(t, tc.goroot, nil)
		if got := New(Options{}).ClassOf(tc.f); got != tc.want {
			t.Errorf("GOROOT %q: ClassOf(%s in %q) = %v, want %v", tc.goroot, tc.f.Function, tc.f.File, got, tc.want)
		}
	}
}

// TestAccess checks that the runtime's accesses are attributed to the
// first caller outside it.
func TestAccess(t *testing.T) {
	goroot := race.GOROOT()
	if goroot == "" {
		t.Skip("built with -trimpath")
	}
	stacks := map[race.StackID][]uintptr{
		1: {runtimePC, userPC, stdPC},
		2: {runtimePC, 1, stdPC, userPC}, // an unknown frame is looked through
		3: {runtimePC, runtimePC},
		4: {syncPC, runtimePC, userPC}, // skipped frames are looked through
	}
	withHost(t, goroot, stacks)
	c := New(Options{Skip: func(pkg string) bool { return pkg == "sync" }})
	inRuntime, inStd := runtimePC-1, stdPC-1 // instructions
	for _, tc := range []struct {
		pc    uintptr
		stack race.StackID
		want  Class
	}{
		{inRuntime, 1, userClass()},
		{inRuntime, 2, Std},
		{inRuntime, 3, Runtime},
		{inRuntime, 4, userClass()},
		{inRuntime, 0, Runtime},
		{inStd, 1, Std},
		{inStd, 3, Std},
	} {
		for range 2 { // computed, then cached
			if got := c.Access(tc.pc, tc.stack); got != tc.want {
				t.Errorf("Access(%#x, stack %d) = %v, want %v", tc.pc, tc.stack, got, tc.want)
			}
		}
	}
	// The first caller outside the runtime decides, ignored or not.
	ignoring := New(Options{Ignore: func(pkg string) bool { return pkg == "strings" }})
	if got := ignoring.Access(inRuntime, 2); got != Ignored {
		t.Errorf("ignoring strings: Access(runtime, stack 2) = %v, want ignored", got)
	}
}

// TestCollisions checks that PCs and stacks sharing a pair of slots are
// never confused, and that two of them stay cached together.
func TestCollisions(t *testing.T) {
	goroot := race.GOROOT()
	if goroot == "" {
		t.Skip("built with -trimpath")
	}
	pair := func(v uint64, bits uint) uint64 { return hash(v, bits) &^ 1 }
	// Return addresses in the runtime, in stdPC's pair.
	var others []uintptr
	for pc := runtimePC + 1; pc < runtimePC+1<<22 && len(others) < 2; pc++ {
		if pair(uint64(pc), pcBits) == pair(uint64(stdPC), pcBits) && New(Options{}).Class(pc) == Runtime {
			others = append(others, pc)
		}
	}
	if len(others) < 2 {
		t.Fatal("no two runtime PCs collide with strings.ToUpper's")
	}
	// Stack ids in one pair.
	var ids []race.StackID
	for id := race.StackID(1); len(ids) < 3; id++ {
		if pair(uint64(id), stackBits) == 0 {
			ids = append(ids, id)
		}
	}
	withHost(t, goroot, map[race.StackID][]uintptr{
		ids[0]: {stdPC},
		ids[1]: {userPC},
		ids[2]: {stdPC},
	})
	c := New(Options{})
	for range 3 {
		if a, b, d := c.Class(stdPC), c.Class(others[0]), c.Class(others[1]); a != Std || b != Runtime || d != Runtime {
			t.Fatalf("colliding PCs: Class = %v, %v, %v, want std, runtime, runtime", a, b, d)
		}
		for i, want := range []Class{Std, userClass(), Std} {
			if got := c.Access(runtimePC-1, ids[i]); got != want {
				t.Fatalf("colliding stacks: Access(stack %d) = %v, want %v", ids[i], got, want)
			}
		}
	}
	// Two hot PCs of a pair, and two stacks, are answered from the
	// cache: a miss would symbolize, which allocates.
	if n := testing.AllocsPerRun(100, func() {
		c.Class(stdPC)
		c.Class(others[0])
		c.Access(runtimePC-1, ids[0])
		c.Access(runtimePC-1, ids[1])
	}); n != 0 {
		t.Errorf("two PCs and two stacks of one pair: %v allocations per round, want 0 (evicting each other)", n)
	}
}

// FileLine names the line of a return address as a stack trace does.
func TestFileLine(t *testing.T) {
	f := runtime.FuncForPC(userPC - 1)
	file, line := f.FileLine(userPC - 1)
	want := file[strings.LastIndexByte(file, '/')+1:] + ":" + strconv.Itoa(line)
	if got := FileLine(userPC); got != want || !strings.HasPrefix(got, "code_test.go:") {
		t.Errorf("FileLine = %q, want %q", got, want)
	}
	if got := FileLine(0); got != "?" {
		t.Errorf("FileLine(0) = %q, want ?", got)
	}
	if got := FileLine(1); got != "?" {
		t.Errorf("FileLine of a PC in no function = %q, want ?", got)
	}
}

func TestCachedNoAlloc(t *testing.T) {
	goroot := race.GOROOT()
	if goroot == "" {
		t.Skip("built with -trimpath")
	}
	withHost(t, goroot, map[race.StackID][]uintptr{7: {userPC}})
	c := New(Options{})
	c.Class(stdPC)
	c.Access(runtimePC-1, 7)
	if n := testing.AllocsPerRun(100, func() {
		c.Class(stdPC)
		c.Access(runtimePC-1, 7)
	}); n != 0 {
		t.Errorf("cached Class and Access allocate %v times", n)
	}
}

// BenchmarkClass measures a cached lookup, the cost a detector pays per
// event.
func BenchmarkClass(b *testing.B) {
	c := New(Options{})
	c.Class(stdPC)
	for b.Loop() {
		c.Class(stdPC)
	}
}
