// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package pkgpath tells the package of a function from its name, for
// detectors that leave some packages' code alone.
//
// Deprecated: use the toolkit's code package (code.Package, code.Within
// and a code.Classifier), which any detector can import. Note that
// code.RuntimePath is runtime and internal/runtime/..., where IsRuntime
// here is runtime and runtime/... but the built-in detectors.
package pkgpath

import "strings"

// Of returns the import path of the package of the function named name,
// as runtime.Frame.Function spells it ("path/to/pkg.(*T).M").
func Of(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i] // type arguments may contain paths
	}
	slash := strings.LastIndexByte(name, '/')
	if i := strings.IndexByte(name[slash+1:], '.'); i >= 0 {
		return name[:slash+1+i]
	}
	return name
}

// IsRuntime reports whether pkg is the runtime's: runtime or runtime/...,
// but not the built-in detectors, which are installed under
// runtime/race/detectors and are not the runtime (their own tests, run
// there, synchronise as users do).
func IsRuntime(pkg string) bool {
	if strings.HasPrefix(pkg, "runtime/race/detectors/") {
		return false
	}
	return pkg == "runtime" || strings.HasPrefix(pkg, "runtime/")
}
