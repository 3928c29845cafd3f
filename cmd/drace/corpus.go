package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"drace/internal/corpus"
	"drace/internal/toolchain"
)

const corpusUsage = "usage: drace corpus [-detectors=LIST|all|predict] [-count=N] [-cpu=1,2,4] [-run=REGEXP] [-json] [-baseline=FILE] [-update] [-separate] [-timeout=D] [-dir=testdata/corpus]"

// allDetectors are the configurations -detectors=all names, tsan (-race)
// first.
var allDetectors = []string{"tsan", "fasttrack", "lockset", "hybrid", "atomicmix", "lockorder", "leak"}

// errUsage is an error in the command line or its input: exit status 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

// errRegressed means the run was worse than the baseline: exit status 1.
var errRegressed = errors.New("worse than the baseline")

// corpusCmd runs the corpus and prints the table, or the verdicts as JSON,
// and compares them with a baseline.
func corpusCmd(args []string) error {
	flags := flag.NewFlagSet("corpus", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	detectors := flags.String("detectors", "all", "comma-separated configurations: tsan (-race), drace detectors, or predict (-drace=record, then drace predict's "+strings.Join(corpus.PredictAlgorithms, ", ")+" on the trace); all = "+strings.Join(allDetectors, ","))
	count := flags.Int("count", 1, "runs of each test per -cpu value")
	cpus := flags.String("cpu", "2", "comma-separated -test.cpu values")
	run := flags.String("run", "", "regexp selecting case tests by family/TestName")
	asJSON := flags.Bool("json", false, "print every verdict as JSON instead of the table")
	baseline := flags.String("baseline", "", "compare with this baseline file (exit 1 on regressions)")
	update := flags.Bool("update", false, "rewrite the -baseline file with this run's verdicts")
	separate := flags.Bool("separate", false, "build one binary per drace detector instead of one with all")
	timeout := flags.Duration("timeout", 30*time.Second, "-test.timeout of each test run")
	dir := flags.String("dir", "testdata/corpus", "the corpus root")
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		flags.SetOutput(os.Stdout)
		fmt.Println(corpusUsage)
		flags.PrintDefaults()
		return nil
	} else if err != nil {
		return usagef("corpus: %v", err)
	}
	if flags.NArg() != 0 {
		return usagef("corpus: unexpected argument %q; %s", flags.Arg(0), corpusUsage)
	}
	if *count < 1 {
		return usagef("corpus: -count=%d: must be at least 1", *count)
	}
	if *timeout <= 0 {
		return usagef("corpus: -timeout=%v: must be positive", *timeout)
	}
	cpuList, err := parseCPUs(*cpus)
	if err != nil {
		return usagef("corpus: -cpu=%s: %v", *cpus, err)
	}
	var runRE *regexp.Regexp
	if *run != "" {
		if runRE, err = regexp.Compile(*run); err != nil {
			return usagef("corpus: -run: %v", err)
		}
	}
	if *update && *baseline == "" {
		return usagef("corpus: -update needs -baseline=FILE")
	}
	var base corpus.Baseline
	if *baseline != "" && !*update {
		if base, err = corpus.ReadBaseline(*baseline); err != nil {
			return usagef("corpus: -baseline: %v", err)
		}
	}
	goCmd, err := goCommand()
	if err != nil {
		return usagef("corpus: %v", err)
	}
	dets, err := selectDetectors(*detectors, filepath.Dir(filepath.Dir(goCmd)))
	if err != nil {
		return usagef("corpus: %v", err)
	}
	cases, err := corpus.Load(*dir)
	if err != nil {
		return usagef("corpus: %v", err)
	}
	opt := corpus.Options{
		GoCmd: goCmd, Detectors: dets, Separate: *separate, Count: *count, CPUs: cpuList,
		Timeout: *timeout, Progress: os.Stderr, Run: runRE,
	}
	if slices.Contains(dets, corpus.Predict) {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		opt.Predict = corpus.PredictWith(self)
	}
	n := 0
	for _, c := range cases {
		for _, t := range []string{c.Buggy, c.Twin} {
			if opt.Selected(c, t) {
				n++
			}
		}
	}
	if n == 0 {
		return usagef("corpus: no case test in %s matches -run=%s", *dir, *run)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	results, err := corpus.Run(ctx, cases, opt)
	if err != nil {
		return err
	}

	report := os.Stdout
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "\t")
		if err := enc.Encode(results); err != nil {
			return err
		}
		report = os.Stderr // keep stdout JSON
	} else {
		corpus.WriteDetails(os.Stdout, results)
		if err := corpus.WriteTable(os.Stdout, results); err != nil {
			return err
		}
		if nd := corpus.Nondeterministic(results); len(nd) > 0 {
			fmt.Println("nondeterministic:")
			for _, l := range nd {
				fmt.Println("\t" + l)
			}
		}
	}
	switch {
	case *update:
		// Keep the verdicts of case tests this run left out.
		old, err := corpus.ReadBaseline(*baseline)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("corpus: -update: %v", err)
		}
		nb := old.Update(results, cases)
		if err := nb.Write(*baseline); err != nil {
			return err
		}
		fmt.Fprintf(report, "wrote %s: %d verdicts, %d from this run\n", *baseline, len(nb), len(results))
	case base != nil:
		worse, improved := corpus.Compare(base, results)
		for _, l := range improved {
			fmt.Fprintln(report, "improved:", l)
		}
		for _, l := range worse {
			fmt.Fprintln(report, "worse:", l)
		}
		if len(worse) > 0 {
			fmt.Fprintf(report, "%d verdicts worse than %s\n", len(worse), *baseline)
			return errRegressed
		}
	}
	return nil
}

