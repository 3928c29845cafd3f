package main

// drace bench: the command line. It resolves workloads and configurations,
// has benchrun.go measure them, benchstats.go summarise the samples and
// benchtable.go, benchjson.go or benchsvg.go render the result.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"drace/internal/toolchain"
)

const benchUsage = "usage: drace bench [-pkgs=LIST] [-configs=LIST] [-rounds=N] [-run=REGEXP] [-timeout=D] [-json] [-svg=FILE]"

// benchDefaultPkgs are the default workloads: std packages whose tests are
// CPU-heavy, and our own programs in testdata/bench.
const benchDefaultPkgs = "compress/flate,strconv,encoding/json,sync,bench/wordcount,bench/matmul,bench/pipeline,bench/cache,bench/churn,bench/mutex,bench/pingpong,bench/rwreaders"

// benchBaseline is the configuration the ratios are relative to.
const benchBaseline = "race"

// benchPrefix marks a workload of ours: bench/NAME is testdata/bench/NAME.
const benchPrefix = "bench/"

// A benchConfig is one way of building the workload: a go command and its
// flags.
type benchConfig struct {
	name  string
	stock bool // built by the machine's go, not the patched one
	flags []string
}

// A benchWorkload is a package whose test binary is the workload.
type benchWorkload struct {
	name  string // as given in -pkgs
	pkg   string // the import path or ./DIR for go test -c
	dir   string // where go test -c runs (our module), "" for std
	runIn string // the package's directory: test binaries run there
}

func bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pkgs := fs.String("pkgs", benchDefaultPkgs, "comma-separated workloads: std packages (their tests) and bench/NAME for testdata/bench/NAME (also bench/service, a 60-second service, not in the default set)")
	configs := fs.String("configs", "off,race-stock,race,null,fasttrack", "comma-separated configurations: off, race-stock (the machine's go -race), race (patched -race), a detector name for -drace=NAME (all, an import path), or names joined by + (leak+lockorder) for several")
	rounds := fs.Int("rounds", 3, "rounds; each runs every workload in every configuration once")
	run := fs.String("run", "", "-test.run pattern for the test binaries (default: all tests)")
	timeout := fs.Duration("timeout", 10*time.Minute, "-test.timeout of each run")
	asJSON := fs.Bool("json", false, "print all samples and summaries as JSON instead of the table")
	svg := fs.String("svg", "", "also write an SVG chart of time and peak memory relative to -race to this file")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fmt.Println(benchUsage)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	switch {
	case fs.NArg() != 0:
		return fmt.Errorf("bench: unexpected argument %q; %s", fs.Arg(0), benchUsage)
	case *rounds < 1:
		return fmt.Errorf("bench: -rounds=%d: must be at least 1", *rounds)
	case *timeout <= 0:
		return fmt.Errorf("bench: -timeout=%v: must be positive", *timeout)
	}
	if *run != "" {
		if _, err := regexp.Compile(*run); err != nil {
			return fmt.Errorf("bench: -run: %v", strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
	patched, err := goCommand()
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	goroot := filepath.Dir(filepath.Dir(patched))
	installed, err := installedDetectors(goroot)
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	cfgs, err := parseBenchConfigs(*configs, installed)
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	if *svg != "" && !slices.ContainsFunc(cfgs, func(c benchConfig) bool { return c.name == benchBaseline }) {
		return fmt.Errorf("bench: -svg charts slowdowns vs -race: -configs must include %s", benchBaseline)
	}
	repo, err := toolchain.RepoRoot(filepath.Dir(patched))
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	workloads, err := parseBenchWorkloads(*pkgs, patched, filepath.Join(repo, "testdata", "bench"))
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	stock, err := stockGoCommand()
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}

	m := &benchMeasurer{patchedGo: patched, stockGo: stock, run: *run, timeout: *timeout, progress: os.Stderr}
	started := time.Now()
	samples, err := m.measure(workloads, cfgs, *rounds)
	if err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	rep := newBenchReport(started, workloadNames(workloads), configNames(cfgs), *rounds, samples)
	if *svg != "" {
		f, err := os.Create(*svg)
		if err != nil {
			return fmt.Errorf("bench: %v", err)
		}
		err = writeBenchSVG(f, rep)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("bench: -svg: %v", err)
		}
		fmt.Fprintf(os.Stderr, "wrote %s\n", *svg)
	}
	if *asJSON {
		return writeBenchJSON(os.Stdout, rep)
	}
	writeBenchTable(os.Stdout, rep)
	return nil
}

