package disasm

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

const textReports = `=== RUN   TestRace
==================
WARNING: DATA RACE (fasttrack)
Write at 0x00000083a950 by goroutine 7:
  ex.TestRace.func2()
      /tmp/ex/race_test.go:27 +0x74

Previous write at 0x00000083a950 by goroutine 6:
  ex.helper[...]()
      /tmp/ex/helper.go:5 +0x1a
  ex.TestRace.func1()
      /tmp/ex/race_test.go:21 +0x1a

Goroutine 7 (finished) created at:
  ex.TestRace()
      /tmp/ex/race_test.go:25 +0x124
==================
==================
WARNING: DATA RACE
Read at 0x00c000012345 by main goroutine:
  main.main()
      /src/main.go:10 +0x2f

Previous write at 0x00c000012345 by goroutine 8:
  main.main.func1()
      /src/main.go:7 +0x3b

Goroutine 8 (running) created at:
  main.main()
      /src/main.go:6 +0x4a
==================
{"detector":"fasttrack","kind":"DATA RACE","message":"","test":"TestX","key":"9f0c1d2e3a4b5c6d","accesses":[{"verb":"Write","previous":false,"write":true,"atomic":false,"addr":"0xc000012345","size":4,"goroutine":7,"note":"","stack":[{"func":"main.main.func1","file":"/src/main.go","line":10,"pc":"0x4a1b2c"},{"func":"main.run","file":"/src/main.go","line":20,"pc":"0x4a1c00"}]},{"verb":"Previous read","previous":true,"write":false,"atomic":false,"addr":"0xc000012345","size":4,"goroutine":1,"stack":[{"func":"main.main","file":"/src/main.go","line":12,"pc":"0x4a1d00"}]}],"goroutines":[]}
--- FAIL: TestRace (0.00s)
`

func TestParseReports(t *testing.T) {
	rs, err := ParseReports([]byte(textReports))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("got %d reports, want 3", len(rs))
	}
	ft, ts, js := rs[0], rs[1], rs[2]
	if ft.Detector != "fasttrack" || ft.Kind != "DATA RACE" || ft.Line != 3 || len(ft.Accesses) != 2 {
		t.Errorf("fasttrack report = %+v", ft)
	}
	if f := ft.Accesses[0].Frames[0]; f.Func != "ex.TestRace.func2" || f.File != "/tmp/ex/race_test.go" || f.Line != 27 || f.Off != 0x74 || f.PC != 0 {
		t.Errorf("frame = %+v", f)
	}
	if fs := ft.Accesses[1].Frames; len(fs) != 2 || fs[0].Func != "ex.helper[...]" || fs[1].Off != 0x1a {
		t.Errorf("previous frames = %+v", fs)
	}
	if ts.Detector != "tsan" || len(ts.Accesses) != 2 || ts.Accesses[0].Title != "Read at 0x00c000012345 by main goroutine:" {
		t.Errorf("tsan report = %+v", ts)
	}
	if js.Detector != "fasttrack" || js.Line != 32 || len(js.Accesses) != 2 {
		t.Fatalf("json report = %+v", js)
	}
	if f := js.Accesses[0].Frames[0]; f.PC != 0x4a1b2c || f.Off != -1 || f.Line != 10 {
		t.Errorf("json frame = %+v", f)
	}
	if got := js.Accesses[1].Title; got != "Previous read at 0xc000012345 by goroutine 1 (size 4):" {
		t.Errorf("json title = %q", got)
	}
}

func TestParseReportsBadJSON(t *testing.T) {
	_, err := ParseReports([]byte("ok\n{\"accesses\": [\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want a bad JSON error on line 2", err)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ name, pkg, elided string }{
		{"ex.TestRace.func2", "ex", "ex.TestRace.func2"},
		{"github.com/a/b.(*T).M", "github.com/a/b", "github.com/a/b.(*T).M"},
		{"slices.Sort[go.shape.[]int,go.shape.int]", "slices", "slices.Sort[...]"},
		{"type:.eq.ex.S", "", "type:.eq.ex.S"},
	} {
		if got := PackageOf(c.name); got != c.pkg {
			t.Errorf("PackageOf(%q) = %q, want %q", c.name, got, c.pkg)
		}
		if got := elideTypeArgs(c.name); got != c.elided {
			t.Errorf("elideTypeArgs(%q) = %q, want %q", c.name, got, c.elided)
		}
	}
	for p, want := range map[string]bool{"runtime": true, "internal/runtime/maps": true, "sync": true,
		"sync/atomic": true, "runtime/race/detectors/fasttrack": true, "runtime/pprof": false,
		"internal/poll": false, "main": false} {
		if got := noInstrumentPkg(p); got != want {
			t.Errorf("noInstrumentPkg(%q) = %v, want %v", p, got, want)
		}
	}
}

