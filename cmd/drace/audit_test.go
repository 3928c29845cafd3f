package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"drace/internal/disasm"
)

// auditProg exercises globals, heap structs through pointers, slices,
// maps, closures capturing by reference, interfaces and method calls.
const auditProg = `package main

import "fmt"

type point struct{ x, y int }

type shape interface{ area() int }

type rect struct{ p, q point }

func (r *rect) area() int { return (r.q.x - r.p.x) * (r.q.y - r.p.y) }

var (
	total  int
	hits   [16]int32
	names  = map[int]string{}
	shapes []shape
)

//go:noinline
func grow(ps []*point, n int) []*point {
	for i := 0; i < n; i++ {
		ps = append(ps, &point{i, i * 2})
	}
	return ps
}

//go:noinline
func sum(ps []*point) int {
	s := 0
	for _, p := range ps {
		s += p.x + p.y
		hits[p.x%16]++
	}
	return s
}

//go:noinline
func apply(f func(int), n int) { f(n) }

func main() {
	ps := grow(nil, 10)
	count := 0
	add := func(n int) { count += n; total += n }
	apply(add, 1)
	done := make(chan bool)
	go func() { count++; hits[2] = int32(count); done <- true }()
	<-done
	add(sum(ps))
	for i, p := range ps {
		names[i] = fmt.Sprint(p.x)
		shapes = append(shapes, &rect{point{0, 0}, *p})
	}
	for _, s := range shapes {
		add(s.area())
	}
	ps[3].y = 99
	fmt.Println(total, count, len(names), hits[1])
}
`

// TestAudit builds a simple program with -race, -drace=fasttrack and
// without instrumentation: the instrumented builds must have almost every
// memory access of package main covered by a race call, the plain build
// almost none.
func TestAudit(t *testing.T) {
	goCmd := disasmGo(t)
	dir := writeModule(t, map[string]string{"main.go": auditProg})
	for _, c := range []struct {
		name  string
		flags []string
		race  bool
	}{
		{"race", []string{"-race"}, true},
		{"fasttrack", []string{"-drace=fasttrack"}, true},
		{"plain", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := filepath.Join(dir, c.name)
			goBuild(t, goCmd, dir, append(append([]string{"build"}, c.flags...), "-o", bin, ".")...)
			b, err := disasm.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			keep, err := pkgFilter("main", b.MainModule)
			if err != nil {
				t.Fatal(err)
			}
			s, err := audit(b, keep)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			s.write(&out, true, 0)
			t.Logf("%s", out.String())
			if len(s.funcs) < 5 || s.accesses < 30 {
				t.Fatalf("audited %d functions, %d accesses: too few for package main", len(s.funcs), s.accesses)
			}
			un := len(s.uncovered)
			if c.race {
				if s.raceCalls == 0 || un > s.accesses/50 {
					t.Errorf("-race build: %d of %d accesses not instrumented (race calls %d), want ~0", un, s.accesses, s.raceCalls)
				}
			} else if s.raceCalls != 0 || un < s.accesses*9/10 {
				t.Errorf("uninstrumented build: %d of %d accesses not instrumented (race calls %d), want nearly all", un, s.accesses, s.raceCalls)
			}
			for _, fa := range s.funcs {
				if !strings.HasPrefix(fa.Func.Name, "main.") {
					t.Errorf("audited %s, not in package main", fa.Func.Name)
				}
			}
		})
	}
}

func TestAuditErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text")
	os.WriteFile(text, []byte("not a binary\n"), 0o666)
	self, _ := os.Executable()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "want one BINARY"},
		{[]string{filepath.Join(dir, "missing")}, "no such file"},
		{[]string{text}, "not an ELF"},
		{[]string{"-pkgs=(", self}, "bad -pkgs regexp"},
		{[]string{"-pkgs=^nosuchpkg$", self}, "no race-instrumentable function"},
	} {
		err := auditCmd(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("audit %q: %v, want one line containing %q", c.args, err, c.want)
		}
	}
}
