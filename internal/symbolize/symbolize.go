// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package symbolize turns the PCs of another Go binary into frames as
// runtime.CallersFrames would in that binary, inlined calls expanded, by
// reading its pclntab (debug/elf for the sections; the function table,
// pc-value tables and inline trees decoded here, since debug/gosym does not
// expand inlined calls). A runtime/race Host answers with these frames
// (RuntimeFrames), so that runtime/race formats reports offline as online.
package symbolize

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// A Frame is one frame of a stack, as runtime.Frame.
type Frame struct {
	PC       uint64 // the call instruction's PC (return address - 1) or the given PC
	Function string // "" if unknown
	File     string
	Line     int
	Entry    uint64 // the entry of the (outermost) function's code
}

// A Table symbolizes the PCs of one binary.
type Table struct {
	BuildID string

	minLC     uint64
	ptrSize   int
	textStart uint64
	nfunc     int
	funcnames []byte
	cutab     []byte
	filetab   []byte
	pctab     []byte
	functab   []byte // the ftab and the _func records
	gofunc    uint64 // go:func.*, the base of funcdata offsets; 0 if unknown
	elf       *elf.File
	cache     map[uint64][]Frame
	sections  map[*elf.Section][]byte // read by at
}

// Open reads the symbol tables of the ELF binary name.
func Open(name string) (*Table, error) {
	f, err := elf.Open(name)
	if err != nil {
		return nil, err
	}
	t, err := New(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return t, nil
}

// New reads the symbol tables of f, which the Table keeps open.
func New(f *elf.File) (*Table, error) {
	sec := f.Section(".gopclntab")
	if sec == nil {
		return nil, errors.New("no .gopclntab section (not a Go binary?)")
	}
	pcln, err := sec.Data()
	if err != nil {
		return nil, err
	}
	if len(pcln) < 8 || binary.LittleEndian.Uint32(pcln) != 0xfffffff1 {
		return nil, errors.New("unsupported pclntab (want Go 1.20 or later)")
	}
	t := &Table{elf: f, minLC: uint64(pcln[6]), ptrSize: int(pcln[7]), cache: make(map[uint64][]Frame)}
	if t.ptrSize != 8 {
		return nil, errors.New("unsupported pointer size")
	}
	word := func(i int) uint64 {
		off := 8 + i*t.ptrSize
		if off+8 > len(pcln) {
			return 0
		}
		return binary.LittleEndian.Uint64(pcln[off:])
	}
	t.nfunc = int(word(0))
	sub := func(off uint64) []byte {
		if off > uint64(len(pcln)) {
			return nil
		}
		return pcln[off:]
	}
	t.funcnames = sub(word(3))
	t.cutab = sub(word(4))
	t.filetab = sub(word(5))
	t.pctab = sub(word(6))
	t.functab = sub(word(7))
	if len(t.functab) < (t.nfunc+1)*8 {
		return nil, errors.New("truncated function table")
	}
	if text := f.Section(".text"); text != nil {
		t.textStart = text.Addr
	}
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			switch s.Name {
			case "runtime.text":
				t.textStart = s.Value
			case "go:func.*":
				t.gofunc = s.Value
			}
		}
	}
	if t.gofunc == 0 {
		// Stripped (go run and go test strip by default): find the
		// moduledata, which points at the pclntab, and read its fields.
		t.fromModuledata(f, sec.Addr, sec.Addr+word(3))
	}
	if s := f.Section(".note.go.buildid"); s != nil {
		if data, err := s.Data(); err == nil && len(data) > 16 {
			n := binary.LittleEndian.Uint32(data[4:])
			if 16+int(n) <= len(data) {
				t.BuildID = string(data[16 : 16+n])
			}
		}
	}
	return t, nil
}

// fromModuledata sets textStart and gofunc from runtime.firstmoduledata,
// found in .go.module (or, for older linkers, .noptrdata) by its first
// two words: the pcHeader's address and funcnametab's.
func (t *Table) fromModuledata(f *elf.File, pcHeader, funcnametab uint64) {
	const (
		wText   = 22
		wGofunc = 40
	)
	for _, name := range []string{".go.module", ".noptrdata"} {
		sec := f.Section(name)
		if sec == nil {
			continue
		}
		data, err := sec.Data()
		if err != nil {
			continue
		}
		for off := 0; off+(wGofunc+1)*8 <= len(data); off += 8 {
			if binary.LittleEndian.Uint64(data[off:]) != pcHeader || binary.LittleEndian.Uint64(data[off+8:]) != funcnametab {
				continue
			}
			t.textStart = binary.LittleEndian.Uint64(data[off+wText*8:])
			t.gofunc = binary.LittleEndian.Uint64(data[off+wGofunc*8:])
			return
		}
	}
}

// Close closes the binary.
func (t *Table) Close() error { return t.elf.Close() }

type funcInfo struct {
	off   int // of the _func in functab
	entry uint64
}

