package disasm

import (
	"debug/gosym"
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// An Explanation ties a reported access's PC to the machine code.
type Explanation struct {
	PC   uint64 // the PC looked at
	Func *gosym.Func
	// Insts is the function's code and Call, AccessAt indexes into it:
	// the race instrumentation call announcing the access (-1 if none was
	// found) and the instruction the heuristic takes for the access itself
	// (-1 if none: the access is then done by Callee, or not found).
	Insts    []Inst
	Call     int
	AccessAt int
	RaceCall RaceCall
	Access   Access
	// Callee is the function that makes the access when a call comes
	// before any memory instruction, as runtime.memmove after a
	// racewriterange for a copy.
	Callee string
	Note   string // why nothing was found, or a caveat

	bin *Binary
}

// maxScan bounds the forward search from a race call to its access.
const maxScan = 40

// Explain finds the race instrumentation call at or just before pc and the
// memory access it announces.
//
// pc may be a race call's return address (JSON reports' "pc"), or any
// address inside the call instruction (text reports print return address
// − 1 as +0xOFF). When pc is neither, the nearest race call before it in
// the function is used.
//
// The access heuristic: the first instruction after the call (following
// the fall-through path, through conditional branches and through the GC
// write barrier's CALL runtime.gcWriteBarrierN, whose buffer stores it
// skips) that has a memory operand which is really accessed (not LEA,
// NOP or a prefetch) and is not a stack slot (base SP or BP: spills,
// reloads, arguments and locals, which the compiler never instruments),
// not the g register (R14), not the closure context nor the write
// barrier flag (runtime.writeBarrier). The compiler schedules an
// instrumented load or store after its race call and before the next call
// or store in memory order, so this is the access unless the range is
// copied or cleared by a callee (memmove, typedmemmove, memclr...), which
// is then named instead; a RET or JMP stops the search.
func (b *Binary) Explain(pc uint64) (*Explanation, error) {
	fn := b.FuncAt(pc)
	if fn == nil {
		fn = b.FuncAt(pc - 1)
	}
	if fn == nil {
		return nil, fmt.Errorf("pc %#x is in no function of %s", pc, b.Path)
	}
	insts, err := b.Disassemble(fn)
	if err != nil {
		return nil, err
	}
	e := &Explanation{PC: pc, Func: fn, Insts: insts, Call: -1, AccessAt: -1, bin: b}
	at := -1
	for i := range insts {
		if pc >= insts[i].PC && pc < insts[i].End() {
			at = i
			break
		}
	}
	switch {
	case at < 0: // pc == fn.End: the return address of a final call
		at = len(insts)
	case isRace(&insts[at]):
		e.Call = at
	}
	if e.Call < 0 && at > 0 && insts[at-1].End() == pc && isRace(&insts[at-1]) {
		e.Call = at - 1
	}
	if e.Call < 0 {
		for i := min(at, len(insts)) - 1; i >= 0; i-- {
			if isRace(&insts[i]) {
				e.Call = i
				e.Note = fmt.Sprintf("pc %#x is not at a race call; using the nearest one before it", pc)
				break
			}
		}
	}
	if e.Call < 0 {
		e.Note = fmt.Sprintf("no race instrumentation call at or before pc %#x in %s: not an instrumented access", pc, fn.Name)
		return e, nil
	}
	e.RaceCall, _ = RaceCallOf(&insts[e.Call])
	e.findAccess(b)
	return e, nil
}

func isRace(in *Inst) bool { _, ok := RaceCallOf(in); return ok }

func (e *Explanation) findAccess(b *Binary) {
	insts := e.Insts
	blocks, _ := basicBlocks(insts, e.Func)
	states := b.regFlow(insts, blocks)
	inWB := false
	for i, n := e.Call+1, 0; i < len(insts) && n < maxScan; n++ {
		in := &insts[i]
		switch {
		case isWriteBarrierCall(in):
			inWB = true
			i++
			continue
		case in.Inst.Op == x86asm.CALL:
			if inWB {
				i++
				continue
			}
			e.Callee = in.Target
			if e.Callee == "" {
				e.Callee = "an indirect call (" + in.Text + ")"
			}
			if isRace(in) {
				e.Callee = ""
				e.Note = "the next race call comes before any memory access"
			}
			return
		case in.Inst.Op == x86asm.RET || in.Inst.Op == x86asm.UD1 || in.Inst.Op == x86asm.UD2:
			e.Note = "the function returns before any memory access"
			return
		case in.Inst.Op == x86asm.JMP:
			// Follow a direct jump within the function (the merge after
			// a write barrier, a loop).
			if in.TargetPC >= e.Func.Entry && in.TargetPC < e.Func.End && in.TargetPC > in.PC {
				j := indexOf(insts, in.TargetPC)
				if j >= 0 {
					inWB = false
					i = j
					continue
				}
			}
			e.Note = "control leaves by " + in.Text + " before any memory access"
			return
		}
		if a, ok := MemAccess(in); ok && !inWB {
			if why := b.exempt(in, a, &states[i]); why == "" {
				e.AccessAt, e.Access = i, a
				return
			}
		}
		i++
	}
	e.Note = fmt.Sprintf("no memory access within %d instructions of the race call", maxScan)
}

func indexOf(insts []Inst, pc uint64) int {
	for i := range insts {
		if insts[i].PC == pc {
			return i
		}
	}
	return -1
}

// exempt says why an access is one the compiler legitimately leaves
// uninstrumented, or "" when it is not; st is what the registers point to
// before in (see regFlow).
func (b *Binary) exempt(in *Inst, a Access, st *regState) string {
	m := a.Mem
	switch {
	case m.Base == x86asm.R14 && m.Index == 0:
		return "g"
	case st.kind(m.Base) == kStack:
		return "stack"
	case st.kind(m.Base) == kClosure && m.Index == 0 && !a.Store:
		return "closure"
	case st.kind(m.Base) == kRodata && !a.Store:
		return "rodata"
	case in.Inst.Op == x86asm.TEST && a.Bytes == 1 && in.Inst.Args[1] == x86asm.AL:
		return "nil-check"
	case m.Base == x86asm.RIP:
		addr, _ := in.Addr(m)
		if b.readOnly(addr) {
			return "rodata"
		}
		if b.typeCache(addr) && !a.Store {
			return "type-cache"
		}
		name, _ := b.Symbol(addr)
		if p := PackageOf(name); name != "" && noInstrumentPkg(p) {
			return "runtime-global"
		}
	case m.Base == 0 && m.Index == 0:
		return "absolute" // TLS and the like
	}
	return ""
}

// Describe formats an explanation as readable lines (no trailing
// newline), with context instructions around the call and access.
func (e *Explanation) Describe(indent string) string {
	var sb strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&sb, indent+format+"\n", args...) }
	p("function:    %s (entry %#x), pc %#x = +%#x", e.Func.Name, e.Func.Entry, e.PC, e.PC-e.Func.Entry)
	if e.Call >= 0 {
		c := &e.Insts[e.Call]
		kind := "read"
		if e.RaceCall.Write {
			kind = "write"
		}
		if e.RaceCall.Range {
			kind += " range"
		}
		p("race call:   %#x  %-40s %s (announces a %s)", c.PC, c.Text, pos(c), kind)
	}
	if e.AccessAt >= 0 {
		a := &e.Insts[e.AccessAt]
		p("access:      %#x  %-40s %s", a.PC, a.Text, pos(a))
		p("             %s %s, memory operand %s", e.Access.Width(), e.Access.Verb(), memString(e.bin, a))
		if e.RaceCall.Write != e.Access.Store && !e.RaceCall.Range {
			p("             note: the race call announces a %s but this instruction is a %s", map[bool]string{false: "read", true: "write"}[e.RaceCall.Write], e.Access.Verb())
		}
	} else if e.Callee != "" {
		p("access:      made by the callee %s", e.Callee)
	}
	if e.Note != "" {
		p("note:        %s", e.Note)
	}
	if e.Call >= 0 {
		lo := max(e.Call-3, 0)
		hi := e.Call + 2
		if e.AccessAt >= 0 {
			hi = e.AccessAt + 2
		}
		hi = min(hi, len(e.Insts))
		if hi-lo > 16 {
			hi = lo + 16
		}
		p("code:")
		for i := lo; i < hi; i++ {
			mark := "  "
			switch i {
			case e.Call:
				mark = "C>"
			case e.AccessAt:
				mark = "A>"
			}
			in := &e.Insts[i]
			p("  %s %#x  %-40s %s", mark, in.PC, in.Text, pos(in))
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}

func pos(in *Inst) string {
	if in.File == "" {
		return "?"
	}
	return fmt.Sprintf("%s:%d", in.File, in.Line)
}

func memString(b *Binary, in *Inst) string {
	m, _, _ := Mem(in)
	if m.Base == x86asm.RIP {
		if addr, ok := in.Addr(m); ok {
			if name, base := b.Symbol(addr); name != "" && addr > base {
				return fmt.Sprintf("[%#x] (%s+%d)", addr, name, addr-base)
			} else if name != "" {
				return fmt.Sprintf("[%#x] (%s)", addr, name)
			}
			return fmt.Sprintf("[%#x]", addr)
		}
	}
	var parts []string
	if m.Base != 0 {
		parts = append(parts, m.Base.String())
	}
	if m.Index != 0 {
		parts = append(parts, fmt.Sprintf("%s*%d", m.Index, m.Scale))
	}
	s := strings.Join(parts, "+")
	if m.Disp != 0 || s == "" {
		if s != "" && m.Disp > 0 {
			s += "+"
		}
		s += fmt.Sprintf("%#x", m.Disp)
	}
	return "[" + s + "]"
}
