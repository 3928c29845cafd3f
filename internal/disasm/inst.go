package disasm

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// RaceCall describes a call to one of the race runtime's memory access
// entry points, as instrumented code makes them.
type RaceCall struct {
	Write bool // racewrite*: the access it announces is a write
	Range bool // racereadrange/racewriterange*: an address and a size
}

// raceCalls maps the runtime's access entry points to what they announce.
// The compiler calls the ABIInternal ones (raceread, racewrite,
// racereadrange, racewriterange); the *pc ones come from the runtime and
// reflect on behalf of their callers. A program linked with -drace calls
// drace's versions of the same entry points instead (the linker redirects
// the calls: draceraceread, ...), which go on to the Go handlers
// (runtime.draceRead, ...) that compiled code never calls itself but which
// are listed for completeness.
var raceCalls = map[string]RaceCall{
	"runtime.raceread":            {},
	"runtime.racereadpc":          {},
	"runtime.racewrite":           {Write: true},
	"runtime.racewritepc":         {Write: true},
	"runtime.racereadrange":       {Range: true},
	"runtime.racereadrangepc1":    {Range: true},
	"runtime.racewriterange":      {Write: true, Range: true},
	"runtime.racewriterangepc1":   {Write: true, Range: true},
	"runtime.draceraceread":       {},
	"runtime.dracereadpc":         {},
	"runtime.draceracewrite":      {Write: true},
	"runtime.dracewritepc":        {Write: true},
	"runtime.draceracereadrange":  {Range: true},
	"runtime.dracereadrangepc1":   {Range: true},
	"runtime.draceracewriterange": {Write: true, Range: true},
	"runtime.dracewriterangepc1":  {Write: true, Range: true},
	"runtime.draceRead":           {},
	"runtime.draceReadPC":         {},
	"runtime.draceWrite":          {Write: true},
	"runtime.draceWritePC":        {Write: true},
	"runtime.draceReadRange":      {Range: true},
	"runtime.draceReadRangePC1":   {Range: true},
	"runtime.draceWriteRange":     {Write: true, Range: true},
	"runtime.draceWriteRangePC1":  {Write: true, Range: true},
}

// RaceCallOf reports whether in is a direct call to a race access entry
// point, and which.
func RaceCallOf(in *Inst) (RaceCall, bool) {
	if in.Inst.Op != x86asm.CALL || in.Target == "" {
		return RaceCall{}, false
	}
	rc, ok := raceCalls[strings.TrimSuffix(in.Target, ".abi0")]
	return rc, ok
}

// IsCall reports whether in is a CALL (direct or indirect).
func IsCall(in *Inst) bool { return in.Inst.Op == x86asm.CALL }

// isWriteBarrierCall reports whether in calls the GC write barrier, which
// hands back a buffer in R11 for the compiler's own bookkeeping stores.
func isWriteBarrierCall(in *Inst) bool {
	return in.Inst.Op == x86asm.CALL && strings.HasPrefix(in.Target, "runtime.gcWriteBarrier")
}

// Mem returns in's memory operand, if it has one.
func Mem(in *Inst) (x86asm.Mem, int, bool) {
	for i, a := range in.Inst.Args {
		if a == nil {
			break
		}
		if m, ok := a.(x86asm.Mem); ok {
			return m, i, true
		}
	}
	return x86asm.Mem{}, -1, false
}

// noAccess are instructions whose memory operand is not accessed: address
// arithmetic, hints and padding.
var noAccess = map[x86asm.Op]bool{
	x86asm.LEA: true, x86asm.NOP: true,
	x86asm.PREFETCHNTA: true, x86asm.PREFETCHT0: true, x86asm.PREFETCHT1: true,
	x86asm.PREFETCHT2: true, x86asm.PREFETCHW: true,
}

// readOnlyFirst are instructions that only read their first (destination
// position) memory operand.
var readOnlyFirst = map[x86asm.Op]bool{
	x86asm.CMP: true, x86asm.TEST: true, x86asm.BT: true, x86asm.PUSH: true,
	x86asm.UCOMISS: true, x86asm.UCOMISD: true, x86asm.COMISS: true, x86asm.COMISD: true,
	x86asm.CALL: true, x86asm.JMP: true,
}

// pureStore are instructions that write their first operand without
// reading it.
var pureStore = map[x86asm.Op]bool{
	x86asm.MOV: true, x86asm.MOVUPS: true, x86asm.MOVAPS: true, x86asm.MOVUPD: true,
	x86asm.MOVAPD: true, x86asm.MOVDQU: true, x86asm.MOVDQA: true, x86asm.MOVSS: true,
	x86asm.MOVSD_XMM: true, x86asm.MOVQ: true, x86asm.MOVD: true, x86asm.MOVNTI: true,
	x86asm.VMOVDQU: true, x86asm.VMOVDQA: true, x86asm.VMOVUPS: true, x86asm.VMOVAPS: true,
	x86asm.SETE: true, x86asm.SETNE: true, x86asm.POP: true, x86asm.MOVBE: true,
}

