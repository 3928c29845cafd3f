// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package eventtest

import (
	"fmt"
	"slices"
)

// names are the names of a script's variables, by address.
type names struct {
	addrs []uintptr // sorted
	names []string  // of addrs[i]
}

// nameSpan is how far past a named address an address is shown relative
// to the name.
const nameSpan = 4096

func (ns *names) add(addr uintptr, name string) {
	i, found := slices.BinarySearch(ns.addrs, addr)
	if found {
		ns.names[i] = name
		return
	}
	ns.addrs = slices.Insert(ns.addrs, i, addr)
	ns.names = slices.Insert(ns.names, i, name)
}

// format returns addr as the name of the nearest named address at or below
// it, plus the offset, or in hex if there is none close enough; a name
// does not start with a digit.
func (ns *names) format(addr uintptr) string {
	if ns != nil {
		i, found := slices.BinarySearch(ns.addrs, addr)
		if found {
			return ns.names[i]
		}
		if i > 0 && addr-ns.addrs[i-1] < nameSpan {
			return fmt.Sprintf("%s+%#x", ns.names[i-1], addr-ns.addrs[i-1])
		}
	}
	return fmt.Sprintf("%#x", addr)
}
