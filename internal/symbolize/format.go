// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package symbolize

import (
	"runtime/race"
	"strconv"
)

// Format returns r as runtime/race.Format prints it in the traced program:
// the same text for the same report. stack resolves a StackID to its
// frames (return addresses, innermost first), as StackID.Frames does in
// the program; goroutine describes the goroutines the report names.
func (t *Table) Format(detector string, r *race.Report, stack func(race.StackID) []uint64, goroutine func(id int64) race.GoroutineInfo) []byte {
	var b []byte
	b = append(b, "==================\nWARNING: "...)
	kind := r.Kind
	if kind == "" {
		kind = "DATA RACE"
	}
	b = append(b, kind...)
	b = append(b, " ("...)
	b = append(b, detector...)
	b = append(b, ")\n"...)
	if r.Message != "" {
		b = append(b, r.Message...)
		b = append(b, '\n')
	}
	for i, a := range r.Accesses {
		if i > 0 {
			b = append(b, '\n')
		}
		b = appendAccessTitle(b, &a)
		if a.Note != "" {
			b = append(b, "  "...)
			b = append(b, a.Note...)
			b = append(b, '\n')
		}
		if a.Frames != nil {
			b = t.appendStack(b, toU64(a.Frames))
			continue
		}
		var pcs []uint64
		if a.PC != 0 {
			pcs = append(pcs, uint64(a.PC))
		}
		if a.Stack != 0 && stack != nil {
			pcs = append(pcs, stack(a.Stack)...)
		}
		b = t.appendStack(b, pcs)
	}
	ids := r.Goroutines
	if ids == nil {
		for _, a := range r.Accesses {
			if a.G != 1 && !containsID(ids, a.G) {
				ids = append(ids, a.G)
			}
		}
	}
	for _, id := range ids {
		var info race.GoroutineInfo
		if goroutine != nil {
			info = goroutine(id)
		}
		if !info.Known {
			continue
		}
		b = append(b, "\nGoroutine "...)
		b = strconv.AppendInt(b, id, 10)
		if info.Finished {
			b = append(b, " (finished)"...)
		} else {
			b = append(b, " (running)"...)
		}
		b = append(b, " created at:\n"...)
		b = t.appendStack(b, toU64(info.Created))
	}
	b = append(b, "==================\n"...)
	return b
}

func toU64(pcs []uintptr) []uint64 {
	out := make([]uint64, len(pcs))
	for i, pc := range pcs {
		out[i] = uint64(pc)
	}
	return out
}

func appendAccessTitle(b []byte, a *race.ReportAccess) []byte {
	verb := a.Verb
	if verb == "" {
		switch {
		case a.Atomic && a.Write:
			verb = "atomic write"
		case a.Atomic:
			verb = "atomic read"
		case a.Write:
			verb = "write"
		default:
			verb = "read"
		}
	}
	if a.Previous {
		b = append(b, "Previous "...)
	} else if 'a' <= verb[0] && verb[0] <= 'z' {
		b = append(b, verb[0]-'a'+'A')
		verb = verb[1:]
	}
	b = append(b, verb...)
	if a.Addr != 0 {
		b = append(b, " at "...)
		b = appendHex(b, uint64(a.Addr), 12)
	}
	b = append(b, " by "...)
	if a.G == 1 {
		b = append(b, "main goroutine"...)
	} else {
		b = append(b, "goroutine "...)
		b = strconv.AppendInt(b, a.G, 10)
	}
	return append(b, ":\n"...)
}

// appendStack is runtime/race's appendStack with this table's frames.
func (t *Table) appendStack(b []byte, pcs []uint64) []byte {
	frames := t.Frames(pcs)
	if len(frames) == 0 && len(pcs) > 0 {
		frames = []Frame{{}} // what CallersFrames' Next returns for no valid PC
	}
	for len(frames) > 1 {
		if fn := frames[len(frames)-1].Function; fn != "runtime.goexit" && fn != "runtime.main" {
			break
		}
		frames = frames[:len(frames)-1]
	}
	if len(frames) == 0 {
		return append(b, "  <no stack>\n"...)
	}
	for _, f := range frames {
		b = append(b, "  "...)
		if f.Function == "" {
			b = append(b, "<unknown>()\n      <unknown>:0 +"...)
			b = appendHex(b, f.PC, 0)
		} else {
			b = append(b, f.Function...)
			b = append(b, "()\n      "...)
			b = append(b, f.File...)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(f.Line), 10)
			b = append(b, " +"...)
			b = appendHex(b, f.PC-f.Entry, 0)
		}
		b = append(b, '\n')
	}
	return b
}

func appendHex(b []byte, v uint64, width int) []byte {
	const digits = "0123456789abcdef"
	var buf [16]byte
	i := len(buf)
	for v != 0 || i == len(buf) || len(buf)-i < width {
		i--
		buf[i] = digits[v&15]
		v >>= 4
	}
	b = append(b, "0x"...)
	return append(b, buf[i:]...)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
