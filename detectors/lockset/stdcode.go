// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package lockset

import (
	"runtime"
	"strings"
	"sync/atomic"
)

// The standard library synchronises its own state mostly without locks
// (channels, atomics, sync.Once, sync.Pool, hand-offs between the testing
// package's goroutines), so Eraser's discipline would report it at every
// turn. The detector checks only accesses made by code outside it: a
// stdFilter tells them apart by the function of the accessing PC (the
// innermost one, when inlined).
type stdFilter struct {
	// srcRoot is the GOROOT source directory, "…/src/", found from this
	// package's own file (it is installed in the GOROOT); empty when that
	// fails (built with -trimpath, or tested in place), and then the
	// package path of the function decides.
	srcRoot string
	// cache maps PCs to the answer, lock-free: each entry is pc<<1|std,
	// in the slot pc hashes to (0: empty).
	cache [4096]atomic.Uintptr
}

func newStdFilter() *stdFilter {
	f := new(stdFilter)
	const self = "runtime/race/detectors/lockset/"
	if _, file, _, ok := runtime.Caller(0); ok {
		if i := strings.LastIndex(file, "/"+self); i >= 0 {
			f.srcRoot = file[:i+1]
		}
	}
	return f
}

// std reports whether pc is in a function of the standard library. A PC of
// no known function is not.
func (f *stdFilter) std(pc uintptr) bool {
	if pc == 0 {
		return false
	}
	slot := &f.cache[(pc*0x9E3779B97F4A7C15)>>52%uintptr(len(f.cache))]
	if e := slot.Load(); e>>1 == pc {
		return e&1 != 0
	}
	std := false
	if fn := runtime.FuncForPC(pc); fn != nil {
		if f.srcRoot != "" {
			file, _ := fn.FileLine(pc)
			std = strings.HasPrefix(file, f.srcRoot)
		} else {
			std = stdName(fn.Name())
		}
	}
	e := pc << 1
	if std {
		e |= 1
	}
	slot.Store(e)
	return std
}

// stdName reports whether a function name ("path/to/pkg.Func…") is in a
// standard library package: one whose path's first element has no dot,
// other than main.
func stdName(name string) bool {
	pkg := name
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		if j := strings.IndexByte(pkg[i:], '.'); j >= 0 {
			pkg = pkg[:i+j]
		}
	} else if j := strings.IndexByte(pkg, '.'); j >= 0 {
		pkg = pkg[:j]
	}
	first, _, _ := strings.Cut(pkg, "/")
	return pkg != "main" && !strings.Contains(first, ".")
}
