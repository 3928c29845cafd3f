// Package toolchain locates drace's build outputs: the patched GOROOT and the
// race runtimes that build.sh compiled into it.
package toolchain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RepoRoot returns the drace checkout containing dir, found by walking up
// to the directory that holds build.sh and go.mod.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "build.sh")) && isFile(filepath.Join(d, "go.mod")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no drace checkout (build.sh and go.mod) above %s", dir)
		}
	}
}

// GOROOT returns the patched toolchain's root under the checkout at repo.
func GOROOT(repo string) string { return filepath.Join(repo, "_build", "goroot") }

// GoCommand returns the patched go command under the checkout at repo, or an
// error saying to run build.sh when it has not been built.
func GoCommand(repo string) (string, error) {
	goCmd := filepath.Join(GOROOT(repo), "bin", "go")
	if !isFile(goCmd) {
		return "", fmt.Errorf("%s missing: run ./build.sh first", goCmd)
	}
	return goCmd, nil
}

// Provenance returns the lines build.sh appended to runtime/race/README in
// the GOROOT at goroot, one per source-built race runtime.
func Provenance(goroot string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(goroot, "src", "runtime", "race", "README"))
	if err != nil {
		return nil, err
	}
	_, ours, found := strings.Cut(string(data), "\ndrace:")
	if !found {
		return nil, errors.New("runtime/race/README has no drace provenance: the race runtimes are Go's prebuilt ones")
	}
	var lines []string
	for _, line := range strings.Split(ours, "\n")[1:] {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines, nil
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}