func (t *Table) u32(b []byte, off int) uint32 {
	if off < 0 || off+4 > len(b) {
		return 0
	}
	return binary.LittleEndian.Uint32(b[off:])
}

// findfunc returns the function containing pc.
func (t *Table) findfunc(pc uint64) (funcInfo, bool) {
	if pc < t.textStart {
		return funcInfo{}, false
	}
	off := pc - t.textStart
	if off >= uint64(t.u32(t.functab, t.nfunc*8)) {
		return funcInfo{}, false
	}
	i := sort.Search(t.nfunc, func(i int) bool { return uint64(t.u32(t.functab, i*8)) > off }) - 1
	if i < 0 {
		return funcInfo{}, false
	}
	fo := int(t.u32(t.functab, i*8+4))
	return funcInfo{off: fo, entry: t.textStart + uint64(t.u32(t.functab, fo))}, true
}

// Fields of a _func, by byte offset.
const (
	fNameOff   = 4
	fPcfile    = 20
	fPcln      = 24
	fNpcdata   = 28
	fCuOffset  = 32
	fStartLine = 36
	fFuncID    = 40
	fNfuncdata = 43
	fSize      = 44

	pcdataInlTreeIndex = 2
	funcdataInlTree    = 3

	funcIDgopanic   = 10
	funcIDpanicwrap = 15
	funcIDsigpanic  = 20
	funcIDWrapper   = 23
)

