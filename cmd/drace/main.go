// Command drace drives drace's patched Go toolchain.
//
// Usage:
//
//	drace version    print the toolchain and the race runtimes it carries
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"drace/internal/toolchain"
)

const usage = `usage: drace <command>

commands:
  version    print the patched toolchain's version and its race runtimes' provenance
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
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
	default:
		fatalf("unknown command %q (run 'drace help')", cmd)
	}
}

// version reports on the toolchain this drace was built beside: the binary
// lives in _build/bin and the toolchain in _build/goroot.
func version() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	goroot := filepath.Join(filepath.Dir(filepath.Dir(exe)), "goroot")
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

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "drace: "+format+"\n", args...)
	os.Exit(2)
}
