package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"drace/internal/disasm"
	"drace/internal/toolchain"
)

// disasmGo returns the patched go command, skipping the test when
// _build/goroot has not been built.
func disasmGo(t *testing.T) string {
	t.Helper()
	root, err := toolchain.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	g, err := toolchain.GoCommand(root)
	if err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	return g
}

// disasmEnv is the environment for building and running test programs:
// nothing inherited may redirect the go command or the race runtime.
func disasmEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOROOT", "GOFLAGS", "GORACE", "GOAMD64", "GOTOOLCHAIN", "GOMAXPROCS", "DRACE_FORMAT", "DRACE_SUPPRESS":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "GOTOOLCHAIN=local", "GOWORK=off"), extra...)
}

// writeModule writes a module named m into a new temporary directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module m\n\ngo 1.26\n"
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func goBuild(t *testing.T, goCmd, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = dir
	cmd.Env = disasmEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// racyTest races on an int32, an int64, a byte and an int16 field of a
// heap object, and reads the int64; each racing line says what explain
// must find there: the access kind and its width in bytes.
const racyTest = `package m

import "testing"

var (
	i32 int32
	i64 int64
	b8  byte
	r64 int64
)

type obj struct {
	pad int64
	h   int16
}

func TestRace(t *testing.T) {
	o := &obj{}
	done := make(chan bool)
	go func() {
		i32 = 1 // want store 4
		i64 = 2 // want store 8
		b8 = 3  // want store 1
		o.h = 4 // want store 2
		done <- true
	}()
	i32 = 5   // want store 4
	r64 = i64 // want load 8
	b8 = 7    // want store 1
	o.h = 8   // want store 2
	<-done
}
`

var wantRE = regexp.MustCompile(`// want (load|store) (\d+)`)

type wantAccess struct {
	verb  string
	bytes int
}

func racyWants(t *testing.T) map[int]wantAccess {
	wants := map[int]wantAccess{}
	sc := bufio.NewScanner(strings.NewReader(racyTest))
	for n := 1; sc.Scan(); n++ {
		if m := wantRE.FindStringSubmatch(sc.Text()); m != nil {
			b, _ := strconv.Atoi(m[2])
			wants[n] = wantAccess{m[1], b}
		}
	}
	return wants
}

// TestExplainRealReports builds the racy test with -race and with
// -drace=fasttrack, runs it, and checks that explain places every access
// of every report in race_test.go on the right line, at a MOV of the
// right width and direction after the right race call, in the text
// reports and, when the runtime writes them, the JSON ones.
func TestExplainRealReports(t *testing.T) {
	goCmd := disasmGo(t)
	dir := writeModule(t, map[string]string{"race_test.go": racyTest})
	wants := racyWants(t)
	for _, c := range []struct{ name, flag, format string }{
		{"tsan", "-race", ""},
		{"fasttrack", "-drace=fasttrack", ""},
		{"fasttrack-json", "-drace=fasttrack", "json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := filepath.Join(dir, c.name+".test")
			if _, err := os.Stat(bin); err != nil {
				goBuild(t, goCmd, dir, "test", "-c", c.flag, "-o", bin)
			}
			cmd := exec.Command(bin, "-test.run=TestRace", "-test.count=1")
			cmd.Dir = dir
			cmd.Env = disasmEnv("DRACE_FORMAT=" + c.format)
			out, _ := cmd.CombinedOutput() // the race fails the test
			if c.format == "json" && !bytes.Contains(out, []byte(`{"detector"`)) {
				t.Skipf("the runtime writes no JSON reports yet:\n%s", out)
			}
			reports, err := disasm.ParseReports(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(reports) == 0 {
				t.Fatalf("no report:\n%s", out)
			}
			b, err := disasm.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			seen := map[int]bool{}
			for _, r := range reports {
				for _, a := range r.Accesses {
					if len(a.Frames) == 0 || filepath.Base(a.Frames[0].File) != "race_test.go" {
						continue
					}
					line := a.Frames[0].Line
					want, ok := wants[line]
					if !ok {
						t.Errorf("report on race_test.go:%d, where no race is wanted", line)
						continue
					}
					seen[line] = true
					pc, err := b.ResolvePC(a.Frames)
					if err != nil {
						t.Errorf("line %d: %v", line, err)
						continue
					}
					e, err := b.Explain(pc)
					if err != nil {
						t.Errorf("line %d: %v", line, err)
						continue
					}
					if e.Call < 0 || e.AccessAt < 0 {
						t.Errorf("line %d: no race call or access found:\n%s", line, e.Describe("  "))
						continue
					}
					acc := e.Insts[e.AccessAt]
					if acc.Line != line || filepath.Base(acc.File) != "race_test.go" {
						t.Errorf("line %d: access at %s:%d:\n%s", line, acc.File, acc.Line, e.Describe("  "))
					}
					if !strings.HasPrefix(acc.Text, "MOV") || e.Access.Bytes != want.bytes || e.Access.Verb() != want.verb {
						t.Errorf("line %d: access %q %s, want a MOV %s of %d bytes:\n%s", line, acc.Text, e.Access.Verb(), want.verb, want.bytes, e.Describe("  "))
					}
					if e.RaceCall.Write != (want.verb == "store") {
						t.Errorf("line %d: race call %s does not announce a %s", line, e.Insts[e.Call].Text, want.verb)
					}
				}
			}
			for line := range wants {
				if !seen[line] {
					t.Errorf("no report access on race_test.go:%d", line)
				}
			}
			// The command's text: one block per access, widths spelled out.
			var buf bytes.Buffer
			if err := explain(&buf, b, "out.txt", reports); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			for _, s := range []string{"32-bit (4 bytes) store", "64-bit (8 bytes) load", "8-bit (1 byte) store", "16-bit (2 bytes) store", "C> ", "A> "} {
				if !strings.Contains(text, s) {
					t.Errorf("explain output lacks %q:\n%s", s, text)
				}
			}
			if t.Failed() {
				t.Logf("explain output:\n%s", text)
			}
		})
	}
}

func TestExplainErrors(t *testing.T) {
	dir := t.TempDir()
	noReports := filepath.Join(dir, "none.txt")
	os.WriteFile(noReports, []byte("PASS\nok\n"), 0o666)
	oneReport := filepath.Join(dir, "one.txt")
	os.WriteFile(oneReport, []byte("==================\nWARNING: DATA RACE\nWrite at 0x1 by goroutine 1:\n  main.nosuch()\n      /x.go:3 +0x10\n==================\n"), 0o666)
	badJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(badJSON, []byte(`{"accesses": [`+"\n"), 0o666)
	self, _ := os.Executable()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "want one REPORT"},
		{[]string{"-nosuchflag", noReports}, "flag provided but not defined"},
		{[]string{filepath.Join(dir, "missing.txt")}, "no such file"},
		{[]string{noReports}, "holds no race report"},
		{[]string{badJSON}, "bad JSON report"},
		{[]string{oneReport}, "no -binary given"},
		{[]string{"-binary", noReports, oneReport}, "not an ELF"},
		{[]string{"-binary", self, oneReport}, "no function main.nosuch"},
	} {
		err := explainCmd(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("explain %q: %v, want one line containing %q", c.args, err, c.want)
		}
	}
}
