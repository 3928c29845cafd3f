package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"drace/internal/disasm"
)

const explainUsage = `usage: drace explain [-binary BIN] REPORT

Explain each access of each race report in REPORT (DRACE_FORMAT=json lines,
or the text blocks of drace detectors and of ThreadSanitizer's -race, mixed
with any other output): the race instrumentation call at the reported PC
and the machine instruction that makes the access, with its width and
source line. BIN is the binary that printed the reports (keep a test's with
'go test -c -drace=fasttrack -o BIN'); without -binary, the path named by a
"binary:" line of REPORT, else REPORT with its extension replaced by .test.
`

func explainCmd(args []string) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bin := fs.String("binary", "", "the binary that printed the reports")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Print(explainUsage)
			return nil
		}
		return fmt.Errorf("explain: %v (usage: drace explain [-binary BIN] REPORT)", err)
	}
	if fs.NArg() != 1 {
		return errors.New("explain: want one REPORT file (usage: drace explain [-binary BIN] REPORT)")
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("explain: %v", err)
	}
	reports, err := disasm.ParseReports(data)
	if err != nil {
		return fmt.Errorf("explain: %s: %v", name, err)
	}
	if len(reports) == 0 {
		return fmt.Errorf("explain: %s holds no race report", name)
	}
	if *bin == "" {
		*bin = defaultBinary(name, data)
		if *bin == "" {
			return fmt.Errorf("explain: no -binary given and no binary for %s found", name)
		}
	}
	b, err := disasm.Open(*bin)
	if err != nil {
		return fmt.Errorf("explain: %v", err)
	}
	defer b.Close()
	return explain(os.Stdout, b, name, reports)
}

// defaultBinary guesses the binary a report file came from: a
// "binary: PATH" line in it, or the file's name with .test in place of
// its extension.
func defaultBinary(name string, data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "binary: "); ok {
			return strings.TrimSpace(p)
		}
	}
	base := strings.TrimSuffix(name, "."+lastExt(name))
	if cand := base + ".test"; cand != name {
		if fi, err := os.Stat(cand); err == nil && fi.Mode().IsRegular() {
			return cand
		}
	}
	return ""
}

func lastExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > strings.LastIndexByte(name, '/') {
		return name[i+1:]
	}
	return ""
}

// explain writes one block per access of each report. An access that
// cannot be placed in the binary says why in its block; if none can, the
// binary is the wrong one and that is an error.
func explain(w io.Writer, b *disasm.Binary, name string, reports []*disasm.Report) error {
	placed, total := 0, 0
	var firstErr error
	for ri, r := range reports {
		fmt.Fprintf(w, "report %d: %s (%s), %s:%d\n", ri+1, r.Kind, r.Detector, name, r.Line)
		if len(r.Accesses) == 0 {
			fmt.Fprintf(w, "  no memory access in this report\n\n")
		}
		for ai, a := range r.Accesses {
			total++
			fmt.Fprintf(w, "  access %d: %s\n", ai+1, a.Title)
			if len(a.Frames) > 0 {
				fmt.Fprintf(w, "    frame:       %s\n", a.Frames[0])
			}
			pc, err := b.ResolvePC(a.Frames)
			if err == nil {
				var e *disasm.Explanation
				if e, err = b.Explain(pc); err == nil {
					placed++
					fmt.Fprintln(w, e.Describe("    "))
					fmt.Fprintln(w)
					continue
				}
			}
			if firstErr == nil {
				firstErr = err
			}
			fmt.Fprintf(w, "    error:       %v\n\n", err)
		}
	}
	if total > 0 && placed == 0 {
		return fmt.Errorf("explain: no access of %s found in %s: %v", name, b.Path, firstErr)
	}
	return nil
}
