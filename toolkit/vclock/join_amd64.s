// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

#include "textflag.h"

// func joinVec(d, w *uint32, n int)
//
// d[i] = max(d[i], w[i]) for i < n, n a multiple of 8, eight entries at a
// time in SSE2 (in every amd64): PCMPGTL compares signed, so both sides
// are biased by 1<<31 for the unsigned order, and the mask picks each
// lane's maximum.
TEXT ·joinVec(SB), NOSPLIT, $0-24
	MOVQ	d+0(FP), DI
	MOVQ	w+8(FP), SI
	MOVQ	n+16(FP), CX
	MOVL	$0x80000000, AX
	MOVQ	AX, X7
	PSHUFL	$0, X7, X7
	SHRQ	$3, CX
	JZ	done
loop:
	MOVOU	(DI), X0
	MOVOU	(SI), X1
	MOVOU	16(DI), X4
	MOVOU	16(SI), X5
	MOVO	X0, X2
	MOVO	X1, X3
	PXOR	X7, X2
	PXOR	X7, X3
	PCMPGTL	X3, X2 // X2 = d > w, lane by lane
	PAND	X2, X0
	PANDN	X1, X2 // X2 = w where not d > w
	POR	X2, X0
	MOVO	X4, X2
	MOVO	X5, X3
	PXOR	X7, X2
	PXOR	X7, X3
	PCMPGTL	X3, X2
	PAND	X2, X4
	PANDN	X5, X2
	POR	X2, X4
	MOVOU	X0, (DI)
	MOVOU	X4, 16(DI)
	ADDQ	$32, DI
	ADDQ	$32, SI
	DECQ	CX
	JNZ	loop
done:
	RET

// func joinVec41(d, w *uint32, n int)
//
// joinVec with SSE4.1's PMAXUD, the unsigned maximum of four lanes, where
// the processor has it (hasSSE41).
TEXT ·joinVec41(SB), NOSPLIT, $0-24
	MOVQ	d+0(FP), DI
	MOVQ	w+8(FP), SI
	MOVQ	n+16(FP), CX
	SHRQ	$3, CX
	JZ	done41
loop41:
	MOVOU	(DI), X0
	MOVOU	16(DI), X1
	MOVOU	(SI), X2
	MOVOU	16(SI), X3
	PMAXUD	X2, X0
	PMAXUD	X3, X1
	MOVOU	X0, (DI)
	MOVOU	X1, 16(DI)
	ADDQ	$32, DI
	ADDQ	$32, SI
	DECQ	CX
	JNZ	loop41
done41:
	RET

// func hasSSE41() bool
//
// CPUID leaf 1: ECX bit 19 is SSE4.1.
TEXT ·hasSSE41(SB), NOSPLIT, $0-1
	MOVL	$1, AX
	XORL	CX, CX
	CPUID
	SHRL	$19, CX
	ANDL	$1, CX
	MOVB	CX, ret+0(FP)
	RET
