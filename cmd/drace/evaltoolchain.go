package main

// drace eval: which toolchain measured a run. A run in the state file is
// reused only if the toolchain that would run it now is the one that did:
// a rebuilt runtime, race runtime, detector or compiler changes both the
// reports and the ratios, and ratios that mix toolchains compare nothing.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// toolchainParts are the parts of a GOROOT, relative to it, whose contents
// identify the toolchain as eval uses it: the go command, compiler and
// linker, and the sources drace's patches change, compiled into every test
// binary (the race runtimes' .syso, their provenance and the built-in
// detectors are under src/runtime/race).
var toolchainParts = []string{
	"VERSION",
	"bin/go",
	"pkg/tool/" + runtime.GOOS + "_" + runtime.GOARCH + "/compile",
	"pkg/tool/" + runtime.GOOS + "_" + runtime.GOARCH + "/link",
	"src/internal/race",
	"src/runtime",
	"src/sync",
	"src/testing",
}

// toolchainID names the toolchain at goroot: its Go version and a hash of
// toolchainParts, e.g. "go1.26.8 3f09c1d2a4b5".
func toolchainID(goroot string) (string, error) {
	if _, err := os.Stat(filepath.Join(goroot, "bin", "go")); err != nil {
		return "", fmt.Errorf("no toolchain: %v", err)
	}
	h := sha256.New()
	for _, part := range toolchainParts {
		root := filepath.Join(goroot, filepath.FromSlash(part))
		if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(h, "absent %s\x00", part) // adding it changes the id
			continue
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, _ := filepath.Rel(goroot, path)
			fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(h, f)
			return err
		})
		if err != nil {
			return "", fmt.Errorf("the toolchain at %s: %v", goroot, err)
		}
	}
	version, _ := os.ReadFile(filepath.Join(goroot, "VERSION"))
	v, _, _ := strings.Cut(string(version), "\n")
	if v = strings.TrimSpace(v); v == "" {
		v = "devel"
	}
	return v + " " + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// staleRuns removes from done the runs of the packages in pkgs that a
// toolchain other than the one of their configuration measured (or no
// recorded one: a state file older than the record), all of a package's
// configurations at once, since its ratios compare them. It returns a
// line that says so, "" if there were none.
func staleRuns(done map[evalKey]evalRun, pkgs []evalPackage, configs []benchConfig, toolchains map[bool]string) string {
	var stale, was []string
	for _, p := range pkgs {
		other := ""
		for _, c := range configs {
			if r, ok := done[evalKey{p.Module, p.Path, c.name}]; ok && r.Toolchain != toolchains[c.stock] {
				other = cmp.Or(r.Toolchain, "unrecorded")
			}
		}
		if other == "" {
			continue
		}
		for _, c := range configs {
			delete(done, evalKey{p.Module, p.Path, c.name})
		}
		stale = append(stale, p.Path)
		if !slices.Contains(was, other) {
			was = append(was, other)
		}
	}
	if len(stale) == 0 {
		return ""
	}
	what := fmt.Sprintf("%d packages were", len(stale))
	if len(stale) == 1 {
		what = "1 package was"
	}
	return fmt.Sprintf("-state: %s measured with another toolchain (%s; now %s): running them again",
		what, strings.Join(was, ", "), toolchains[false])
}
