package buildtest

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"drace/internal/toolchain"
)

// The two linux/amd64 race runtimes Go 1.26 selects between by GOAMD64.
var variants = []struct{ dir, goamd64 string }{
	{"amd64v1", "v1"},
	{"amd64v3", "v3"},
}

const provenancePrefix = "built with LLVM 19.1.7 (Debian llvm-toolchain-19 "

func sysoPath(goroot, variant string) string {
	return filepath.Join(goroot, "src", "runtime", "race", "internal", variant, "race_linux.syso")
}

// stockSyso returns the runtime Go 1.26.8 ships, from the pristine commit
// build.sh makes before it patches and installs anything.
func stockSyso(t *testing.T, goroot, variant string) []byte {
	t.Helper()
	out, err := command(goroot, "git", "show", "pristine:src/runtime/race/internal/"+variant+"/race_linux.syso").Output()
	if err != nil {
		t.Fatalf("git show pristine syso: %v", err)
	}
	return out
}

// openSyso opens a race runtime object and reads its symbols; the file is
// closed when the test ends.
func openSyso(t *testing.T, name string) (*elf.File, []elf.Symbol) {
	t.Helper()
	f, err := elf.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	return f, syms
}

// sysoProvenance returns the record compiled into a race runtime object.
func sysoProvenance(t *testing.T, name string) string {
	t.Helper()
	f, syms := openSyso(t, name)
	for _, s := range syms {
		if s.Name != "__tsan_go_provenance" {
			continue
		}
		sec := f.Sections[s.Section]
		data, err := sec.Data()
		if err != nil {
			t.Fatal(err)
		}
		rec := data[s.Value : s.Value+s.Size]
		return string(bytes.TrimRight(rec, "\x00"))
	}
	t.Fatalf("%s has no __tsan_go_provenance symbol: not a drace-built runtime", name)
	return ""
}

func TestInstalledRuntimesAreSourceBuilt(t *testing.T) {
	goroot := toolchain.GOROOT(repo(t))
	for _, v := range variants {
		t.Run(v.dir, func(t *testing.T) {
			installed, err := os.ReadFile(sysoPath(goroot, v.dir))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(installed, stockSyso(t, goroot, v.dir)) {
				t.Fatalf("%s is Go 1.26.8's prebuilt runtime, not the one build.sh compiled", sysoPath(goroot, v.dir))
			}
			prov := sysoProvenance(t, sysoPath(goroot, v.dir))
			want := "internal/" + v.dir + "/race_linux.syso " + provenancePrefix
			if !strings.HasPrefix(prov, want) || !strings.Contains(prov, "and Go go1.26.8") {
				t.Errorf("provenance = %q, want it to start %q and name Go go1.26.8", prov, want)
			}
			// The README records the same line, as Go records its prebuilt runtimes.
			lines, err := toolchain.Provenance(goroot)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(lines, prov) {
				t.Errorf("runtime/race/README lacks %q; has %q", prov, lines)
			}
		})
	}
}

// goRuntimeImports returns the __tsan_* functions runtime/race.go declares.
func goRuntimeImports(t *testing.T, goroot string) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(goroot, "src", "runtime", "race.go"))
	if err != nil {
		t.Fatal(err)
	}
	var syms []string
	for _, m := range regexp.MustCompile(`(?m)^//go:cgo_import_static (__tsan_\w+)$`).FindAllSubmatch(src, -1) {
		syms = append(syms, string(m[1]))
	}
	if len(syms) < 30 {
		t.Fatalf("found only %d cgo_import_static __tsan_* lines in runtime/race.go", len(syms))
	}
	sort.Strings(syms)
	return syms
}

func TestRuntimesDefineWhatGoImports(t *testing.T) {
	goroot := toolchain.GOROOT(repo(t))
	want := goRuntimeImports(t, goroot)
	for _, v := range variants {
		t.Run(v.dir, func(t *testing.T) {
			_, syms := openSyso(t, sysoPath(goroot, v.dir))
			defined := map[string]bool{}
			for _, s := range syms {
				if s.Section != elf.SHN_UNDEF && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
					defined[s.Name] = true
				}
			}
			var got []string
			for _, name := range want {
				if defined[name] {
					got = append(got, name)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("__tsan_* functions the runtime imports (-imported +defined):\n%s", diff)
			}
		})
	}
}

// A race binary built by the patched toolchain links our runtime: the
// provenance record is in the binary for both GOAMD64 levels, and the v1
// runtime (which any amd64 machine runs) prints it at GORACE=verbosity=1.
// With Go's prebuilt runtime linked instead, both checks fail.
func TestRaceBinaryLinksSourceBuiltRuntime(t *testing.T) {
	goCmd := patchedGo(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module hello\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() { println(\"hello\") }\n")
	for _, v := range variants {
		t.Run(v.dir, func(t *testing.T) {
			bin := filepath.Join(dir, "hello-"+v.goamd64)
			build := command(dir, goCmd, "build", "-race", "-o", bin, ".")
			build.Env = append(build.Env, "GOAMD64="+v.goamd64)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build -race: %v\n%s", err, out)
			}
			data, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			want := "internal/" + v.dir + "/race_linux.syso " + provenancePrefix
			if !bytes.Contains(data, []byte(want)) {
				t.Fatalf("binary built with GOAMD64=%s does not contain %q: it links another race runtime", v.goamd64, want)
			}
			if v.goamd64 != "v1" {
				return // may not run on this CPU; the bytes above are the check
			}
			run := command(dir, bin)
			run.Env = append(run.Env, "GORACE=verbosity=1")
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", bin, err, out)
			}
			if !strings.Contains(string(out), "ThreadSanitizer for Go: "+want) {
				t.Errorf("GORACE=verbosity=1 output lacks the runtime's provenance:\n%s", out)
			}
		})
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}
