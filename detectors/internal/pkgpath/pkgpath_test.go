// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pkgpath

import "testing"

func TestOf(t *testing.T) {
	for name, want := range map[string]string{
		"main.main":                              "main",
		"main.main.func1":                        "main",
		"testing.tRunner":                        "testing",
		"testing/quick.Check":                    "testing/quick",
		"sync.(*Mutex).Lock":                     "sync",
		"sync/atomic.(*Int64).Add":               "sync/atomic",
		"internal/sync.(*Mutex).lockSlow":        "internal/sync",
		"example.com/a/b.(*T).M":                 "example.com/a/b",
		"example.com/a/b.F[go.shape.*x.com/y.T]": "example.com/a/b",
		"example.com/a.b/c.F":                    "example.com/a.b/c",
	} {
		if got := Of(name); got != want {
			t.Errorf("Of(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestIsRuntime(t *testing.T) {
	for pkg, want := range map[string]bool{
		"runtime":                          true,
		"runtime/race":                     true,
		"runtime/internal/atomic":          true,
		"runtime/race/detectors/lockorder": false,
		"runtimex":                         false,
		"internal/runtime/maps":            false,
		"main":                             false,
	} {
		if got := IsRuntime(pkg); got != want {
			t.Errorf("IsRuntime(%q) = %v, want %v", pkg, got, want)
		}
	}
}
