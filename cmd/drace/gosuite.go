package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"drace/internal/corpus"
	"drace/internal/gosuite"
)

const gosuiteUsage = "usage: drace gosuite [-drace=LIST] [-race] [-cpu=N]"

// gosuiteCmd runs Go's own race tests, those of the patched GOROOT, once
// per configuration as ../shared/eval/gosuite.sh does, and prints each
// configuration's score. With neither -race nor -drace it runs -race and
// -drace=fasttrack.
func gosuiteCmd(args []string) error {
	fs := flag.NewFlagSet("gosuite", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	draceList := fs.String("drace", "", "comma-separated drace detectors, each run on its own")
	race := fs.Bool("race", false, "also run -race (ThreadSanitizer)")
	cpu := fs.Int("cpu", 1, "GOMAXPROCS for the tests, as Go's harness sets it")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fmt.Println(gosuiteUsage)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return usagef("gosuite: %v", err)
	}
	if fs.NArg() != 0 {
		return usagef("gosuite: unexpected argument %q; %s", fs.Arg(0), gosuiteUsage)
	}
	if *cpu < 1 {
		return usagef("gosuite: -cpu=%d: must be at least 1", *cpu)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["race"] && !set["drace"] {
		*race, *draceList = true, "fasttrack"
	}
	goCmd, err := goCommand()
	if err != nil {
		return usagef("gosuite: %v", err)
	}
	goroot := filepath.Dir(filepath.Dir(goCmd))
	var names []string
	if *race {
		names = append(names, "tsan")
	}
	if *draceList != "" {
		dets, err := selectDetectors(*draceList, goroot)
		if err != nil {
			return usagef("gosuite: %v", err)
		}
		for _, d := range dets {
			if d != "tsan" {
				names = append(names, d)
			}
		}
	}
	if len(names) == 0 {
		return usagef("gosuite: nothing to run: give -race or -drace=LIST")
	}
	dir := filepath.Join(goroot, "src", "runtime", "race")
	files, _ := filepath.Glob(filepath.Join(dir, "testdata", "*_test.go"))
	if len(files) == 0 {
		return usagef("gosuite: no %s/testdata/*_test.go", dir)
	}
	for i, f := range files {
		files[i] = "./testdata/" + filepath.Base(f)
	}

	scores := map[string]gosuite.Score{}
	var broken []string
	for _, name := range names {
		flags := []string{"-race"}
		if name != "tsan" {
			flags = []string{"-drace=" + name}
		}
		fmt.Fprintf(os.Stderr, "gosuite: go test -count=1 -v %s ./testdata/*_test.go (GOMAXPROCS=%d)\n", flags[0], *cpu)
		cmd := exec.Command(goCmd, append(append([]string{"test", "-count=1", "-v"}, flags...), files...)...)
		cmd.Dir = dir
		cmd.Env = append(corpus.Env(), "GOMAXPROCS="+strconv.Itoa(*cpu), "GORACE=suppress_equal_stacks=0 suppress_equal_addresses=0 atexit_sleep_ms=0")
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		cmd.Run() // failing tests are the point; Complete tells a broken run
		res := gosuite.Parse(log.Bytes())
		if !res.Complete {
			lines := strings.Split(strings.TrimRight(log.String(), "\n"), "\n")
			fmt.Printf("%s: the run did not complete:\n%s\n", name, strings.Join(lines[max(0, len(lines)-20):], "\n"))
			broken = append(broken, name)
			continue
		}
		s := res.Score()
		scores[name] = s
		for _, l := range s.Failed {
			fmt.Printf("%s: %s\n", name, l)
		}
		fmt.Printf("%s: %s\n", name, s)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "detector\tpassed\ttests\t%\tFP\tFN")
	for _, name := range names {
		s, ok := scores[name]
		if !ok {
			fmt.Fprintf(tw, "%s\tbroken\n", name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%d\t%d\n", name, s.Passed, s.Total, s.Percent(), s.FP, s.FN)
	}
	tw.Flush()
	if len(broken) > 0 {
		return fmt.Errorf("gosuite: the run did not complete for %s", strings.Join(broken, ", "))
	}
	return nil
}