// parseCPUs parses a comma-separated list of positive integers.
func parseCPUs(s string) ([]int, error) {
	var list []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list, nil
}

// selectDetectors resolves -detectors against the detectors installed in
// goroot: named ones must be installed, while "all" skips (with a warning)
// those not installed yet.
func selectDetectors(list, goroot string) ([]string, error) {
	installed, err := installedDetectors(goroot)
	if err != nil {
		return nil, err
	}
	var dets, missing []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, d := range allDetectors {
				if d == "tsan" || slices.Contains(installed, d) {
					dets = append(dets, d)
				} else {
					missing = append(missing, d)
				}
			}
		case name == "tsan" || slices.Contains(installed, name):
			dets = append(dets, name)
		case name == corpus.Predict:
			if !slices.Contains(installed, "record") {
				return nil, fmt.Errorf("-detectors=predict: detector record is not installed in %s", goroot)
			}
			dets = append(dets, name)
		case name == "":
			return nil, fmt.Errorf("-detectors=%s: empty name", list)
		default:
			return nil, fmt.Errorf("-detectors: detector %q is not installed in %s (installed: tsan, %s)", name, goroot, strings.Join(installed, ", "))
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "drace corpus: not installed yet, skipped: %s\n", strings.Join(missing, ", "))
	}
	var uniq []string
	for _, d := range dets {
		if !slices.Contains(uniq, d) {
			uniq = append(uniq, d)
		}
	}
	return uniq, nil
}

// installedDetectors lists the built-in detectors of the toolchain at
// goroot: the packages under runtime/race/detectors.
func installedDetectors(goroot string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(goroot, "src", "runtime", "race", "detectors"))
	if err != nil {
		return nil, fmt.Errorf("no built-in detectors: %v", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// goCommand returns the patched go command: the one beside this drace,
// or, for a drace run from elsewhere (go run, or built into a directory
// of its own), the one of the checkout holding the current directory, or
// the go on PATH if it is a patched one.
func goCommand() (string, error) {
	if g, err := patchedGo(); err == nil {
		return g, nil
	}
	repo, err := toolchain.RepoRoot(".")
	if err == nil {
		return toolchain.GoCommand(repo)
	}
	if g, lerr := exec.LookPath("go"); lerr == nil {
		if _, serr := installedDetectors(filepath.Dir(filepath.Dir(g))); serr == nil {
			return g, nil
		}
	}
	return "", err
}
