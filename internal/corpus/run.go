package corpus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure Run.
type Options struct {
	GoCmd string // the patched go command
	// Detectors are the configurations: "tsan" for -race, any other name a
	// drace detector. The drace detectors are built into one binary
	// (-drace=a,b,c) unless Separate.
	Detectors []string
	Separate  bool
	Count     int           // runs of each test per CPU setting; 0 means 1
	CPUs      []int         // -test.cpu values; nil means {2}
	Timeout   time.Duration // -test.timeout; 0 means 30s
	Workers   int           // processes at once; 0 means runtime.NumCPU()
	Progress  io.Writer     // progress lines; nil for none
	// Run, if set, selects the case tests to run by "family/TestName".
	Run *regexp.Regexp
	// Predict, needed for the configuration "predict", runs drace
	// predict's algorithms (PredictAlgorithms) on a trace the test
	// binary bin recorded and returns their reports, printed as drace
	// predict prints them, "(predict/ALGO)".
	Predict func(ctx context.Context, trace, bin string) ([]byte, error)
}

// Predict is the configuration that records each case test with
// -drace=record and runs the prediction algorithms on the trace: its
// results are one per algorithm, named as the algorithm.
const Predict = "predict"

// PredictAlgorithms are the algorithms of the configuration Predict.
var PredictAlgorithms = []string{"shb", "wcp", "syncp", "block"}

// PredictWith returns an Options.Predict that runs the drace command at
// drace ("drace predict" with every algorithm, every report printed, a
// trace cut short, by a test killed at its timeout, predicted on as far
// as it goes).
func PredictWith(drace string) func(ctx context.Context, trace, bin string) ([]byte, error) {
	return func(ctx context.Context, trace, bin string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, drace, "predict", "-algo="+strings.Join(PredictAlgorithms, ","), "-partial", "-binary="+bin, trace)
		cmd.Env = append(Env(), "GORACE="+GORACE)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return out.Bytes(), fmt.Errorf("%v: %s", err, bytes.TrimSpace(stderr.Bytes()))
		}
		return out.Bytes(), nil
	}
}

// expand returns detectors with Predict replaced by its algorithms.
func expand(detectors []string) []string {
	var ds []string
	for _, d := range detectors {
		if d == Predict {
			ds = append(ds, PredictAlgorithms...)
		} else {
			ds = append(ds, d)
		}
	}
	return ds
}

// Selected reports whether opt selects test of case c.
func (opt *Options) Selected(c *Case, test string) bool {
	return opt.Run == nil || opt.Run.MatchString(c.Family+"/"+test)
}

// A Result is the verdict of one case test under one detector over all its
// runs.
type Result struct {
	Family   string    `json:"family"`
	File     string    `json:"file"`
	Test     string    `json:"test"`
	Twin     bool      `json:"twin"`
	Detector string    `json:"detector"`
	Class    string    `json:"class"`
	Expected bool      `json:"expected"` // a buggy test the detector's class must catch
	Verdict  string    `json:"verdict"`
	Runs     []Outcome `json:"runs"`

	Case *Case `json:"-"`
}

// Key is the result's baseline key, "family/TestName/detector".
func (r *Result) Key() string { return r.Family + "/" + r.Test + "/" + r.Detector }

// A config is one way of building a family: one test binary, whose reports
// belong to one or more detectors.
type config struct {
	name      string
	flags     []string
	detectors []string
	predict   bool // record, then predict on the trace
}

func configs(detectors []string, separate bool) []config {
	var cs []config
	var drace []string
	for _, d := range detectors {
		switch {
		case d == "tsan":
			cs = append(cs, config{name: "tsan", flags: []string{"-race"}, detectors: []string{"tsan"}})
		case d == Predict:
			cs = append(cs, config{name: Predict, flags: []string{"-drace=record"}, detectors: PredictAlgorithms, predict: true})
		case separate:
			cs = append(cs, config{name: d, flags: []string{"-drace=" + d}, detectors: []string{d}})
		default:
			drace = append(drace, d)
		}
	}
	if len(drace) > 0 {
		list := strings.Join(drace, ",")
		cs = append(cs, config{name: list, flags: []string{"-drace=" + list}, detectors: drace})
	}
	return cs
}

// GORACE is the race runtime's setting for corpus runs: no exit delay and
// every report printed.
const GORACE = "atexit_sleep_ms=0 suppress_equal_stacks=0 suppress_equal_addresses=0"

// LeakExplosion is the leak detector's explosion threshold in corpus runs
// (the flag leak.explosion, set through DRACE_FLAGS; its default is 10000): a tenth of the default, so
// that an explosion case needs only a thousand-odd goroutines, which every
// detector (fasttrack's memory grows with live goroutines) and the race
// runtime handle quickly.
const LeakExplosion = 1000