// A Access is what a memory-accessing instruction does to memory.
type Access struct {
	Mem   x86asm.Mem
	Bytes int  // the memory operand's width
	Load  bool // it reads memory
	Store bool // it writes memory
}

// Width is the access's width as "32-bit (4 bytes)".
func (a Access) Width() string {
	if a.Bytes == 1 {
		return "8-bit (1 byte)"
	}
	return fmt.Sprintf("%d-bit (%d bytes)", a.Bytes*8, a.Bytes)
}

// Verb is "load", "store" or "load+store".
func (a Access) Verb() string {
	switch {
	case a.Load && a.Store:
		return "load+store"
	case a.Store:
		return "store"
	}
	return "load"
}

// MemAccess reports whether in reads or writes memory through an explicit
// memory operand, and how. LEA, NOPs and prefetches do not; neither do
// string instructions (REP MOVS, STOS), whose implicit operands this
// ignores.
func MemAccess(in *Inst) (Access, bool) {
	if in.Bad || noAccess[in.Inst.Op] {
		return Access{}, false
	}
	m, i, ok := Mem(in)
	if !ok {
		return Access{}, false
	}
	a := Access{Mem: m, Bytes: in.Inst.MemBytes, Load: true}
	if i == 0 && !readOnlyFirst[in.Inst.Op] {
		a.Store = true
		a.Load = !pureStore[in.Inst.Op] && !strings.HasPrefix(in.Inst.Op.String(), "SET")
	}
	if in.Inst.Op == x86asm.XCHG || in.Inst.Op == x86asm.XADD || in.Inst.Op == x86asm.CMPXCHG {
		a.Load, a.Store = true, true
	}
	return a, true
}

// stackReg reports whether r addresses the goroutine stack frame.
func stackReg(r x86asm.Reg) bool { return r == x86asm.RSP || r == x86asm.RBP }

// Addr returns the absolute address of a RIP-relative operand of in.
func (in *Inst) Addr(m x86asm.Mem) (uint64, bool) {
	if m.Base != x86asm.RIP || m.Index != 0 {
		return 0, false
	}
	return uint64(int64(in.End()) + m.Disp), true
}

// writesReg reports whether in (may) write register r or a part of it.
func writesReg(in *Inst, r x86asm.Reg) bool {
	if in.Inst.Op == x86asm.CALL {
		return true
	}
	if a, ok := in.Inst.Args[0].(x86asm.Reg); ok && sameReg(a, r) {
		return !readOnlyFirst[in.Inst.Op]
	}
	if in.Inst.Op == x86asm.XCHG || in.Inst.Op == x86asm.XADD {
		if a, ok := in.Inst.Args[1].(x86asm.Reg); ok && sameReg(a, r) {
			return true
		}
	}
	return false
}

// sameReg reports whether two general registers overlap (AL, AX, EAX, RAX).
func sameReg(a, b x86asm.Reg) bool { return gpr(a) == gpr(b) }

func gpr(r x86asm.Reg) x86asm.Reg {
	switch {
	case r >= x86asm.AL && r <= x86asm.R15B:
		switch r {
		case x86asm.AH:
			return x86asm.RAX
		case x86asm.CH:
			return x86asm.RCX
		case x86asm.DH:
			return x86asm.RDX
		case x86asm.BH:
			return x86asm.RBX
		case x86asm.SPB:
			return x86asm.RSP
		case x86asm.BPB:
			return x86asm.RBP
		case x86asm.SIB:
			return x86asm.RSI
		case x86asm.DIB:
			return x86asm.RDI
		}
		return lowByte[r]
	case r >= x86asm.AX && r <= x86asm.R15W:
		return x86asm.RAX + (r - x86asm.AX)
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return x86asm.RAX + (r - x86asm.EAX)
	}
	return r
}

var lowByte = map[x86asm.Reg]x86asm.Reg{
	x86asm.AL: x86asm.RAX, x86asm.CL: x86asm.RCX, x86asm.DL: x86asm.RDX, x86asm.BL: x86asm.RBX,
	x86asm.R8B: x86asm.R8, x86asm.R9B: x86asm.R9, x86asm.R10B: x86asm.R10, x86asm.R11B: x86asm.R11,
	x86asm.R12B: x86asm.R12, x86asm.R13B: x86asm.R13, x86asm.R14B: x86asm.R14, x86asm.R15B: x86asm.R15,
}
