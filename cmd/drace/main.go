// Command drace drives drace's patched Go toolchain.
//
// Usage:
//
//	drace version    print the toolchain and the race runtimes it carries
//	drace bench      time and peak memory of test binaries per configuration
//	drace corpus     run the race corpus under each detector and score it
//	drace gosuite    score detectors on Go's own race tests
//	drace explain    show the instrumentation call and instruction of reported accesses
//	drace audit      list memory accesses no race call covers
//	drace replay     feed a recorded trace (-drace=record) to detectors offline
//	drace stat       summarize a recorded trace
//	drace export     convert a recorded trace to another tool's format
//	drace predict    races (SHB, WCP, SyncP) and blocking bugs a reordering of a recorded trace exposes
//	drace new        write a new detector package, with its test and testdata
//	drace eval       run detectors over real modules' tests and compare them with -race
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"drace/internal/toolchain"
)

const usage = `usage: drace <command> [arguments]

commands:
  version    print the patched toolchain's version and its race runtimes' provenance
  bench      time and peak memory of test binaries (std packages and testdata/bench's
             bench/NAME workloads): uninstrumented, stock -race, patched -race and
             -drace detectors, run interleaved; medians, min–max and ratios to -race
             as a table, -json, or an -svg chart
             [-pkgs=LIST] [-configs=off,race-stock,race,DETECTOR...] [-rounds=N]
             [-run=REGEXP] [-timeout=D] [-json] [-svg=FILE]
  corpus     run testdata/corpus's cases (buggy test and fixed twin) under tsan and
             each detector and print caught/missed/FP/flaky per detector and family;
             predict records each test (-drace=record) and scores drace predict's
             shb, wcp and syncp on the trace
             [-detectors=LIST|all|predict] [-count=N] [-cpu=1,2,4] [-run=REGEXP] [-json]
             [-baseline=FILE] [-update] [-separate] [-timeout=D] [-dir=testdata/corpus]
  gosuite    run Go's own race tests (runtime/race/testdata) under -race and
             detectors and print passed, FP and FN per detector, as gosuite.sh does
             [-drace=LIST] [-race] [-cpu=N]
  explain    for each access of each race report in a file (text or JSON), the
             race call and the machine instruction (width, source line) in the binary
             [-binary=BIN] REPORT
  audit      list the memory accesses of race-instrumented functions that no race
             call covers, with summary counts  [-pkgs=main|all|REGEXP] [-v] BINARY
  replay     feed a trace recorded with -drace=record (DRACE_TRACE) through detectors
             offline and print their reports as online  -detectors=LIST [-partial]
             [-binary=BIN] TRACE
  stat       events per kind, goroutines, addresses, locations, stacks and tests of
             a recorded trace  [-partial] TRACE
  export     write a recorded trace in RAPID's STD format  -format=std [-partial]
             [-locations=FILE] [-binary=BIN] TRACE
  predict    the data races a valid reordering of a recorded trace exposes, even
             when this run's lock hand-offs hid them: shb (sound happens-before,
             every pair real), wcp (weak causal precedence, across critical
             sections) and syncp (sync-preserving: every race a reordering
             keeping each mutex's critical sections in order exposes, each
             real), printed as replay prints reports, "(predict/wcp)"; with
             -algo=...,block also the blocking bugs a reordering exposes (a
             Cond's Wait after its Signal, a WaitGroup's Wait after an Add
             whose Done needs it to return, a receive whose value another
             receiver takes), each with a checked witness
             [-algo=shb,wcp,syncp,block] [-json] [-witness] [-partial] [-binary=BIN] TRACE
  new        write a detector package in a new directory of the current module:
             doc.go, a documented race.Policy, a racetest test and testdata
             [-kind=race|sync|blocking] PATH
  eval       run the tests of modules (module@version from the module cache or
             proxy, directories, or files listing them) uninstrumented, under
             -race and under detectors; per package: reports agreeing with
             -race's (by their locations), reports only a detector gives, time
             and peak memory ratios to -race, tests that fail or time out;
             resumable (-state), sharded (-shard=I/N, then -merge)
             [-configs=race,DETECTOR...|all] [-timeout=D] [-state=FILE]
             [-shard=I/N] [-json] [-svg=FILE] MODULE@VERSION|DIR|LISTFILE...
             -merge [-json] [-svg=FILE] FILE...
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch cmd := os.Args[1]; cmd {
	case "version":
		if len(os.Args) != 2 {
			fatalf("version takes no arguments")
		}
		if err := version(); err != nil {
			fatalf("%v", err)
		}
	case "bench":
		if err := bench(os.Args[2:]); err != nil {
			fatalf("%v", err)
		}
	case "corpus":
		exitFor(corpusCmd(os.Args[2:]))
	case "gosuite":
		exitFor(gosuiteCmd(os.Args[2:]))
	case "explain":
		exitFor(explainCmd(os.Args[2:]))
	case "audit":
		exitFor(auditCmd(os.Args[2:]))
	case "replay":
		exitFor(replayCmd(os.Args[2:]))
	case "stat":
		exitFor(statCmd(os.Args[2:]))
	case "export":
		exitFor(exportCmd(os.Args[2:]))
	case "predict":
		exitFor(predictCmd(os.Args[2:]))
	case "new":
		exitFor(newCmd(os.Args[2:], os.Stdout))
	case "eval":
		exitFor(evalCmd(os.Args[2:], os.Stdout))
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
	default:
		fatalf("unknown command %q (run 'drace help')", cmd)
	}
}

// buildGOROOT returns the toolchain this drace was built beside: the
// binary lives in _build/bin and the toolchain in _build/goroot.
func buildGOROOT() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(filepath.Dir(exe)), "goroot"), nil
}

// patchedGo returns the patched go command beside this drace.
func patchedGo() (string, error) {
	goroot, err := buildGOROOT()
	if err != nil {
		return "", err
	}
	goCmd := filepath.Join(goroot, "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		return "", fmt.Errorf("no patched toolchain beside drace: %v", err)
	}
	return goCmd, nil
}

func version() error {
	goroot, err := buildGOROOT()
	if err != nil {
		return err
	}
	out, err := exec.Command(filepath.Join(goroot, "bin", "go"), "version").Output()
	if err != nil {
		return fmt.Errorf("no patched toolchain at %s: %v", goroot, err)
	}
	fmt.Printf("drace toolchain: %s", out)
	lines, err := toolchain.Provenance(goroot)
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Println("race runtime:", strings.TrimSpace(l))
	}
	return nil
}

// exitFor exits for a command's error: 1 for a run worse than its
// baseline (already explained), 2 for anything else.
func exitFor(err error) {
	switch {
	case err == nil:
	case errors.Is(err, errRegressed):
		os.Exit(1)
	default:
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "drace: "+format+"\n", args...)
	os.Exit(2)
}
