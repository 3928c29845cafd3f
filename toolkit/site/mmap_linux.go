// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package site

import (
	"syscall"
	"unsafe"
)

// mapMem maps n bytes of zeroed memory outside the Go heap; the pages
// take memory only once written. Raw system calls: ID may be called with
// a detector's locks held, where the scheduler must not be entered.
func mapMem(n uintptr) unsafe.Pointer {
	p, _, errno := syscall.RawSyscall6(syscall.SYS_MMAP, 0, n,
		syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE, ^uintptr(0), 0)
	if errno != 0 {
		panic("site: the system refused memory for the table")
	}
	return *(*unsafe.Pointer)(unsafe.Pointer(&p))
}

// dropMem gives the n bytes at p, from mapMem, back to the system; they
// stay mapped, and read as zero.
func dropMem(p unsafe.Pointer, n uintptr) {
	syscall.RawSyscall(syscall.SYS_MADVISE, uintptr(p), n, syscall.MADV_DONTNEED)
}
