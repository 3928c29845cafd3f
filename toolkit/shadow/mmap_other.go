// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build unix && !linux

package shadow

import (
	"syscall"
	"unsafe"
)

// mapShadow reserves n bytes of zeroed memory, and returns its address, or
// 0 if the system refuses. Anonymous memory takes pages only when written.
func mapShadow(n uintptr) uintptr {
	b, err := syscall.Mmap(-1, 0, int(n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return 0
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))
}

// mapAligned is mapShadow of n bytes at an address that is a multiple
// of align (a power of two): the n+align bytes mapped for it stay mapped
// (untouched, they take no memory).
func mapAligned(n, align uintptr) uintptr {
	p := mapShadow(n + align)
	if p == 0 {
		return 0
	}
	return (p + align - 1) &^ (align - 1)
}

// releaseShadow is not done here: Reset zeroes instead.
func releaseShadow(p, n uintptr) bool { return false }

// osyield gives the thread's CPU to another thread, if it can.
func osyield() {}
