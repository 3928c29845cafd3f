package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"drace/internal/disasm"
)

const auditUsage = `usage: drace audit [-pkgs=main|all|REGEXP] [-v] [-max=N] BINARY

List the memory accesses of BINARY's race-instrumented functions that no
race call covers (see internal/disasm's Audit for the rule and for what the
compiler legitimately leaves uninstrumented), then summary counts.
-pkgs chooses the functions: "main" (default) the packages of the binary's
main module and package main, "all" every package the compiler
instruments (std included), or a regexp on package paths. -v also prints
per-function counts; -max caps the accesses listed (0: no cap).
`

func auditCmd(args []string) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pkgs := fs.String("pkgs", "main", "")
	verbose := fs.Bool("v", false, "")
	maxList := fs.Int("max", 200, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Print(auditUsage)
			return nil
		}
		return fmt.Errorf("audit: %v (usage: drace audit [-pkgs=main|all|REGEXP] [-v] [-max=N] BINARY)", err)
	}
	if fs.NArg() != 1 {
		return errors.New("audit: want one BINARY (usage: drace audit [-pkgs=main|all|REGEXP] [-v] [-max=N] BINARY)")
	}
	b, err := disasm.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("audit: %v", err)
	}
	defer b.Close()
	keep, err := pkgFilter(*pkgs, b.MainModule)
	if err != nil {
		return fmt.Errorf("audit: %v", err)
	}
	s, err := audit(b, keep)
	if err != nil {
		return fmt.Errorf("audit: %v", err)
	}
	s.write(os.Stdout, *verbose, *maxList)
	return nil
}

// pkgFilter turns -pkgs into a predicate on package paths.
func pkgFilter(spec, mainModule string) (func(string) bool, error) {
	switch spec {
	case "all":
		return func(string) bool { return true }, nil
	case "main":
		return func(p string) bool {
			p = strings.TrimSuffix(p, "_test") // external test packages
			return p == "main" || mainModule != "" && (p == mainModule || strings.HasPrefix(p, mainModule+"/"))
		}, nil
	}
	re, err := regexp.Compile(spec)
	if err != nil {
		return nil, fmt.Errorf("bad -pkgs regexp: %v", err)
	}
	return re.MatchString, nil
}

type auditSummary struct {
	binary    string
	funcs     []*disasm.FuncAudit
	accesses  int
	covered   int
	exempt    map[string]int
	uncovered []disasm.Uncovered
	raceCalls int
	stripped  bool
}

func audit(b *disasm.Binary, keep func(string) bool) (*auditSummary, error) {
	s := &auditSummary{binary: b.Path, exempt: map[string]int{}, stripped: b.Stripped}
	for _, fn := range b.Funcs() {
		if !b.InstrumentedFunc(fn) || !keep(disasm.PackageOf(fn.Name)) {
			continue
		}
		fa, err := b.Audit(fn)
		if err != nil {
			return nil, err
		}
		s.funcs = append(s.funcs, fa)
		s.accesses += fa.Accesses
		s.covered += fa.Covered
		s.raceCalls += fa.RaceCalls
		for k, v := range fa.Exempt {
			s.exempt[k] += v
		}
		s.uncovered = append(s.uncovered, fa.Uncovered...)
	}
	if len(s.funcs) == 0 {
		return nil, fmt.Errorf("no race-instrumentable function of the chosen packages in %s", b.Path)
	}
	return s, nil
}

func (s *auditSummary) write(w io.Writer, verbose bool, maxList int) {
	if len(s.uncovered) > 0 {
		fmt.Fprintf(w, "not instrumented:\n")
	}
	for i, u := range s.uncovered {
		if maxList > 0 && i == maxList {
			fmt.Fprintf(w, "  ... and %d more (-max=0 lists all)\n", len(s.uncovered)-maxList)
			break
		}
		in := u.Inst
		fmt.Fprintf(w, "  %s %#x  %-40s %s %s  %s:%d\n", u.Func, in.PC, in.Text, u.Access.Width(), u.Access.Verb(), in.File, in.Line)
	}
	if verbose {
		fmt.Fprintf(w, "functions:\n")
		for _, fa := range s.funcs {
			fmt.Fprintf(w, "  %-60s accesses %4d  instrumented %4d  not %4d  race calls %4d\n",
				fa.Func.Name, fa.Accesses, fa.Covered, len(fa.Uncovered), fa.RaceCalls)
		}
	}
	var ex []string
	total := 0
	for k, v := range s.exempt {
		ex = append(ex, fmt.Sprintf("%s %d", k, v))
		total += v
	}
	sort.Strings(ex)
	fmt.Fprintf(w, "binary %s\n", s.binary)
	if s.stripped {
		fmt.Fprintf(w, "warning: stripped binary (no ELF symbols): runtime variables such as runtime.writeBarrier cannot be recognised and count as not instrumented\n")
	}
	fmt.Fprintf(w, "functions %d, race calls %d, accesses %d, instrumented %d, not instrumented %d\n",
		len(s.funcs), s.raceCalls, s.accesses, s.covered, len(s.uncovered))
	fmt.Fprintf(w, "exempt (left uninstrumented by design) %d: %s\n", total, strings.Join(ex, ", "))
}
