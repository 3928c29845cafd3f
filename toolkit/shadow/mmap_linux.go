// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package shadow

import "syscall"

// mapShadow reserves n bytes of zeroed memory without backing, and returns
// its address, or 0 if the system refuses. Raw system calls: it may run
// with a detector's locks held, where the scheduler must not be entered.
//
// The region is marked MADV_NOHUGEPAGE: shadow is written sparsely, and
// where transparent huge pages are "always", one record written would
// otherwise make 2 MiB resident.
func mapShadow(n uintptr) uintptr {
	p, _, errno := syscall.RawSyscall6(syscall.SYS_MMAP, 0, n,
		syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE, ^uintptr(0), 0)
	if errno != 0 {
		return 0
	}
	// Advice only: a kernel without THP refuses it, and that is fine.
	syscall.RawSyscall(syscall.SYS_MADVISE, p, n, syscall.MADV_NOHUGEPAGE)
	return p
}

// mapAligned is mapShadow of n bytes at an address that is a multiple
// of align (a power of two): it maps n+align bytes and unmaps what lies
// outside the aligned n.
func mapAligned(n, align uintptr) uintptr {
	p := mapShadow(n + align)
	if p == 0 {
		return 0
	}
	a := (p + align - 1) &^ (align - 1)
	if a > p {
		syscall.RawSyscall(syscall.SYS_MUNMAP, p, a-p, 0)
	}
	if tail := p + n + align - (a + n); tail > 0 {
		syscall.RawSyscall(syscall.SYS_MUNMAP, a+n, tail, 0)
	}
	return a
}

// releaseShadow gives the pages [p, p+n) back to the system; they read as
// zero after. It reports whether it could.
func releaseShadow(p, n uintptr) bool {
	_, _, errno := syscall.RawSyscall(syscall.SYS_MADVISE, p, n, syscall.MADV_DONTNEED)
	return errno == 0
}

// osyield gives the thread's CPU to another thread.
func osyield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
