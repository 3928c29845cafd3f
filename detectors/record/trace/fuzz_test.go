// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package trace

import (
	"errors"
	"testing"
)

// FuzzReader: whatever the bytes, the reader does not panic, a bad trace
// is an *Error whose offset is inside the data, and a partial read
// returns exactly the events a strict read returned before its error.
func FuzzReader(f *testing.F) {
	h, stacks, evs := sample()
	data := encode(f, h, stacks, evs)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(data[:len(Magic)+3])
	f.Fuzz(func(t *testing.T, data []byte) {
		_, strict, err := readAll(data, false)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if te.Offset < 0 || te.Offset > int64(len(data)) {
				t.Fatalf("error offset %d outside the %d bytes", te.Offset, len(data))
			}
		}
		r, partial, perr := readAll(data, true)
		if r == nil {
			if perr == nil || err == nil || perr.Error() != err.Error() {
				t.Fatalf("header: partial read %v, strict read %v", perr, err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("partial read returned %v", perr)
		}
		if d := diffEvents(strict, partial); d != "" {
			t.Fatalf("partial read differs from the strict one: %s", d)
		}
		if (err == nil) != (r.Err() == nil) {
			t.Fatalf("strict read: %v; partial read's Err: %v", err, r.Err())
		}
	})
}
