package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// A benchConfig is one way of building the workload: a go command and its
// flags.
type benchConfig struct {
	name  string
	goCmd string // "stock" for the machine's go, else the patched one
	flags []string
}

var benchConfigs = map[string]benchConfig{
	"off":        {name: "off", flags: nil},
	"race-stock": {name: "race-stock", goCmd: "stock", flags: []string{"-race"}},
	"race":       {name: "race", flags: []string{"-race"}},
}

// benchConfigFor returns the named configuration: a fixed one above, or
// -drace=NAME for any other name.
func benchConfigFor(name string) benchConfig {
	if c, ok := benchConfigs[name]; ok {
		return c
	}
	return benchConfig{name: name, flags: []string{"-drace=" + name}}
}

type benchResult struct {
	times  []time.Duration
	maxRSS []int64 // KiB
	failed string  // why a run failed, if one did
}

// bench builds each package's test binary in each configuration and runs
// them interleaved, round after round, so that the machine's drift hits
// every configuration alike.
func bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	pkgs := fs.String("pkgs", "compress/flate,strconv,encoding/json,sync", "comma-separated packages whose tests are the workload")
	configs := fs.String("configs", "off,race-stock,race,null,fasttrack", "comma-separated configurations: off, race-stock (the machine's go -race), race (patched -race), or a detector name for -drace=NAME")
	rounds := fs.Int("rounds", 3, "runs of each binary")
	run := fs.String("run", "", "-test.run pattern for the test binaries (default: all tests)")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("bench: %v", err)
	}
	if fs.NArg() != 0 || *rounds < 1 {
		return fmt.Errorf("bench: usage: drace bench [-pkgs=LIST] [-configs=LIST] [-rounds=N] [-run=REGEXP]")
	}
	patched, err := patchedGo()
	if err != nil {
		return err
	}
	stock, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("bench: the machine's go: %v", err)
	}
	dir, err := os.MkdirTemp("", "drace-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	pkgList := strings.Split(*pkgs, ",")
	var cfgList []benchConfig
	for _, name := range strings.Split(*configs, ",") {
		cfgList = append(cfgList, benchConfigFor(name))
	}
	bins := map[[2]string]string{}
	dirs := map[string]string{} // tests run in their package's directory, for testdata
	for _, pkg := range pkgList {
		out, err := exec.Command(patched, "list", "-f", "{{.Dir}}", pkg).Output()
		if err != nil {
			return fmt.Errorf("bench: go list %s: %v", pkg, err)
		}
		dirs[pkg] = strings.TrimSpace(string(out))
		for _, c := range cfgList {
			goCmd := patched
			if c.goCmd == "stock" {
				goCmd = stock
			}
			bin := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+"."+c.name+".test")
			cmd := exec.Command(goCmd, append(append([]string{"test", "-c", "-o", bin}, c.flags...), pkg)...)
			cmd.Env = cleanEnv()
			fmt.Fprintf(os.Stderr, "building %s (%s)\n", pkg, c.name)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("bench: building %s (%s): %v\n%s", pkg, c.name, err, out)
			}
			bins[[2]string{pkg, c.name}] = bin
		}
	}

	results := map[[2]string]*benchResult{}
	for r := 0; r < *rounds; r++ {
		for _, pkg := range pkgList {
			for _, c := range cfgList {
				key := [2]string{pkg, c.name}
				res := results[key]
				if res == nil {
					res = new(benchResult)
					results[key] = res
				}
				fmt.Fprintf(os.Stderr, "round %d/%d: %s (%s)\n", r+1, *rounds, pkg, c.name)
				d, rss, err := runMeasured(bins[key], dirs[pkg], *run)
				if err != nil && res.failed == "" {
					res.failed = err.Error()
				}
				res.times = append(res.times, d)
				res.maxRSS = append(res.maxRSS, rss)
			}
		}
	}
	printBench(os.Stdout, pkgList, cfgList, results)
	return nil
}

// runMeasured runs a test binary in its package's directory and returns its
// wall time and peak resident memory.
func runMeasured(bin, dir, run string) (time.Duration, int64, error) {
	args := []string{"-test.short", "-test.count=1"}
	if run != "" {
		args = append(args, "-test.run="+run)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "GORACE=atexit_sleep_ms=0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	if err != nil {
		err = fmt.Errorf("%s: %v", filepath.Base(bin), err)
	}
	return d, rss, err
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// printBench prints, per package, each configuration's median time (with
// min–max), its ratio to patched -race, and its median peak memory.
func printBench(w io.Writer, pkgs []string, cfgs []benchConfig, results map[[2]string]*benchResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "package\tconfig\ttime\tmin–max\t×race\tpeak MiB\t×race\t")
	for _, pkg := range pkgs {
		base := results[[2]string{pkg, "race"}]
		for _, c := range cfgs {
			res := results[[2]string{pkg, c.name}]
			t, rss := median(res.times), median(res.maxRSS)
			ratio, mratio := "", ""
			if base != nil {
				ratio = fmt.Sprintf("%.2f", float64(t)/float64(median(base.times)))
				mratio = fmt.Sprintf("%.2f", float64(rss)/float64(median(base.maxRSS)))
			}
			note := ""
			if res.failed != "" {
				note = "  (failed: " + res.failed + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%.2fs\t%.2f–%.2f\t%s\t%.0f\t%s\t%s\n", pkg, c.name, t.Seconds(),
				slices.Min(res.times).Seconds(), slices.Max(res.times).Seconds(), ratio, float64(rss)/1024, mratio, note)
		}
	}
	tw.Flush()
}

// cleanEnv is the environment without settings that would change what the
// go command builds or how race programs behave.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOROOT", "GOFLAGS", "GORACE", "GOTOOLCHAIN", "GOMAXPROCS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOTOOLCHAIN=local")
}