// decode makes an Inst from machine code bytes.
func decode(t *testing.T, code ...byte) *Inst {
	t.Helper()
	d, err := x86asm.Decode(code, 64)
	if err != nil {
		t.Fatal(err)
	}
	return &Inst{PC: 0x1000, Inst: d, Text: x86asm.GoSyntax(d, 0x1000, nil)}
}

func TestMemAccess(t *testing.T) {
	for _, c := range []struct {
		code  []byte
		bytes int
		verb  string
	}{
		{[]byte{0xc7, 0x00, 0x04, 0, 0, 0}, 4, "store"},         // MOVL $4, (AX)
		{[]byte{0x48, 0x89, 0x08}, 8, "store"},                  // MOVQ CX, (AX)
		{[]byte{0xc6, 0x00, 0x06}, 1, "store"},                  // MOVB $6, (AX)
		{[]byte{0x66, 0x89, 0x08}, 2, "store"},                  // MOVW CX, (AX)
		{[]byte{0x48, 0x8b, 0x08}, 8, "load"},                   // MOVQ (AX), CX
		{[]byte{0x0f, 0xb6, 0x08}, 1, "load"},                   // MOVZX (AX), CX
		{[]byte{0x48, 0xff, 0x00}, 8, "load+store"},             // INCQ (AX)
		{[]byte{0x83, 0x38, 0x00}, 4, "load"},                   // CMPL (AX), $0
		{[]byte{0x44, 0x0f, 0x11, 0x38}, 16, "store"},           // MOVUPS X15, (AX)
		{[]byte{0xf0, 0x48, 0x0f, 0xb1, 0x0a}, 8, "load+store"}, // LOCK CMPXCHGQ CX, (DX)
	} {
		in := decode(t, c.code...)
		a, ok := MemAccess(in)
		if !ok || a.Bytes != c.bytes || a.Verb() != c.verb {
			t.Errorf("%s: access %v %+v (%s), want %d bytes %s", in.Text, ok, a, a.Verb(), c.bytes, c.verb)
		}
	}
	for _, code := range [][]byte{
		{0x48, 0x8d, 0x04, 0x24}, // LEAQ (SP), AX
		{0x0f, 0x1f, 0x00},       // NOPL (AX)
		{0x48, 0x89, 0xc8},       // MOVQ CX, AX
	} {
		if in := decode(t, code...); func() bool { _, ok := MemAccess(in); return ok }() {
			t.Errorf("%s: counted as a memory access", in.Text)
		}
	}
}

func TestWidthText(t *testing.T) {
	for n, want := range map[int]string{1: "8-bit (1 byte)", 4: "32-bit (4 bytes)", 8: "64-bit (8 bytes)"} {
		if got := (Access{Bytes: n}).Width(); got != want {
			t.Errorf("Width(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDominators(t *testing.T) {
	// 0 -> 1, 2; 1 -> 3; 2 -> 3; 3 -> 1 (loop); 4 has no predecessor
	// (a jump table case), 4 -> 3.
	bs := []block{{succs: []int{1, 2}}, {succs: []int{3}}, {succs: []int{3}}, {succs: []int{1}}, {succs: []int{3}}}
	for i, b := range bs {
		for _, s := range b.succs {
			bs[s].preds = append(bs[s].preds, i)
		}
	}
	got := dominators(bs)
	want := []int{-1, -1, 0, -1, -1}
	// 1 is reached from 0 and from 3 (which 4 reaches too): only the
	// virtual root dominates it; 3 likewise.
	if !slices.Equal(got, want) {
		t.Errorf("idom = %v, want %v", got, want)
	}
	bs = bs[:4]
	for i := range bs {
		bs[i].preds = nil
	}
	for i, b := range bs {
		for _, s := range b.succs {
			bs[s].preds = append(bs[s].preds, i)
		}
	}
	if got, want := dominators(bs), []int{-1, 0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("idom without the jump table = %v, want %v", got, want)
	}
}

func TestOpenBadFiles(t *testing.T) {
	if _, err := Open("/nonexistent/binary"); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open(missing) = %v, want a one-line error", err)
	}
	f := t.TempDir() + "/notelf"
	if err := os.WriteFile(f, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(f); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("Open(script) = %v, want 'not an ELF'", err)
	}
}
