// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build unix && !linux

package site

import (
	"syscall"
	"unsafe"
)

// mapMem maps n bytes of zeroed memory outside the Go heap; the pages
// take memory only once written.
func mapMem(n uintptr) unsafe.Pointer {
	b, err := syscall.Mmap(-1, 0, int(n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		panic("site: the system refused memory for the table")
	}
	return unsafe.Pointer(unsafe.SliceData(b))
}

// dropMem keeps the memory here.
func dropMem(p unsafe.Pointer, n uintptr) {}
