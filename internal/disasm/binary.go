// Package disasm loads a linux/amd64 Go executable, symbolises its
// addresses through the ELF symbol table and the Go pclntab, and
// disassembles its functions with golang.org/x/arch/x86/x86asm, in Go
// (Plan 9) syntax as `go tool objdump` prints it. On top of that it explains
// race reports (which instrumentation call and which machine instruction
// made a reported access; see Explain) and audits the race instrumentation
// of a binary (which memory accesses no race call covers; see Audit).
package disasm

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// A Binary is an opened Go executable.
type Binary struct {
	Path string
	// MainModule is the path of the module the binary was built from
	// (debug/buildinfo), "" when the binary carries none.
	MainModule string
	// Stripped is set for a binary without an ELF symbol table: only
	// functions have names (from the pclntab), so the audit cannot tell
	// the runtime's variables (runtime.writeBarrier...) from others.
	Stripped bool

	elf   *elf.File
	table *gosym.Table
	text  *elf.Section
	code  []byte
	syms  []elf.Symbol // defined symbols with an address, sorted by address
	secs  []*elf.Section
	funcs map[string][]*gosym.Func
	// goroot is the prefix of the standard library's source files in
	// the pclntab ("/usr/local/go/src/", or "" with -trimpath), found
	// from runtime.main's file; "?" when unknown.
	goroot string
}

// Open opens and indexes the Go executable at path. It must be an
// x86-64 ELF file with a .gopclntab section; without a symbol table
// (stripped), functions are named from the pclntab and data is not.
func Open(path string) (*Binary, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not an ELF executable: %v", path, unwrapPathErr(err))
	}
	b := &Binary{Path: path, elf: f, goroot: "?"}
	if err := b.load(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if bi, err := buildinfo.ReadFile(path); err == nil {
		b.MainModule = bi.Main.Path
	}
	return b, nil
}

func unwrapPathErr(err error) error {
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) {
		if e := pe.Unwrap(); e != nil {
			return e
		}
	}
	return err
}

func (b *Binary) load() error {
	f := b.elf
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("machine %v, only x86-64 is supported", f.Machine)
	}
	b.text = f.Section(".text")
	if b.text == nil {
		return errors.New("no .text section")
	}
	code, err := b.text.Data()
	if err != nil {
		return fmt.Errorf("reading .text: %v", err)
	}
	b.code = code
	pcln := f.Section(".gopclntab")
	if pcln == nil {
		return errors.New("no .gopclntab section: not a Go binary")
	}
	pclnData, err := pcln.Data()
	if err != nil {
		return fmt.Errorf("reading .gopclntab: %v", err)
	}
	var symtab []byte
	if s := f.Section(".gosymtab"); s != nil {
		symtab, _ = s.Data()
	}
	b.table, err = gosym.NewTable(symtab, gosym.NewLineTable(pclnData, b.text.Addr))
	if err != nil {
		return fmt.Errorf("reading the pclntab: %v", err)
	}
	syms, err := f.Symbols()
	if err != nil {
		// A stripped binary (go test and go run link with -s): name
		// the functions from the pclntab; data has no names then.
		b.Stripped = true
		for _, fn := range b.table.Funcs {
			syms = append(syms, elf.Symbol{Name: fn.Name, Value: fn.Entry, Size: fn.End - fn.Entry, Section: 1})
		}
	}
	for _, s := range syms {
		if s.Value != 0 && s.Section != elf.SHN_UNDEF && elf.ST_TYPE(s.Info) != elf.STT_SECTION && elf.ST_TYPE(s.Info) != elf.STT_FILE {
			b.syms = append(b.syms, s)
		}
	}
	sort.SliceStable(b.syms, func(i, j int) bool { return b.syms[i].Value < b.syms[j].Value })
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Addr != 0 {
			b.secs = append(b.secs, s)
		}
	}
	if rt := b.table.LookupFunc("runtime.main"); rt != nil {
		file, _ := b.Line(rt.Entry)
		if dir, ok := strings.CutSuffix(file, "runtime/proc.go"); ok {
			b.goroot = dir
		}
	}
	b.funcs = map[string][]*gosym.Func{}
	for i := range b.table.Funcs {
		fn := &b.table.Funcs[i]
		b.funcs[fn.Name] = append(b.funcs[fn.Name], fn)
		if e := elideTypeArgs(fn.Name); e != fn.Name {
			b.funcs[e] = append(b.funcs[e], fn)
		}
	}
	return nil
}

// Close closes the underlying file.
func (b *Binary) Close() error { return b.elf.Close() }

