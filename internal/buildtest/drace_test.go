package buildtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"drace/internal/toolchain"
)

// The built-in detectors in the toolchain are this repository's detectors/,
// file for file: build.sh installs them as runtime/race/detectors/NAME,
// with the module's import paths of the detectors' shared packages
// (drace/detectors/internal/...) rewritten to the GOROOT's.
func TestBuiltinDetectorsInstalled(t *testing.T) {
	src := filepath.Join(repo(t), "detectors")
	dst := filepath.Join(toolchain.GOROOT(repo(t)), "src", "runtime", "race", "detectors")
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
			t.Errorf("%s not installed: %v", rel, err)
			return nil
		}
		if filepath.Ext(path) == ".go" {
			want = bytes.ReplaceAll(want, []byte(`"drace/detectors/`), []byte(`"runtime/race/detectors/`))
		}
		if !bytes.Equal(got, want) {
			t.Errorf("installed %s differs from detectors/%s: run ./build.sh", rel, rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no detector sources found under detectors/")
	}
}

// The built-in detectors' tests pass where users get them: as standard
// library packages of the toolchain (where, for one, their own package
// path starts with runtime/).
func TestBuiltinDetectorsTestsInPlace(t *testing.T) {
	out, err := command(repo(t), patchedGo(t), "test", "-count=1", "runtime/race/detectors/...").CombinedOutput()
	if err != nil {
		t.Errorf("go test runtime/race/detectors/...: %v\n%s", err, out)
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
