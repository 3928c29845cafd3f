// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import "runtime/race"

// A tap stands between the dispatcher and the detector under test, to
// learn the Goroutine values the detector is given (Harness.G). The
// dispatcher finds a detector's optional interfaces by type assertion,
// so the tap implements them all and passes each event on as the
// dispatcher would have passed it to the detector: it is what the
// detector implements that decides what it receives, not the tap.
//
// Two interfaces change what the dispatcher does even when the events
// they pass on are dropped: it announces a goroutine to a detector that
// wants accesses at its first access, not at its first event of another
// kind, and it splits a batch at the function entries and exits for a
// FuncDetector. So the tap has them only if the detector has them:
// accessTap adds AccessDetector, funcTap FuncDetector, accessFuncTap both.
type tap struct {
	d       race.Detector
	batch   race.AccessDetector
	rw      race.ReadWriteDetector
	ranges  race.RangeDetector
	atomics race.AtomicDetector
	syncs   race.SyncDetector
	gor     race.GoroutineDetector
	mem     race.MemoryDetector
	funcs   race.FuncDetector
	native  race.NativeSyncDetector
	tests   race.TestDetector
	exit    race.ExitDetector

	gs map[int64]*race.Goroutine // by ID, as the detector was given them
}

func newTap(d race.Detector) *tap {
	t := &tap{d: d, gs: map[int64]*race.Goroutine{}}
	t.batch, _ = d.(race.AccessDetector)
	t.rw, _ = d.(race.ReadWriteDetector)
	t.ranges, _ = d.(race.RangeDetector)
	t.atomics, _ = d.(race.AtomicDetector)
	t.syncs, _ = d.(race.SyncDetector)
	t.gor, _ = d.(race.GoroutineDetector)
	t.mem, _ = d.(race.MemoryDetector)
	t.funcs, _ = d.(race.FuncDetector)
	t.native, _ = d.(race.NativeSyncDetector)
	t.tests, _ = d.(race.TestDetector)
	t.exit, _ = d.(race.ExitDetector)
	return t
}

// detector returns the tap as the dispatcher is to see it.
func (t *tap) detector() race.Detector {
	accesses := t.batch != nil || t.rw != nil
	switch {
	case accesses && t.funcs != nil:
		return accessFuncTap{t}
	case accesses:
		return accessTap{t}
	case t.funcs != nil:
		return funcTap{t}
	}
	return t
}

func (t *tap) see(g *race.Goroutine) {
	if g != nil {
		t.gs[g.ID] = g
	}
}

func (t *tap) Report() []race.Report { return nil } // the Harness asks t.d

// onAccesses passes a batch on whole to an AccessDetector, and one access
// at a time to a ReadWriteDetector, ranges to its RangeDetector methods if
// it has them, as the dispatcher does.
func (t *tap) onAccesses(g *race.Goroutine, b race.AccessBatch) {
	t.see(g)
	if t.batch != nil {
		t.batch.OnAccesses(g, b)
		return
	}
	if t.rw == nil {
		return
	}
	for a := range b.All() {
		switch a.Kind {
		case race.AccessRead:
			t.rw.OnRead(a)
		case race.AccessWrite:
			t.rw.OnWrite(a)
		case race.AccessReadRange:
			if t.ranges != nil {
				t.ranges.OnReadRange(a)
			} else {
				t.rw.OnRead(a)
			}
		case race.AccessWriteRange:
			if t.ranges != nil {
				t.ranges.OnWriteRange(a)
			} else {
				t.rw.OnWrite(a)
			}
		}
	}
}

func (t *tap) OnAtomic(a race.AtomicAccess) {
	t.see(a.G)
	if t.atomics != nil {
		t.atomics.OnAtomic(a)
	}
}

func (t *tap) OnAcquire(s race.Sync) {
	t.see(s.G)
	if t.syncs != nil {
		t.syncs.OnAcquire(s)
	}
}

func (t *tap) OnRelease(s race.Sync) {
	t.see(s.G)
	if t.syncs != nil {
		t.syncs.OnRelease(s)
	}
}

func (t *tap) OnReleaseMerge(s race.Sync) {
	t.see(s.G)
	if t.syncs != nil {
		t.syncs.OnReleaseMerge(s)
	}
}

func (t *tap) OnAcquireAll(g *race.Goroutine) {
	t.see(g)
	if t.syncs != nil {
		t.syncs.OnAcquireAll(g)
	}
}

func (t *tap) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	t.see(parent)
	t.see(child)
	if t.gor != nil {
		t.gor.OnGoStart(parent, child, pc)
	}
}

func (t *tap) OnGoEnd(g *race.Goroutine) {
	t.see(g)
	if t.gor != nil {
		t.gor.OnGoEnd(g)
	}
}

func (t *tap) OnMalloc(addr, size uintptr) {
	if t.mem != nil {
		t.mem.OnMalloc(addr, size)
	}
}

func (t *tap) OnFree(addr, size uintptr) {
	if t.mem != nil {
		t.mem.OnFree(addr, size)
	}
}

func (t *tap) OnSync(op race.SyncOp) {
	t.see(op.G)
	if t.native != nil {
		t.native.OnSync(op)
	}
}

func (t *tap) OnTestStart(g *race.Goroutine, name string) {
	t.see(g)
	if t.tests != nil {
		t.tests.OnTestStart(g, name)
	}
}

func (t *tap) OnTestEnd(g *race.Goroutine, name string) int64 {
	t.see(g)
	if t.tests != nil {
		return t.tests.OnTestEnd(g, name)
	}
	return 0
}

func (t *tap) OnExit(g *race.Goroutine) {
	t.see(g)
	if t.exit != nil {
		t.exit.OnExit(g)
	}
}

func (t *tap) onFuncEnter(g *race.Goroutine, pc uintptr) {
	t.see(g)
	t.funcs.OnFuncEnter(g, pc)
}

func (t *tap) onFuncExit(g *race.Goroutine) {
	t.see(g)
	t.funcs.OnFuncExit(g)
}

// The taps of detectors that want accesses, function entries and exits,
// or both.
type (
	accessTap     struct{ *tap }
	funcTap       struct{ *tap }
	accessFuncTap struct{ *tap }
)

func (t accessTap) OnAccesses(g *race.Goroutine, b race.AccessBatch) { t.onAccesses(g, b) }

func (t funcTap) OnFuncEnter(g *race.Goroutine, pc uintptr) { t.onFuncEnter(g, pc) }
func (t funcTap) OnFuncExit(g *race.Goroutine)              { t.onFuncExit(g) }

func (t accessFuncTap) OnAccesses(g *race.Goroutine, b race.AccessBatch) { t.onAccesses(g, b) }
func (t accessFuncTap) OnFuncEnter(g *race.Goroutine, pc uintptr)        { t.onFuncEnter(g, pc) }
func (t accessFuncTap) OnFuncExit(g *race.Goroutine)                     { t.onFuncExit(g) }