// Funcs returns the binary's functions, in address order.
func (b *Binary) Funcs() []*gosym.Func {
	fs := make([]*gosym.Func, len(b.table.Funcs))
	for i := range b.table.Funcs {
		fs[i] = &b.table.Funcs[i]
	}
	return fs
}

// FuncsNamed returns the functions called name, or, for a generic
// function named as tracebacks print it (pkg.F[...]), its instances.
func (b *Binary) FuncsNamed(name string) []*gosym.Func { return b.funcs[name] }

// FuncAt returns the function containing pc, or nil.
func (b *Binary) FuncAt(pc uint64) *gosym.Func { return b.table.PCToFunc(pc) }

// Line returns the source position of pc: for inlined code, the innermost
// (inlined) function's file and line, as tracebacks print it.
func (b *Binary) Line(pc uint64) (file string, line int) {
	file, line, _ = b.table.PCToLine(pc)
	return file, line
}

// Symbol returns the ELF symbol containing or starting at addr and addr's
// offset from it. Symbols of size 0 only match their own address.
func (b *Binary) Symbol(addr uint64) (name string, base uint64) {
	i := sort.Search(len(b.syms), func(i int) bool { return b.syms[i].Value > addr }) - 1
	for ; i >= 0; i-- {
		s := b.syms[i]
		if addr == s.Value || addr < s.Value+s.Size {
			return s.Name, s.Value
		}
		if s.Size != 0 || addr-s.Value > 1<<20 {
			break
		}
	}
	return "", 0
}

// Section returns the allocated section holding addr, or nil.
func (b *Binary) Section(addr uint64) *elf.Section {
	for _, s := range b.secs {
		if addr >= s.Addr && addr < s.Addr+s.Size {
			return s
		}
	}
	return nil
}

// An Inst is one decoded machine instruction of a function.
type Inst struct {
	PC   uint64
	Inst x86asm.Inst
	Text string // Go syntax, with symbols, as go tool objdump prints it
	File string
	Line int
	// Target is the symbol a direct CALL or jump goes to ("" otherwise),
	// and TargetPC its address.
	Target   string
	TargetPC uint64
	Bad      bool // the bytes did not decode
}

// End is the address just after the instruction.
func (in *Inst) End() uint64 { return in.PC + uint64(in.Inst.Len) }

// Disassemble decodes fn's instructions. A byte sequence that does not
// decode becomes a one-byte Inst with Bad set, as objdump does.
func (b *Binary) Disassemble(fn *gosym.Func) ([]Inst, error) {
	if fn.Entry < b.text.Addr || fn.End > b.text.Addr+uint64(len(b.code)) || fn.End <= fn.Entry {
		return nil, fmt.Errorf("function %s [%#x,%#x) is not in .text", fn.Name, fn.Entry, fn.End)
	}
	code := b.code[fn.Entry-b.text.Addr : fn.End-b.text.Addr]
	var insts []Inst
	for off := 0; off < len(code); {
		pc := fn.Entry + uint64(off)
		in := Inst{PC: pc}
		d, err := x86asm.Decode(code[off:], 64)
		if err != nil || d.Len == 0 {
			in.Bad = true
			in.Inst = x86asm.Inst{Len: 1}
			in.Text = fmt.Sprintf("? %#x", code[off])
		} else {
			in.Inst = d
			in.Text = x86asm.GoSyntax(d, pc, b.Symbol)
			if rel, ok := d.Args[0].(x86asm.Rel); ok {
				in.TargetPC = uint64(int64(pc) + int64(d.Len) + int64(rel))
				in.Target, _ = b.Symbol(in.TargetPC)
			}
		}
		in.File, in.Line = b.Line(pc)
		insts = append(insts, in)
		off += in.Inst.Len
	}
	return insts, nil
}

// PackageOf returns the import path of the package a function symbol
// belongs to ("" for compiler-generated symbols such as type:.eq.T).
func PackageOf(name string) string {
	if strings.HasPrefix(name, "type:") || strings.HasPrefix(name, "go:") {
		return ""
	}
	s := gosym.Sym{Name: name}
	return s.PackageName()
}

// elideTypeArgs writes a generic instance's name as tracebacks print it:
// pkg.F[go.shape.int].M becomes pkg.F[...].M.
func elideTypeArgs(name string) string {
	var sb strings.Builder
	depth := 0
	for _, r := range name {
		switch {
		case r == '[':
			if depth == 0 {
				sb.WriteString("[...]")
			}
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// StdPackageOfFile returns the standard library package whose directory
// holds file, or "" when file is not in the standard library.
func (b *Binary) StdPackageOfFile(file string) string {
	rel, ok := strings.CutPrefix(file, b.goroot)
	if !ok || b.goroot == "?" {
		return ""
	}
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ""
	}
	return rel[:i]
}
