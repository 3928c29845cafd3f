// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package predict

import (
	"bytes"
	"testing"
)

// FuzzPredict: on any trace the reader accepts, the algorithms do not
// panic, and every witness found passes the checker (Witness checks it),
// block's too (CheckBlock). Seeded with the textbook traces (WCP's,
// SHB's and SyncP's), a lost Signal and a stolen receive. Witnesses
// are not searched in traces with ranges over 1 MiB: their index costs
// per word (see doc.go).
func FuzzPredict(f *testing.F) {
	for _, tc := range textbook {
		f.Add(writeScript(f, tc.script).trace)
	}
	for _, tc := range syncpTextbook {
		f.Add(writeScript(f, tc.script).trace)
	}
	f.Add(writeScript(f, "1 go 2\n2 lock L\n2 wait L\n1 signal C\n1 add W 1\n1 add W -1\n1 end\n2 woken C L\n2 wgwait W\n2 unlock L").trace)
	f.Add(writeScript(f, "1 make C\n1 go 2\n1 go 3\n1 send C 2\n2 send C 3\n3 w x\n3 end").trace)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Run(bytes.NewReader(data), true, Options{Algorithms: Algorithms, Keep: true})
		if err != nil {
			return
		}
		for _, e := range p.Events() {
			if e.IsAccess() && e.Size > 1<<20 {
				return
			}
		}
		for _, r := range p.Races() {
			w, err := p.Witness(r)
			if err == nil {
				if err := Check(p.Events(), w); err != nil {
					t.Fatalf("race %+v: witness fails the check: %v", r, err)
				}
			}
		}
		for _, b := range p.Blocks() {
			if err := CheckBlock(p.Events(), &b); err != nil {
				t.Fatalf("block %+v: witness fails the check: %v", b, err)
			}
		}
	})
}
