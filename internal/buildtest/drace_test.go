package buildtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"drace/internal/toolchain"
)

// The built-in detectors and the toolkit in the toolchain are this
// repository's detectors/ and toolkit/, file for file: build.sh installs
// them as runtime/race/detectors/NAME and runtime/race/toolkit/..., with
// the module's import paths of their packages (drace/detectors/...,
// drace/toolkit/...) rewritten to the GOROOT's.
func TestBuiltinDetectorsInstalled(t *testing.T) {
	for _, tree := range []struct{ src, dst string }{
		{"detectors", "detectors"},
		{"toolkit", "toolkit"},
	} {
		src := filepath.Join(repo(t), tree.src)
		dst := filepath.Join(toolchain.GOROOT(repo(t)), "src", "runtime", "race", tree.dst)
		n := 0
		err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Dir(path) == src {
				return err // files directly in detectors/ are not packages
			}
			rel, _ := filepath.Rel(src, path)
			want, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			got, err := os.ReadFile(filepath.Join(dst, rel))
			if err != nil {
				t.Errorf("%s/%s not installed: %v", tree.src, rel, err)
				return nil
			}
			if filepath.Ext(path) == ".go" {
				want = bytes.ReplaceAll(want, []byte(`"drace/detectors/`), []byte(`"runtime/race/detectors/`))
				want = bytes.ReplaceAll(want, []byte(`"drace/toolkit/`), []byte(`"runtime/race/toolkit/`))
			}
			if !bytes.Equal(got, want) {
				t.Errorf("installed %s/%s differs from the repository's: run ./build.sh", tree.src, rel)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("no sources found under %s/", tree.src)
		}
	}
}

// The built-in detectors' and the toolkit's tests pass where users get
// them: as standard library packages of the toolchain (where, for one,
// their own package path starts with runtime/).
func TestBuiltinDetectorsTestsInPlace(t *testing.T) {
	out, err := command(repo(t), patchedGo(t), "test", "-count=1", "runtime/race/detectors/...", "runtime/race/toolkit/...").CombinedOutput()
	if err != nil {
		t.Errorf("go test runtime/race/detectors/... runtime/race/toolkit/...: %v\n%s", err, out)
	}
}

// TestCmdGoDraceScripts runs cmd/go's script tests for -drace, on the
// patched toolchain's own sources.
func TestCmdGoDraceScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/go's test binary (minutes)")
	}
	cmd := command(t.TempDir(), patchedGo(t), "test", "-count=1", "-run=TestScript/.*drace", "cmd/go")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ok  \tcmd/go")) {
		t.Fatalf("go test cmd/go -run=TestScript/.*drace: %v\n%s", err, tail(out, 60))
	}
}

// TestAtomicsWithoutThreadSanitizer runs sync/atomic's own tests, which
// check every operation's result, under -drace=null: with -drace alone
// the runtime performs sync/atomic operations itself rather than through
// ThreadSanitizer (draceAtomicNative).
func TestAtomicsWithoutThreadSanitizer(t *testing.T) {
	out, err := command(t.TempDir(), patchedGo(t), "test", "-short", "-count=1", "-drace=null", "sync/atomic").CombinedOutput()
	if err != nil {
		t.Fatalf("go test -drace=null sync/atomic: %v\n%s", err, tail(out, 40))
	}
}
