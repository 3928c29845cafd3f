// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build race

package count

import (
	"runtime"
	"runtime/race"
	"unsafe"
)

// Under -race, tell ThreadSanitizer about the detector's SpinLock edges.
func init() {
	lockHook = func(l *race.SpinLock) { runtime.RaceAcquire(unsafe.Pointer(l)) }
	unlockHook = func(l *race.SpinLock) { runtime.RaceRelease(unsafe.Pointer(l)) }
}
