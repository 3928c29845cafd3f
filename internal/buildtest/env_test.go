package buildtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"drace/internal/toolchain"
)

// repo returns the drace checkout these tests run in.
func repo(t *testing.T) string {
	t.Helper()
	root, err := toolchain.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// patchedGo returns _build/goroot/bin/go, failing the test when build.sh has
// not produced it.
func patchedGo(t *testing.T) string {
	t.Helper()
	goCmd, err := toolchain.GoCommand(repo(t))
	if err != nil {
		t.Fatal(err)
	}
	return goCmd
}

// command runs name with a clean Go environment: nothing inherited may point
// the patched go at another toolchain or add flags behind the test's back,
// and "go" on PATH is the machine's own, not the GOROOT/bin that go test
// puts first when the tests run under the patched go.
func command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOROOT", "GOFLAGS", "GORACE", "GOAMD64", "GOTOOLCHAIN", "GOMAXPROCS":
			continue
		case "PATH":
			kv = "PATH=" + machinePath(v)
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "GOTOOLCHAIN=local")
	return cmd
}

// machinePath is PATH without the bin directories of drace toolchains.
func machinePath(path string) string {
	var keep []string
	for _, dir := range filepath.SplitList(path) {
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "src", "runtime", "race", "detector.go")); err == nil {
			continue // a GOROOT/bin whose runtime/race has the detector API
		}
		keep = append(keep, dir)
	}
	return strings.Join(keep, string(filepath.ListSeparator))
}

// tail returns the last n lines of out, where a failure's cause usually is.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