func (t *Table) cstring(b []byte, off int) string {
	if off < 0 || off >= len(b) {
		return ""
	}
	b = b[off:]
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func (t *Table) readvarint(p []byte) (int, uint32) {
	var v, shift uint32
	for n := 0; n < len(p); n++ {
		b := p[n]
		v |= uint32(b&0x7f) << (shift & 31)
		if b&0x80 == 0 {
			return n + 1, v
		}
		shift += 7
	}
	return 0, 0
}

// pcvalue returns the value of the pc-value table at off for targetpc,
// as the runtime's pcvalue does; -1 if none.
func (t *Table) pcvalue(f funcInfo, off uint32, targetpc uint64) int32 {
	if off == 0 || int(off) >= len(t.pctab) {
		return -1
	}
	p := t.pctab[off:]
	pc := f.entry
	val := int32(-1)
	first := true
	for {
		n, uvdelta := t.readvarint(p)
		if n == 0 || uvdelta == 0 && !first {
			return -1
		}
		first = false
		val += int32(-(uvdelta & 1) ^ (uvdelta >> 1))
		p = p[n:]
		n, pcdelta := t.readvarint(p)
		if n == 0 {
			return -1
		}
		p = p[n:]
		pc += uint64(pcdelta) * t.minLC
		if targetpc < pc {
			return val
		}
	}
}

func (t *Table) pcdata(f funcInfo, table uint32, pc uint64) int32 {
	if table >= t.u32(t.functab, f.off+fNpcdata) {
		return -1
	}
	return t.pcvalue(f, t.u32(t.functab, f.off+fSize+int(table)*4), pc)
}

// inlTree returns the bytes of f's inline tree, or nil.
func (t *Table) inlTree(f funcInfo) []byte {
	if t.gofunc == 0 {
		return nil
	}
	nfuncdata := t.functab[f.off+fNfuncdata]
	if funcdataInlTree >= nfuncdata {
		return nil
	}
	npcdata := int(t.u32(t.functab, f.off+fNpcdata))
	off := t.u32(t.functab, f.off+fSize+npcdata*4+funcdataInlTree*4)
	if off == ^uint32(0) {
		return nil
	}
	return t.at(t.gofunc + uint64(off))
}

// at returns the bytes of the binary from virtual address addr to the end
// of its section.
// A section's data is read once (Section.Data reads and copies it on
// every call).
func (t *Table) at(addr uint64) []byte {
	for _, s := range t.elf.Sections {
		if s.Type == elf.SHT_NOBITS || addr < s.Addr || addr >= s.Addr+s.Size {
			continue
		}
		data, ok := t.sections[s]
		if !ok {
			var err error
			if data, err = s.Data(); err != nil {
				data = nil
			}
			if t.sections == nil {
				t.sections = make(map[*elf.Section][]byte)
			}
			t.sections[s] = data
		}
		if data == nil {
			return nil
		}
		return data[addr-s.Addr:]
	}
	return nil
}

// srcFunc is a function in the source: the physical one or an inlined one.
type srcFunc struct {
	nameOff int32
	funcID  uint8
}

type inlineFrame struct {
	pc    uint64
	index int32
}

func (t *Table) resolve(f funcInfo, tree []byte, pc uint64) inlineFrame {
	if tree == nil {
		return inlineFrame{pc: pc, index: -1}
	}
	return inlineFrame{pc: pc, index: t.pcdata(f, pcdataInlTreeIndex, pc)}
}

func (t *Table) next(f funcInfo, tree []byte, uf inlineFrame) inlineFrame {
	if uf.index < 0 || int(uf.index)*16+16 > len(tree) {
		return inlineFrame{}
	}
	parentPc := int32(t.u32(tree, int(uf.index)*16+8))
	return t.resolve(f, tree, f.entry+uint64(parentPc))
}

func (t *Table) srcFunc(f funcInfo, tree []byte, uf inlineFrame) srcFunc {
	if uf.index < 0 || int(uf.index)*16+16 > len(tree) {
		return srcFunc{nameOff: int32(t.u32(t.functab, f.off+fNameOff)), funcID: t.functab[f.off+fFuncID]}
	}
	e := tree[uf.index*16:]
	return srcFunc{nameOff: int32(t.u32(e, 4)), funcID: e[0]}
}

func elideWrapperCalling(id uint8) bool {
	return !(id == funcIDgopanic || id == funcIDsigpanic || id == funcIDpanicwrap)
}

func funcNameForPrint(name string) string {
	i := strings.IndexByte(name, '[')
	if i < 0 {
		return name
	}
	j := len(name) - 1
	for name[j] != ']' {
		j--
	}
	if j <= i {
		return name
	}
	return name[:i] + "[...]" + name[j+1:]
}

func (t *Table) fileLine(f funcInfo, pc uint64) (string, int) {
	fileno := t.pcvalue(f, t.u32(t.functab, f.off+fPcfile), pc)
	line := t.pcvalue(f, t.u32(t.functab, f.off+fPcln), pc)
	if fileno == -1 || line == -1 {
		return "?", 0
	}
	fileoff := t.u32(t.cutab, int(t.u32(t.functab, f.off+fCuOffset)+uint32(fileno))*4)
	if fileoff == ^uint32(0) || int(fileoff) >= len(t.filetab) {
		return "?", 0
	}
	return t.cstring(t.filetab, int(fileoff)), int(line)
}

// Frames returns the frames of pcs (return addresses, innermost first, as
// from runtime.Callers), inlined calls expanded, exactly as
// runtime.CallersFrames would in the binary: PCs outside its functions
// are dropped, and the outer inlined frames of the last PC are not
// expanded.
func (t *Table) Frames(pcs []uint64) []Frame {
	var frames []Frame
	callers := pcs
	var nextPC uint64
	for {
		var pc uint64
		if nextPC != 0 {
			pc, nextPC = nextPC, 0
		} else {
			if len(callers) == 0 {
				break
			}
			pc, callers = callers[0], callers[1:]
		}
		f, ok := t.findfunc(pc)
		if !ok {
			continue
		}
		if pc > f.entry {
			pc--
		}
		tree := t.inlTree(f)
		uf := t.resolve(f, tree, pc)
		sf := t.srcFunc(f, tree, uf)
		if uf.index >= 0 {
			for unext := t.next(f, tree, uf); unext.pc != 0 && len(callers) > 0 && callers[0] != unext.pc+1; unext = t.next(f, tree, unext) {
				snext := t.srcFunc(f, tree, unext)
				if snext.funcID == funcIDWrapper && elideWrapperCalling(sf.funcID) {
					continue
				}
				nextPC = unext.pc + 1
				break
			}
		}
		file, line := t.fileLine(f, pc)
		frames = append(frames, Frame{
			PC:       pc,
			Function: funcNameForPrint(t.cstring(t.funcnames, int(sf.nameOff))),
			Entry:    f.entry,
			File:     file,
			Line:     line,
		})
	}
	return frames
}

// RuntimeFrames returns Frames(pcs) as runtime.CallersFrames returns them
// in the binary, for a runtime/race Host: a zero Frame when no PC is in
// the binary's functions.
func (t *Table) RuntimeFrames(pcs []uintptr) []runtime.Frame {
	u := make([]uint64, len(pcs))
	for i, pc := range pcs {
		u[i] = uint64(pc)
	}
	var out []runtime.Frame
	for _, f := range t.Frames(u) {
		out = append(out, runtime.Frame{PC: uintptr(f.PC), Function: f.Function, File: f.File, Line: f.Line, Entry: uintptr(f.Entry)})
	}
	if len(out) == 0 {
		out = []runtime.Frame{{}}
	}
	return out
}

// Func returns the entry of the physical function containing pc, or 0.
func (t *Table) Func(pc uint64) uint64 {
	if f, ok := t.findfunc(pc); ok {
		return f.entry
	}
	return 0
}

// Location returns the innermost frame of pc, as an access's location: the
// function, file and line of the instruction before the return address
// pc (for a memory access, the instrumentation call).
func (t *Table) Location(pc uint64) Frame {
	if fr, ok := t.cache[pc]; ok {
		if len(fr) == 0 {
			return Frame{PC: pc}
		}
		return fr[0]
	}
	fr := t.Frames([]uint64{pc})
	t.cache[pc] = fr
	if len(fr) == 0 {
		return Frame{PC: pc}
	}
	return fr[0]
}
