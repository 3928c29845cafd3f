// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package code_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"drace/toolkit/code"
)

// A lock detector's classifier: sync's own frames are looked through, to
// the code that locked, and package testing's locks are left alone.
func Example() {
	c := code.New(code.Options{
		Skip:   func(pkg string) bool { return pkg == "sync" || pkg == "internal/sync" },
		Ignore: func(pkg string) bool { return pkg == "testing" },
	})

	// Return addresses in functions, as a SyncOp's PC or a stack's frame
	// holds them.
	ret := func(fn any) uintptr { return reflect.ValueOf(fn).Pointer() + 1 }
	fmt.Println("strings.ToUpper:", c.Class(ret(strings.ToUpper)))
	fmt.Println("runtime.GC:", c.Class(ret(runtime.GC)))
	fmt.Println("sync.(*Mutex).Lock:", c.Class(ret((*sync.Mutex).Lock)))
	fmt.Println("testing.Main:", c.ClassOf(runtime.Frame{Function: "testing.Main"}))
	fmt.Println("a program's function:", c.ClassOf(runtime.Frame{
		Function: "example.com/app/server.(*Server).handle",
		File:     "/home/dev/app/server/server.go",
	}))
	fmt.Println(code.Package("example.com/app/server.(*Server).handle"))

	// Output:
	// strings.ToUpper: std
	// runtime.GC: runtime
	// sync.(*Mutex).Lock: none
	// testing.Main: ignored
	// a program's function: user
	// example.com/app/server
}
