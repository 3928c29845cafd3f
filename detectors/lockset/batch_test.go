// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockset

import (
	"runtime/race"
	"testing"

	"drace/toolkit/eventtest"
)

var _ race.AccessDetector = (*detector)(nil)

// TestBatches drives the detector as the runtime does, with its accesses
// in batches (OnAccesses) between the goroutines' other events.
func TestBatches(t *testing.T) {
	for _, tt := range []struct {
		name  string
		steps []eventtest.Step
		want  []string
	}{
		{"OrderedByTheLock", []eventtest.Step{
			eventtest.Lock(1, m1), eventtest.Write(1, x), eventtest.Write(1, x+8), eventtest.Unlock(1, m1),
			eventtest.Lock(2, m1), eventtest.Unlock(2, m1), eventtest.Write(2, x), eventtest.Read(2, x+8),
		}, []string{"DATA RACE: write g2, previous write g1"}},
		{"ConsistentMutex", []eventtest.Step{
			eventtest.Lock(1, m1), eventtest.Write(1, x), eventtest.WriteRange(1, y, 32), eventtest.Unlock(1, m1),
			eventtest.Lock(2, m1), eventtest.Read(2, x), eventtest.Write(2, x), eventtest.ReadRange(2, y, 32), eventtest.Unlock(2, m1),
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := eventtest.New(t, newDetector())
			h.Check(h.Run(tt.steps...), tt.want...)
		})
	}
}