// parseBenchConfigs resolves -configs: off, race-stock, race, or detectors
// for -drace (see knownDetector).
func parseBenchConfigs(list string, installed []string) ([]benchConfig, error) {
	var cfgs []benchConfig
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		var c benchConfig
		switch {
		case name == "":
			return nil, fmt.Errorf("-configs=%s: empty name", list)
		case seen[name]:
			return nil, fmt.Errorf("-configs=%s: %s given twice", list, name)
		case name == "off":
			c = benchConfig{name: name}
		case name == "race-stock":
			c = benchConfig{name: name, stock: true, flags: []string{"-race"}}
		case name == "race":
			c = benchConfig{name: name, flags: []string{"-race"}}
		case !slices.ContainsFunc(strings.Split(name, "+"), func(d string) bool { return !knownDetector(d, installed) }):
			c = benchConfig{name: name, flags: []string{"-drace=" + strings.ReplaceAll(name, "+", ",")}}
		default:
			return nil, fmt.Errorf("-configs: unknown configuration %q (want off, race-stock, race, all, an installed detector, a detector's import path or several joined by +: %s)", name, strings.Join(installed, ", "))
		}
		seen[name] = true
		cfgs = append(cfgs, c)
	}
	return cfgs, nil
}

// knownDetector reports whether -drace takes name: an installed detector,
// all, or an import path (with a dot or a slash, as the go command tells
// them from built-in names).
func knownDetector(name string, installed []string) bool {
	return slices.Contains(installed, name) || name == "all" || strings.ContainsAny(name, "./")
}

// parseBenchWorkloads resolves -pkgs: bench/NAME is the package in
// benchDir/NAME, anything else a package the patched go lists.
func parseBenchWorkloads(list, goCmd, benchDir string) ([]benchWorkload, error) {
	var ws []benchWorkload
	for _, name := range strings.Split(list, ",") {
		if name == "" {
			return nil, fmt.Errorf("-pkgs=%s: empty name", list)
		}
		if slices.ContainsFunc(ws, func(w benchWorkload) bool { return w.name == name }) {
			return nil, fmt.Errorf("-pkgs=%s: %s given twice", list, name)
		}
		if sub, ok := strings.CutPrefix(name, benchPrefix); ok {
			dir := filepath.Join(benchDir, sub)
			if sub == "" || strings.Contains(sub, "..") || !hasGoTests(dir) {
				return nil, fmt.Errorf("-pkgs: no workload %s: no Go tests in %s", name, dir)
			}
			ws = append(ws, benchWorkload{name: name, pkg: "./" + sub, dir: benchDir, runIn: dir})
			continue
		}
		cmd := exec.Command(goCmd, "list", "-f", "{{.Dir}}", name)
		cmd.Env = cleanEnv()
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("-pkgs: no package %s (go list failed)", name)
		}
		ws = append(ws, benchWorkload{name: name, pkg: name, runIn: strings.TrimSpace(string(out))})
	}
	return ws, nil
}

// stockGoCommand returns the machine's go command, for race-stock.
func stockGoCommand() (string, error) {
	stock := "/usr/local/go/bin/go"
	if _, err := os.Stat(stock); err == nil {
		return stock, nil
	}
	stock, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the machine's go: %v", err)
	}
	return stock, nil
}

func hasGoTests(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	return len(m) > 0
}

func workloadNames(ws []benchWorkload) []string {
	var names []string
	for _, w := range ws {
		names = append(names, w.name)
	}
	return names
}

func configNames(cs []benchConfig) []string {
	var names []string
	for _, c := range cs {
		names = append(names, c.name)
	}
	return names
}

// cleanEnv is the environment without settings that would change what the
// go command builds or how race programs behave.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOROOT", "GOFLAGS", "GORACE", "GOTOOLCHAIN", "GOMAXPROCS", "DRACE_FORMAT", "DRACE_SUPPRESS", "DRACE_TRACE", "DRACE_FLAGS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOTOOLCHAIN=local")
}
