// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package hybrid

import (
	"runtime/race"
	"testing"

	"drace/toolkit/eventtest"
)

var _ race.AccessDetector = (*detector)(nil)

// TestBatches drives the detector as the runtime does, with its accesses
// in batches (OnAccesses) between the goroutines' other events.
func TestBatches(t *testing.T) {
	x, y, m, ch := addr("x"), addr("y"), addr("m1"), addr("ch")
	for _, tt := range []struct {
		name  string
		steps []eventtest.Step
		want  []string
	}{
		// Ordered only by the mutex, whose edges are left out.
		{"OrderedByTheLock", []eventtest.Step{
			eventtest.Lock(1, m), eventtest.Write(1, x), eventtest.Write(1, x), eventtest.Unlock(1, m),
			eventtest.Lock(2, m), eventtest.Unlock(2, m), eventtest.Read(2, x),
		}, []string{"DATA RACE: read g2, previous write g1"}},
		{"ChannelHandOff", []eventtest.Step{
			eventtest.WriteRange(1, y, 32), eventtest.Write(1, x), eventtest.Release(1, ch),
			eventtest.Acquire(2, ch), eventtest.Write(2, x), eventtest.ReadRange(2, y, 32),
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := eventtest.New(t, newDetector())
			h.Check(h.Run(tt.steps...), tt.want...)
		})
	}
}
