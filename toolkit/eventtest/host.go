// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"runtime"
	"runtime/race"
	"testing"
)

// A Host answers a detector's questions about the program (race.Host)
// for a unit test: functions are the test binary's own, race.GOROOT is
// Root, and the frames of a recorded stack are Stacks[id], so that a test
// can give an access a stack through any functions it likes (a runtime
// function called from user code, say). Install it with SetHost.
type Host struct {
	Root   string
	Stacks map[race.StackID][]uintptr
}

// Frames implements race.Host with the test binary's symbols.
func (h *Host) Frames(pcs []uintptr) []runtime.Frame {
	var out []runtime.Frame
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		out = append(out, f)
		if !more {
			return out
		}
	}
}

// StackFrames implements race.Host: the return addresses of stack id,
// innermost first.
func (h *Host) StackFrames(id race.StackID) []uintptr { return h.Stacks[id] }

// LookupGoroutine implements race.Host: no goroutine is found.
func (h *Host) LookupGoroutine(int64) (race.GoroutineStatus, bool) {
	return race.GoroutineStatus{}, false
}

// Nanotime implements race.Host: always 0.
func (h *Host) Nanotime() int64 { return 0 }

// Callers implements race.Host with the calling goroutine's stack.
func (h *Host) Callers(skip int, pcs []uintptr) int { return runtime.Callers(skip+2, pcs) }

// GOROOT implements race.Host.
func (h *Host) GOROOT() string { return h.Root }

// SetHost makes h answer for the program until the test ends. A test
// binary built with -race or -drace has the race runtime answer for it,
// and no Host can be set: the test is skipped.
func SetHost(t testing.TB, h race.Host) {
	defer func() {
		if recover() != nil {
			t.Skip("the race runtime answers for the program: no Host can be set")
		}
	}()
	race.SetHost(h)
	t.Cleanup(func() { race.SetHost(nil) })
}
