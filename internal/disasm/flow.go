package disasm

import (
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// A regKind is what a general register is known to point into.
type regKind uint8

const (
	kUnknown regKind = iota
	kStack           // the goroutine's stack frame (LEAQ off(SP), R and arithmetic on it)
	kRodata          // a read-only section (LEAQ type:T(SB), R; loads of pointers from there), or a type switch cache
	kClosure         // the closure context, DX on entry
)

// regState maps each of the 16 general registers to its kind.
type regState [16]regKind

func regIndex(r x86asm.Reg) (int, bool) {
	g := gpr(r)
	if g >= x86asm.RAX && g <= x86asm.R15 {
		return int(g - x86asm.RAX), true
	}
	return 0, false
}

func (s *regState) kind(r x86asm.Reg) regKind {
	if stackReg(r) {
		return kStack
	}
	if i, ok := regIndex(r); ok {
		return s[i]
	}
	return kUnknown
}

// regFlow computes, for each instruction, what the registers point to
// before it, by a forward data-flow over the basic blocks: a register keeps
// a kind along every path into a block or becomes unknown. It is what lets
// the audit see stack slots addressed through a register (zeroing a large
// local through LEAQ x(SP), CX), read-only data reached through one (type
// descriptors) and the closure context kept in DX.
func (b *Binary) regFlow(insts []Inst, blocks []block) []regState {
	states := make([]regState, len(insts))
	if len(blocks) == 0 {
		return states
	}
	in := make([]regState, len(blocks))
	done := make([]bool, len(blocks))
	var entry regState
	entry[x86asm.RDX-x86asm.RAX] = kClosure
	in[0], done[0] = entry, true
	// Blocks only reached through a jump table start with nothing known.
	for bi := 1; bi < len(blocks); bi++ {
		if len(blocks[bi].preds) == 0 {
			done[bi] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for bi := range blocks {
			if !done[bi] {
				continue
			}
			st := in[bi]
			for i := blocks[bi].start; i < blocks[bi].end; i++ {
				states[i] = st
				b.transfer(&insts[i], &st)
			}
			for _, s := range blocks[bi].succs {
				if s == 0 {
					// Only the morestack path jumps back to the entry,
					// with the registers as they were on entry.
					continue
				}
				if !done[s] {
					in[s], done[s] = st, true
					changed = true
					continue
				}
				m := in[s]
				for r := range m {
					if m[r] != st[r] {
						m[r] = kUnknown
					}
				}
				if m != in[s] {
					in[s] = m
					changed = true
				}
			}
		}
	}
	return states
}

// transfer updates st for the effect of in.
func (b *Binary) transfer(in *Inst, st *regState) {
	op := in.Inst.Op
	if op == x86asm.CALL {
		if isWriteBarrierCall(in) {
			st[x86asm.R11-x86asm.RAX] = kUnknown
			return
		}
		*st = regState{} // the Go ABI preserves no general register across a call
		return
	}
	dst, ok := in.Inst.Args[0].(x86asm.Reg)
	if !ok || readOnlyFirst[op] {
		if op == x86asm.XCHG || op == x86asm.XADD || op == x86asm.CMPXCHG {
			if r, ok := in.Inst.Args[1].(x86asm.Reg); ok {
				if i, ok := regIndex(r); ok {
					st[i] = kUnknown
				}
			}
			if op == x86asm.CMPXCHG {
				st[0] = kUnknown
			}
		}
		return
	}
	d, ok := regIndex(dst)
	if !ok {
		return
	}
	full := gpr(dst) == dst // a 64-bit register: narrower writes are not pointers
	var k regKind
	switch op {
	case x86asm.LEA:
		if m, ok := in.Inst.Args[1].(x86asm.Mem); ok && full {
			switch {
			case m.Base == x86asm.RIP:
				if addr, ok := in.Addr(m); ok && b.readOnly(addr) {
					k = kRodata
				}
			case st.kind(m.Base) == kStack:
				k = kStack
			}
		}
	case x86asm.MOV:
		switch src := in.Inst.Args[1].(type) {
		case x86asm.Reg:
			if full {
				k = st.kind(src)
			}
		case x86asm.Mem:
			if full && in.Inst.MemBytes == 8 {
				if src.Base == x86asm.RIP {
					if addr, ok := in.Addr(src); ok && (b.readOnly(addr) || b.typeCache(addr)) {
						k = kRodata
					}
				} else if src.Index == 0 && st.kind(src.Base) == kRodata {
					k = kRodata
				}
			}
		}
	case x86asm.ADD, x86asm.SUB, x86asm.INC, x86asm.DEC:
		if full && st[d] == kStack {
			if _, isMem := in.Inst.Args[1].(x86asm.Mem); !isMem {
				k = kStack
			}
		}
	case x86asm.XCHG:
		if r, ok := in.Inst.Args[1].(x86asm.Reg); ok {
			if j, ok := regIndex(r); ok {
				st[d], st[j] = st[j], st[d]
				return
			}
		}
	}
	st[d] = k
}

// readOnly reports whether addr is in a section the program cannot write.
func (b *Binary) readOnly(addr uint64) bool {
	s := b.Section(addr)
	return s != nil && s.Flags&0x1 == 0 // SHF_WRITE
}

// typeCache reports whether addr is in a type assertion or type switch
// cache descriptor (pkg..typeAssert.N, pkg..interfaceSwitch.N), which the
// runtime updates atomically and the compiler reads uninstrumented.
func (b *Binary) typeCache(addr uint64) bool {
	name, _ := b.Symbol(addr)
	return strings.Contains(name, "..typeAssert.") || strings.Contains(name, "..interfaceSwitch.")
}
