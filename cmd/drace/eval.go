package main

// drace eval: the command line. It resolves modules to packages
// (evalmod.go), runs each package's tests once per configuration
// (evalrun.go), compares the detectors' reports with -race's and renders
// the comparison (evalreport.go).

import (
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const evalUsage = `usage: drace eval [-configs=LIST] [-timeout=D] [-state=FILE] [-shard=I/N] [-json] [-svg=FILE] MODULE@VERSION|DIR|LISTFILE...
       drace eval -merge [-json] [-svg=FILE] FILE...`

// evalOff is the uninstrumented configuration, always run first: a package
// whose tests fail without instrumentation is left out.
const evalOff = "off"

func evalCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configs := fs.String("configs", "race,all", "comma-separated configurations: race (the reference: patched -race), race-stock, a detector name, all (-drace=all), a detector's import path, or names joined by + for several in one run")
	timeout := fs.Duration("timeout", 10*time.Minute, "-test.timeout of each package's run")
	state := fs.String("state", "", "a file of finished runs, appended to as they finish: with it, an interrupted evaluation resumes where it stopped (a package measured with another toolchain runs again)")
	shard := fs.String("shard", "", "I/N: evaluate only the I-th of N shards of the packages (1 ≤ I ≤ N); -merge joins the shards' -json outputs")
	merge := fs.Bool("merge", false, "join the -json outputs given as arguments (shards) instead of running anything")
	asJSON := fs.Bool("json", false, "print the runs and the comparison as JSON instead of the table")
	svg := fs.String("svg", "", "also write an SVG chart of time and peak memory relative to -race to this file")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fmt.Fprintln(stdout, evalUsage)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return fmt.Errorf("eval: %v", err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("eval: no modules given; %s", strings.ReplaceAll(evalUsage, "\n", " "))
	}
	var res *evalResult
	if *merge {
		var runFlag string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "merge" && f.Name != "json" && f.Name != "svg" {
				runFlag = f.Name
			}
		})
		if runFlag != "" {
			return fmt.Errorf("eval: -merge runs nothing: -%s does not apply", runFlag)
		}
		var err error
		if res, err = mergeEvalFiles(fs.Args()); err != nil {
			return fmt.Errorf("eval: -merge: %v", err)
		}
	} else {
		var err error
		if res, err = runEval(*configs, *timeout, *state, *shard, fs.Args()); err != nil {
			return fmt.Errorf("eval: %v", err)
		}
	}
	if *asJSON {
		if err := writeBenchJSON(stdout, res); err != nil {
			return err
		}
	} else {
		writeEvalTable(stdout, res)
	}
	if *svg != "" {
		if err := writeEvalSVGFile(*svg, res); err != nil {
			return fmt.Errorf("eval: -svg: %v", err)
		}
		fmt.Fprintf(os.Stderr, "wrote %s\n", *svg)
	}
	return nil
}

// runEval evaluates the modules, directories and lists in args.
func runEval(configs string, timeout time.Duration, state, shardSpec string, args []string) (*evalResult, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("-timeout=%v: must be positive", timeout)
	}
	sh, err := parseShard(shardSpec)
	if err != nil {
		return nil, err
	}
	goCmd, err := goCommand()
	if err != nil {
		return nil, err
	}
	goroot := filepath.Dir(filepath.Dir(goCmd))
	installed, err := installedDetectors(goroot)
	if err != nil {
		return nil, err
	}
	cfgs, err := parseEvalConfigs(configs, installed)
	if err != nil {
		return nil, err
	}
	stock, err := stockGoCommand()
	if err != nil && slices.ContainsFunc(cfgs, func(c benchConfig) bool { return c.stock }) {
		return nil, err
	}
	toolchains := map[bool]string{}
	if toolchains[false], err = toolchainID(goroot); err != nil {
		return nil, err
	}
	if stock != "" && slices.ContainsFunc(cfgs, func(c benchConfig) bool { return c.stock }) {
		real, err := filepath.EvalSymlinks(stock) // /usr/bin/go may link into its GOROOT
		if err != nil {
			return nil, err
		}
		if toolchains[true], err = toolchainID(filepath.Dir(filepath.Dir(real))); err != nil {
			return nil, err
		}
	}
	done, err := readEvalState(state)
	if err != nil {
		return nil, err
	}
	inputs, err := expandEvalInputs(args)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "drace-eval-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	dets, err := detectorModules(goCmd, cfgs, installed)
	if err != nil {
		return nil, err
	}
	pkgs, err := resolveEvalModules(goCmd, work, inputs, dets)
	if err != nil {
		return nil, err
	}
	e := &evaluator{
		m:          &benchMeasurer{patchedGo: goCmd, stockGo: stock, timeout: timeout, progress: os.Stderr},
		goroot:     goroot,
		bins:       filepath.Join(work, "bin"),
		state:      state,
		done:       done,
		configs:    cfgs,
		toolchains: toolchains,
	}
	started := time.Now()
	runs, err := e.evaluate(sh.select_(pkgs))
	if err != nil {
		return nil, err
	}
	res := newEvalResult(started, configNames(cfgs), runs)
	if sh.n > 0 {
		res.Shards = []string{sh.String()}
	}
	return res, nil
}

// parseEvalConfigs resolves -configs as bench does; race, the reference,
// must be among them, and off runs first whether named or not.
func parseEvalConfigs(list string, installed []string) ([]benchConfig, error) {
	names := []string{evalOff}
	for _, name := range strings.Split(list, ",") {
		if name != evalOff {
			names = append(names, name)
		}
	}
	if !slices.Contains(names, benchBaseline) {
		return nil, fmt.Errorf("-configs=%s: must include %s, the reference", list, benchBaseline)
	}
	return parseBenchConfigs(strings.Join(names, ","), installed)
}

// A shard is the I-th of N parts of the packages; N == 0 is all of them.
type shard struct{ i, n int }

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.i, s.n) }

func parseShard(spec string) (shard, error) {
	if spec == "" {
		return shard{}, nil
	}
	is, ns, ok := strings.Cut(spec, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return shard{}, fmt.Errorf("-shard=%s: want I/N with 1 ≤ I ≤ N", spec)
	}
	return shard{i, n}, nil
}

// select_ returns the packages of shard s. A package's shard depends on
// its module and import path only, not on what else is evaluated, so that
// every machine given the same shard spec picks the same packages, and
// all of a package's configurations run on one machine (the ratios compare
// runs on the same machine).
func (s shard) select_(pkgs []evalPackage) []evalPackage {
	if s.n == 0 {
		return pkgs
	}
	var out []evalPackage
	for _, p := range pkgs {
		h := fnv.New32a()
		h.Write([]byte(p.Module + " " + p.Path))
		if int(h.Sum32()%uint32(s.n)) == s.i-1 {
			out = append(out, p)
		}
	}
	return out
}
