// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package code

import (
	"runtime"
	"runtime/race"
	"strconv"
	"strings"
	"sync/atomic"
)

// A Class is whose code is at a PC.
type Class uint8

const (
	// None: PC 0, no function known at the PC, or only functions of
	// packages the Classifier skips.
	None Class = iota
	// User: the program's own code and its dependencies outside the
	// standard library.
	User
	// Std: the standard library's, but not the runtime's.
	Std
	// Runtime: package runtime and internal/runtime/....
	Runtime
	// Ignored: in a package the Classifier's Options.Ignore reports.
	Ignored

	classBits = 3
	classMask = 1<<classBits - 1
)

func (c Class) String() string {
	switch c {
	case None:
		return "none"
	case User:
		return "user"
	case Std:
		return "std"
	case Runtime:
		return "runtime"
	case Ignored:
		return "ignored"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Options are what a Classifier looks through and what it ignores. The
// functions are called with a package path on cache misses, possibly from
// several goroutines at once, inside detector callbacks: they must not
// block.
type Options struct {
	// Skip reports whether frames of package pkg are looked through:
	// the code at a PC is that of the innermost frame there, inlined
	// calls expanded, whose package Skip does not report. Nil skips
	// nothing.
	Skip func(pkg string) bool
	// Ignore reports whether the code of package pkg is classed
	// Ignored. It is asked before any other class is decided. Nil
	// ignores nothing.
	Ignore func(pkg string) bool
}

const (
	pcBits    = 14 // 16K PCs: the call sites of a program's events
	stackBits = 16 // 64K stacks of runtime accesses (recursive code has many)
)

// A Classifier tells the class of the code at PCs and remembers it.
// Its methods may be called concurrently.
type Classifier struct {
	opts Options
	// srcRoot is the GOROOT source directory, "…/src/", or "" when
	// the program's file names do not show it.
	srcRoot string
	// pcs holds pc<<classBits|class in one of the two slots of the
	// pair pc hashes to, the newer first; stacks holds
	// id<<classBits|class, the attributed class of the runtime's
	// accesses with the stack id, the same way. Two hot PCs that hash
	// alike (how often depends on the binary's layout) would otherwise
	// take each other's slot at every event, each miss a
	// symbolization. 0 is an empty slot: no PC or stack id is 0.
	pcs    [1 << pcBits]atomic.Uintptr
	stacks [1 << stackBits]atomic.Uint64
}

// New returns a Classifier with options opts, for the program
// race.GOROOT describes.
func New(opts Options) *Classifier {
	c := &Classifier{opts: opts}
	if root := race.GOROOT(); root != "" {
		c.srcRoot = strings.TrimSuffix(root, "/") + "/src/"
	}
	return c
}

// hash spreads nearby PCs and stack ids over a table of 1<<bits slots
// (Fibonacci hashing: the multiplier is 2^64/φ).
func hash(v uint64, bits uint) uint64 { return v * 0x9E3779B97F4A7C15 >> (64 - bits) }

// Class returns the class of the code at the return address pc (a
// SyncOp's PC, a go statement's, a frame of a recorded stack): that of
// Caller(pc). An instruction's address, such as an Access's PC, is
// pc+1 here.
func (c *Classifier) Class(pc uintptr) Class {
	// PC 0 finds None in an empty slot, or misses.
	i := hash(uint64(pc), pcBits) &^ 1
	if e := c.pcs[i].Load(); e>>classBits == pc {
		return Class(e & classMask)
	}
	if e := c.pcs[i+1].Load(); e>>classBits == pc {
		return Class(e & classMask)
	}
	return c.miss(pc, i)
}

// miss computes the class of the code at pc and stores it first in the
// pair at i, the older entry of the pair going.
func (c *Classifier) miss(pc uintptr, i uint64) Class {
	if pc == 0 {
		return None
	}
	cl := None
	if f, ok := c.Caller(pc); ok {
		cl = c.ClassOf(f)
	}
	c.pcs[i+1].Store(c.pcs[i].Load())
	c.pcs[i].Store(pc<<classBits | uintptr(cl))
	return cl
}

// Caller returns the innermost frame at the return address pc, inlined
// calls expanded, that has a function outside the packages the
// Classifier skips, and whether there is one. It is not cached.
func (c *Classifier) Caller(pc uintptr) (runtime.Frame, bool) {
	if pc == 0 {
		return runtime.Frame{}, false
	}
	return FirstOutside(race.Frames([]uintptr{pc}), c.opts.Skip)
}

// ClassOf returns the class of the code of frame f. It is not cached: a
// detector that walks stacks of its own (race.Callers) classifies their
// frames with it.
func (c *Classifier) ClassOf(f runtime.Frame) Class {
	if f.Function == "" {
		return None
	}
	pkg := Package(f.Function)
	if c.opts.Ignore != nil && c.opts.Ignore(pkg) {
		return Ignored
	}
	var std bool
	if c.srcRoot != "" && f.File != "" && !strings.HasPrefix(f.File, "<") {
		std = strings.HasPrefix(f.File, c.srcRoot)
	} else {
		std = StdPath(pkg)
	}
	switch {
	case !std:
		return User
	case RuntimePath(pkg) && !strings.HasPrefix(f.Function, "runtime.race"):
		return Runtime
	}
	return Std
}

// Access returns the class of the code that made a memory access at
// instruction pc with stack (a race.Access's PC and Stack): the class of
// the code at pc, but for code of the runtime, the class of the first
// frame of stack outside the runtime (and outside packages skipped or
// unknown), or Runtime if there is none, when the runtime works for
// itself, or stack is 0 (no Policy sets Stacks). Attributed answers are
// remembered by stack.
func (c *Classifier) Access(pc uintptr, stack race.StackID) Class {
	cl := c.Class(pc + 1)
	if cl != Runtime || stack == 0 {
		return cl
	}
	i := hash(uint64(stack), stackBits) &^ 1
	for j := i; j < i+2; j++ {
		if e := c.stacks[j].Load(); e>>classBits == uint64(stack) {
			return Class(e & classMask)
		}
	}
	for _, ret := range stack.Frames() {
		if k := c.Class(ret); k != Runtime && k != None {
			cl = k
			break
		}
	}
	c.stacks[i+1].Store(c.stacks[i].Load())
	c.stacks[i].Store(uint64(stack)<<classBits | uint64(cl))
	return cl
}

// FileLine returns "file.go:line" for the return address pc (a SyncOp's
// PC, a go statement's, a frame of a stack): that of its innermost
// frame, inlined calls expanded, as runtime.FuncForPC(pc-1) gives it, or
// "?" for PC 0 or a PC of no known function. It is how a detector's note
// names a line ("locked at x_test.go:31"). It is not cached.
func FileLine(pc uintptr) string {
	if pc == 0 {
		return "?"
	}
	frames := race.Frames([]uintptr{pc})
	if len(frames) == 0 || frames[0].Function == "" {
		return "?"
	}
	file := frames[0].File
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		file = file[i+1:]
	}
	return file + ":" + strconv.Itoa(frames[0].Line)
}

// FirstOutside returns the first of frames (innermost first, as
// race.Frames gives them) that has a function outside the packages skip
// reports, and whether there is one. A nil skip skips nothing.
func FirstOutside(frames []runtime.Frame, skip func(pkg string) bool) (runtime.Frame, bool) {
	for _, f := range frames {
		if f.Function != "" && (skip == nil || !skip(Package(f.Function))) {
			return f, true
		}
	}
	return runtime.Frame{}, false
}

// Package returns the import path of the package of the function named
// fn, as runtime.Frame.Function spells it: "path/to/pkg.(*T).M",
// "path/to/pkg.F[...]" (type arguments may hold other paths) or
// "type:.eq.path/to/pkg.T" (a generated equality function, which is
// the type's package's).
func Package(fn string) string {
	fn = strings.TrimPrefix(fn, "type:.eq.")
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/')
	if i := strings.IndexByte(fn[slash+1:], '.'); i >= 0 {
		return fn[:slash+1+i]
	}
	return fn
}

// StdPath reports whether pkg is a standard-library import path by the go
// command's rule: its first element has no dot, and it is not main.
func StdPath(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return pkg != "main" && !strings.Contains(first, ".")
}

// RuntimePath reports whether pkg is the runtime's: runtime or
// internal/runtime/....
func RuntimePath(pkg string) bool {
	return pkg == "runtime" || Within(pkg, "internal/runtime")
}

// Within reports whether pkg is tree or a package under it: Within(pkg,
// "internal") for internal and internal/..., not internalx.
func Within(pkg, tree string) bool {
	return strings.HasPrefix(pkg, tree) && (len(pkg) == len(tree) || pkg[len(tree)] == '/')
}