// caseEnv is the environment of a case test's process.
func caseEnv() []string {
	return append(Env(), "GORACE="+GORACE, "DRACE_FLAGS="+DraceFlags)
}

// DraceFlags is the detectors' flags (DRACE_FLAGS) for corpus runs.
var DraceFlags = "leak.explosion=" + strconv.Itoa(LeakExplosion)

// Env is the environment for the patched go and the binaries it builds:
// the process's, without settings that would change what go builds or how
// race programs behave.
func Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOROOT", "GOFLAGS", "GORACE", "GOTOOLCHAIN", "GOMAXPROCS", "GOWORK", "GODEBUG", "GOTRACEBACK":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOTOOLCHAIN=local", "GOWORK=off")
}

// Run builds each family once per configuration and runs each case's
// buggy test and twin as its own process under each, opt.Count times per
// CPU setting, and returns the verdicts sorted by family, file, test
// (buggy first) and detector (in opt.Detectors' order).
func Run(ctx context.Context, cases []*Case, opt Options) ([]*Result, error) {
	if opt.GoCmd == "" {
		return nil, errors.New("corpus: no go command")
	}
	if len(opt.Detectors) == 0 {
		return nil, errors.New("corpus: no detectors")
	}
	if slices.Contains(opt.Detectors, Predict) && opt.Predict == nil {
		return nil, errors.New("corpus: configuration predict without a Predict function")
	}
	if opt.Count <= 0 {
		opt.Count = 1
	}
	if len(opt.CPUs) == 0 {
		opt.CPUs = []int{2}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	progress := opt.Progress
	if progress == nil {
		progress = io.Discard
	}
	var progressMu sync.Mutex
	say := func(format string, args ...any) {
		progressMu.Lock()
		fmt.Fprintf(progress, format, args...)
		progressMu.Unlock()
	}

	cfgs := configs(opt.Detectors, opt.Separate)
	tmp, err := os.MkdirTemp("", "drace-corpus-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	// Build every family in every configuration.
	type build struct {
		dir, family string
		cfg         config
		bin         string
		err         string // the build's failure, if it failed
	}
	var families []*Case // one case per family, for its directory
	for _, c := range cases {
		if !opt.Selected(c, c.Buggy) && !opt.Selected(c, c.Twin) {
			continue
		}
		if !slices.ContainsFunc(families, func(f *Case) bool { return f.Family == c.Family }) {
			families = append(families, c)
		}
	}
	builds := map[[2]string]*build{} // (family, config name)
	var buildList []*build
	for _, f := range families {
		for i, cfg := range cfgs {
			b := &build{dir: f.Dir, family: f.Family, cfg: cfg,
				bin: filepath.Join(tmp, strings.ReplaceAll(f.Family, "/", "_")+"."+strconv.Itoa(i)+".test")}
			builds[[2]string{f.Family, cfg.name}] = b
			buildList = append(buildList, b)
		}
	}
	parallel(opt.Workers, len(buildList), func(i int) {
		b := buildList[i]
		if ctx.Err() != nil {
			b.err = ctx.Err().Error()
			return
		}
		say("building %s (%s)\n", b.family, b.cfg.name)
		args := append(append([]string{"test", "-c", "-o", b.bin}, b.cfg.flags...), ".")
		cmd := exec.CommandContext(ctx, opt.GoCmd, args...)
		cmd.Dir = b.dir
		cmd.Env = Env()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Sprintf("building %s (%s): %v", b.family, b.cfg.name, err)
			say("%s\n%s", b.err, out)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// The results, one per case test and detector, with a slot per run.
	runsPer := opt.Count * len(opt.CPUs)
	results := map[[2]string]*Result{} // (family/test, detector)
	var list []*Result
	for _, c := range cases {
		for _, test := range []string{c.Buggy, c.Twin} {
			if !opt.Selected(c, test) {
				continue
			}
			for _, d := range expand(opt.Detectors) {
				r := &Result{Family: c.Family, File: c.Name, Test: test, Twin: test == c.Twin,
					Detector: d, Class: DetectorClass[d], Expected: test == c.Buggy && c.Expected(d),
					Runs: make([]Outcome, runsPer), Case: c}
				results[[2]string{c.Family + "/" + test, d}] = r
				list = append(list, r)
			}
		}
	}

	// The runs.
	type job struct {
		c    *Case
		test string
		b    *build
		cpu  int
		slot int
	}
	var jobs []job
	for _, c := range cases {
		for _, test := range []string{c.Buggy, c.Twin} {
			if !opt.Selected(c, test) {
				continue
			}
			for _, cfg := range cfgs {
				for ci, cpu := range opt.CPUs {
					for n := 0; n < opt.Count; n++ {
						jobs = append(jobs, job{c, test, builds[[2]string{c.Family, cfg.name}], cpu, ci*opt.Count + n})
					}
				}
			}
		}
	}
	var done int
	parallel(opt.Workers, len(jobs), func(i int) {
		j := jobs[i]
		outcomes := map[string]Outcome{}
		if j.b.err != "" {
			for _, d := range j.b.cfg.detectors {
				outcomes[d] = Outcome{Verdict: Error, Notes: []string{j.b.err}}
			}
		} else if ctx.Err() != nil {
			for _, d := range j.b.cfg.detectors {
				outcomes[d] = Outcome{Verdict: Error, Notes: []string{ctx.Err().Error()}}
			}
		} else {
			timeout := opt.Timeout
			if j.test == j.c.Buggy && j.c.Timeout > 0 && j.c.Timeout < timeout {
				timeout = j.c.Timeout
			}
			var out []byte
			var note string
			if j.b.cfg.predict {
				out, note = predictTest(ctx, opt.Predict, j.b.bin, j.b.dir, filepath.Join(tmp, "trace"+strconv.Itoa(i)), j.test, j.cpu, timeout)
			} else {
				out, note = runTest(ctx, j.b.bin, j.b.dir, j.test, j.cpu, timeout)
			}
			parsed := ParseOutput(out)
			if j.b.cfg.predict {
				for _, r := range parsed.Reports {
					if a, ok := strings.CutPrefix(r.Detector, Predict+"/"); ok {
						r.Detector = a
					}
				}
			}
			for _, d := range j.b.cfg.detectors {
				o := Judge(j.c, j.test, d, parsed)
				if note != "" {
					o.Verdict = Error // whatever the output says, the run broke
					o.Notes = append(o.Notes, note)
				}
				outcomes[d] = o
			}
		}
		var bad []string
		for _, d := range j.b.cfg.detectors {
			o := outcomes[d]
			o.CPU = j.cpu
			results[[2]string{j.c.Family + "/" + j.test, d}].Runs[j.slot] = o
			switch o.Verdict {
			case TP, OK, NA, Skip, KnownFP:
			default:
				if len(j.b.cfg.detectors) > 1 {
					bad = append(bad, d+"="+o.Verdict)
				} else {
					bad = append(bad, o.Verdict)
				}
			}
		}
		status := "ok"
		if len(bad) > 0 {
			status = strings.Join(bad, " ")
		}
		progressMu.Lock()
		done++
		fmt.Fprintf(progress, "[%d/%d] %s %s/%s -test.cpu=%d %s\n", done, len(jobs), j.b.cfg.name, j.c.Family, j.test, j.cpu, status)
		progressMu.Unlock()
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range list {
		r.Verdict = Combine(r.Runs)
	}
	return list, nil
}

// runTest runs one test of a test binary in its package's directory and
// returns its output, stdout and stderr together, and a note when the
// process had to be killed.
func runTest(ctx context.Context, bin, dir, test string, cpu int, timeout time.Duration, env ...string) ([]byte, string) {
	// The test binary's own -test.timeout panics with every goroutine's
	// stack; the context is the backstop for a binary that cannot.
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"-test.run=^"+test+"$", "-test.count=1", "-test.cpu="+strconv.Itoa(cpu), "-test.timeout="+timeout.String())
	cmd.Dir = dir
	cmd.Env = append(caseEnv(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	note := ""
	if ctx.Err() != nil {
		note = fmt.Sprintf("killed after %v", timeout+30*time.Second)
	} else if err != nil && !errors.As(err, new(*exec.ExitError)) {
		note = "running the test binary: " + err.Error()
	}
	return buf.Bytes(), note
}

// predictTest runs one test of a test binary built with -drace=record,
// recording its trace in the file trace, then predicts on the trace: it
// returns the test's output followed by the predictions', and a note
// when either failed.
func predictTest(ctx context.Context, predict func(ctx context.Context, trace, bin string) ([]byte, error), bin, dir, trace, test string, cpu int, timeout time.Duration) ([]byte, string) {
	defer os.Remove(trace)
	out, note := runTest(ctx, bin, dir, test, cpu, timeout, "DRACE_TRACE="+trace)
	if note != "" {
		return out, note
	}
	pout, err := predict(ctx, trace, bin)
	out = append(out, pout...)
	if err != nil {
		note = "predicting on the trace: " + err.Error()
	}
	return out, note
}

// parallel calls f(0) … f(n-1) on up to workers goroutines.
func parallel(workers, n int, f func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// SortDetectors returns detectors with tsan first, for tables.
func SortDetectors(detectors []string) []string {
	ds := slices.Clone(detectors)
	slices.SortStableFunc(ds, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "tsan":
			return -1
		case b == "tsan":
			return 1
		}
		return 0
	})
	return ds
}
