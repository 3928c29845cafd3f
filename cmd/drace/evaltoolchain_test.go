package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// toolchainID changes with any file of the parts it hashes, and only
// with those.
func TestToolchainID(t *testing.T) {
	goroot := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		file := filepath.Join(goroot, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("VERSION", "go1.26.8\ntime 2026-01-01\n")
	write("bin/go", "go command")
	write("src/runtime/race/race_linux_amd64.syso", "tsan v1")
	write("src/runtime/race/detectors/fasttrack/fasttrack.go", "package fasttrack")
	id := func() string {
		t.Helper()
		id, err := toolchainID(goroot)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := id()
	if !strings.HasPrefix(first, "go1.26.8 ") || len(first) != len("go1.26.8 ")+12 {
		t.Fatalf("toolchainID = %q, want go1.26.8 and 12 hex digits", first)
	}
	write("src/os/os.go", "package os") // not a part eval depends on as drace changes it
	if got := id(); got != first {
		t.Errorf("a file outside the hashed parts changed the id: %s, was %s", got, first)
	}
	for _, change := range []string{"src/runtime/race/race_linux_amd64.syso", "src/runtime/race/detectors/fasttrack/fasttrack.go", "bin/go"} {
		before := id()
		write(change, "rebuilt")
		if got := id(); got == before {
			t.Errorf("changing %s left the id at %s", change, got)
		}
	}
	if _, err := toolchainID(filepath.Join(goroot, "nosuch")); err == nil {
		t.Error("toolchainID of a missing GOROOT: no error")
	}
}

// A package with a run of another toolchain, or of none recorded, is run
// again in every configuration; the others are kept.
func TestStaleRuns(t *testing.T) {
	configs := []benchConfig{{name: "off"}, {name: "race"}, {name: "race-stock", stock: true}}
	now := map[bool]string{false: "go1.26.8 aaaaaaaaaaaa", true: "go1.26.8 ssssssssssss"}
	pkgs := []evalPackage{{Module: "m", Path: "m/same"}, {Module: "m", Path: "m/rebuilt"}, {Module: "m", Path: "m/old"}, {Module: "m", Path: "m/new"}}
	done := map[evalKey]evalRun{}
	add := func(pkg, config, toolchain string) {
		r := evalRun{Module: "m", Package: pkg, Config: config, Status: evalOK, Toolchain: toolchain}
		done[r.key()] = r
	}
	add("m/same", "off", now[false])
	add("m/same", "race", now[false])
	add("m/same", "race-stock", now[true])
	add("m/rebuilt", "off", now[false])
	add("m/rebuilt", "race", "go1.26.8 bbbbbbbbbbbb")
	add("m/rebuilt", "race-stock", now[true])
	add("m/old", "off", "") // a state file from before the record
	msg := staleRuns(done, pkgs, configs, now)
	want := "-state: 2 packages were measured with another toolchain (go1.26.8 bbbbbbbbbbbb, unrecorded; now go1.26.8 aaaaaaaaaaaa): running them again"
	if msg != want {
		t.Errorf("staleRuns says\n%s\nwant\n%s", msg, want)
	}
	if len(done) != 3 {
		t.Errorf("kept %d runs, want the 3 of m/same: %v", len(done), done)
	}
	for k := range done {
		if k.pkg != "m/same" {
			t.Errorf("kept %v", k)
		}
	}
	if msg := staleRuns(done, pkgs, configs, now); msg != "" {
		t.Errorf("nothing stale, yet staleRuns says %q", msg)
	}
}
