package main

// drace eval: comparing and rendering. The runs of each package are
// compared with its race run: reports matched by their locations, time
// and peak memory as ratios. Shards' results merge by joining their runs
// and comparing again.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"drace/internal/corpus"
)

// An evalResult is an evaluation: its runs, and their comparison with the
// race runs, one summary per package and configuration run.
type evalResult struct {
	Started   string        `json:"started,omitempty"` // RFC 3339
	CPUs      int           `json:"cpus"`
	Shards    []string      `json:"shards,omitempty"` // the shards merged, "I/N"
	Configs   []string      `json:"configs"`          // off first
	Runs      []evalRun     `json:"runs"`
	Summaries []evalSummary `json:"summaries"`
}

// An evalSummary compares one package's run in one configuration with
// its race run.
type evalSummary struct {
	Module  string `json:"module"`
	Package string `json:"package"`
	Config  string `json:"config"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
	// Excluded says why the package is left out of the comparison: its
	// tests fail, or need the network, without instrumentation.
	Excluded    string   `json:"excluded,omitempty"`
	FailedTests []string `json:"failed_tests,omitempty"`
	Reports     int      `json:"reports"` // distinct reports
	// Agree counts the reports whose locations race reported too; Only
	// lists the others, candidates to triage. Missed counts the race
	// reports with no report of this configuration at their locations;
	// nil for a configuration that does not look for data races.
	Agree     int          `json:"agree"`
	Only      []evalReport `json:"only,omitempty"`
	Missed    *int         `json:"missed,omitempty"`
	TimeRatio *float64     `json:"time_ratio,omitempty"` // seconds ÷ race's
	MemRatio  *float64     `json:"mem_ratio,omitempty"`  // peak memory ÷ race's
}

// newEvalResult compares runs; configs are in -configs order, off first.
func newEvalResult(started time.Time, configs []string, runs []evalRun) *evalResult {
	res := &evalResult{CPUs: runtime.NumCPU(), Configs: configs, Runs: runs}
	if !started.IsZero() {
		res.Started = started.UTC().Format(time.RFC3339)
	}
	res.Summaries = compareEval(configs, runs)
	return res
}

// compareEval summarises each run, packages in the order of their first
// run and configurations in configs order.
func compareEval(configs []string, runs []evalRun) []evalSummary {
	type pkgKey struct{ module, pkg string }
	var order []pkgKey
	by := map[evalKey]evalRun{}
	for _, r := range runs {
		k := pkgKey{r.Module, r.Package}
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
		by[r.key()] = r
	}
	var out []evalSummary
	for _, k := range order {
		off, offRan := by[evalKey{k.module, k.pkg, evalOff}]
		excluded := ""
		if offRan && off.Status != evalOK {
			excluded = "fails without instrumentation (" + off.Status + ")"
			if off.Status == evalNetwork {
				excluded = "needs the network"
			}
		}
		race, raceRan := by[evalKey{k.module, k.pkg, benchBaseline}]
		raceKeys := map[string]bool{}
		for _, rep := range race.Reports {
			raceKeys[rep.key()] = true
		}
		for _, c := range configs {
			r, ok := by[evalKey{k.module, k.pkg, c}]
			if !ok {
				continue
			}
			s := evalSummary{Module: r.Module, Package: r.Package, Config: c, Status: r.Status, Error: r.Error,
				Excluded: excluded, FailedTests: r.FailedTests, Reports: len(r.Reports)}
			if excluded == "" && raceRan && c != benchBaseline && c != evalOff {
				found := map[string]bool{}
				for _, rep := range r.Reports {
					found[rep.key()] = true
					if raceKeys[rep.key()] {
						s.Agree++
					} else {
						s.Only = append(s.Only, rep)
					}
				}
				if findsRaces(c) {
					missed := 0
					for key := range raceKeys {
						if !found[key] {
							missed++
						}
					}
					s.Missed = &missed
				}
			}
			if excluded == "" && raceRan && measured(race) && measured(r) && race.Seconds > 0 && race.MaxRSSKiB > 0 {
				t, m := r.Seconds/race.Seconds, float64(r.MaxRSSKiB)/float64(race.MaxRSSKiB)
				s.TimeRatio, s.MemRatio = &t, &m
			}
			out = append(out, s)
		}
	}
	return out
}

// measured reports whether a run's time and memory are comparable: it ran
// every test to the end.
func measured(r evalRun) bool { return r.Status == evalOK || r.Status == evalFail }

// findsRaces reports whether configuration c looks for data races, so
// that the races it does not report are misses.
func findsRaces(c string) bool {
	for _, d := range strings.Split(c, "+") {
		switch cl := corpus.DetectorClass[d]; {
		case d == "race-stock" || d == "all" || strings.ContainsAny(d, "./"), cl == "hb" || cl == "lockset":
			return true
		}
	}
	return false
}

// mergeEvalFiles joins the -json outputs of shards: their runs, compared
// again. They must have evaluated the same configurations.
func mergeEvalFiles(files []string) (*evalResult, error) {
	var merged *evalResult
	seen := map[evalKey]string{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var res evalResult
		if err := json.Unmarshal(data, &res); err != nil || len(res.Configs) == 0 {
			return nil, fmt.Errorf("%s: not the -json output of drace eval", file)
		}
		if merged == nil {
			merged = &evalResult{Started: res.Started, CPUs: res.CPUs, Configs: res.Configs}
		} else if !slices.Equal(merged.Configs, res.Configs) {
			return nil, fmt.Errorf("%s: configurations %s, not %s as in %s", file,
				strings.Join(res.Configs, ","), strings.Join(merged.Configs, ","), files[0])
		}
		for _, r := range res.Runs {
			if prev, ok := seen[r.key()]; ok {
				return nil, fmt.Errorf("%s: %s in %s ran in %s too", file, r.Package, r.Config, prev)
			}
			seen[r.key()] = file
			merged.Runs = append(merged.Runs, r)
		}
		merged.Shards = append(merged.Shards, res.Shards...)
		merged.CPUs = max(merged.CPUs, res.CPUs)
	}
	// Each shard lists its packages in input order; sort them back into
	// one order whatever the order of the files.
	slices.SortStableFunc(merged.Runs, func(a, b evalRun) int {
		if c := strings.Compare(a.Module, b.Module); c != 0 {
			return c
		}
		return strings.Compare(a.Package, b.Package)
	})
	merged.Summaries = compareEval(merged.Configs, merged.Runs)
	return merged, nil
}

// writeEvalTable prints one row per package and configuration run, a
// total per configuration, and every report only a detector gave.
func writeEvalTable(w io.Writer, res *evalResult) {
	head := []string{"package", "config", "status", "reports", "agree", "only", "missed", "time×race", "mem×race", "notes"}
	numeric := []bool{false, false, false, true, true, true, true, true, true, false}
	rows := [][]string{head}
	last := ""
	for _, s := range res.Summaries {
		name := s.Package
		if name == last {
			name = ""
		}
		last = s.Package
		row := []string{name, s.Config, s.Status, fmt.Sprint(s.Reports), "-", "-", "-", ratioCell(s.TimeRatio), ratioCell(s.MemRatio), evalNotes(s)}
		if s.Config != evalOff && s.Config != benchBaseline && s.Excluded == "" {
			row[4], row[5] = fmt.Sprint(s.Agree), fmt.Sprint(len(s.Only))
		}
		if s.Missed != nil {
			row[6] = fmt.Sprint(*s.Missed)
		}
		rows = append(rows, row)
	}
	if !slices.ContainsFunc(rows[1:], func(r []string) bool { return r[len(r)-1] != "" }) {
		for i := range rows { // no notes: no trailing blank column
			rows[i] = rows[i][:len(rows[i])-1]
		}
	}
	writeAligned(w, rows, numeric)
	shards := ""
	if len(res.Shards) > 0 {
		shards = "; shards " + strings.Join(res.Shards, ", ")
	}
	fmt.Fprintf(w, "reports: distinct (detector, kind, locations); agree/only: with/without a -race report at the same locations; missed: -race's the configuration did not give; ratios to -race's run on %d CPUs%s\n\n", res.CPUs, shards)

	writeEvalTotals(w, res)
	writeEvalOnly(w, res)
}

// writeEvalTotals prints, per configuration, the packages compared, how
// their runs ended, the reports summed and the geometric mean ratios.
func writeEvalTotals(w io.Writer, res *evalResult) {
	head := []string{"config", "packages", "ok", "fail", "timeout", "crash", "build", "reports", "agree", "only", "missed", "time×race", "mem×race"}
	numeric := []bool{false, true, true, true, true, true, true, true, true, true, true, true, true}
	rows := [][]string{head}
	excluded := map[string]bool{}
	for _, c := range res.Configs {
		var n, reports, agree, only, missed int
		status := map[string]int{}
		var times, mems []float64
		findsAny := false
		for _, s := range res.Summaries {
			if s.Config != c {
				continue
			}
			if s.Excluded != "" {
				excluded[s.Package] = true
				continue
			}
			n++
			status[s.Status]++
			reports += s.Reports
			agree += s.Agree
			only += len(s.Only)
			if s.Missed != nil {
				missed += *s.Missed
				findsAny = true
			}
			if s.TimeRatio != nil {
				times, mems = append(times, *s.TimeRatio), append(mems, *s.MemRatio)
			}
		}
		row := []string{c, fmt.Sprint(n), fmt.Sprint(status[evalOK]), fmt.Sprint(status[evalFail]), fmt.Sprint(status[evalTimeout]),
			fmt.Sprint(status[evalCrash]), fmt.Sprint(status[evalBuild]), fmt.Sprint(reports), "-", "-", "-", geomeanCell(times), geomeanCell(mems)}
		if c != evalOff && c != benchBaseline {
			row[8], row[9] = fmt.Sprint(agree), fmt.Sprint(only)
		}
		if findsAny {
			row[10] = fmt.Sprint(missed)
		}
		rows = append(rows, row)
	}
	writeAligned(w, rows, numeric)
	fmt.Fprintf(w, "per configuration over the packages compared (%d left out: their tests fail without instrumentation); ratios are geometric means\n", len(excluded))
}

// writeEvalOnly lists the reports only a detector gave, to triage.
func writeEvalOnly(w io.Writer, res *evalResult) {
	var lines []string
	for _, s := range res.Summaries {
		for _, r := range s.Only {
			test := r.Test
			if test == "" {
				test = "(no test)"
			}
			count := ""
			if r.Count > 1 {
				count = fmt.Sprintf(" (×%d)", r.Count)
			}
			lines = append(lines, fmt.Sprintf("  %s  %s  %s %s  %s  at %s%s", s.Package, s.Config, r.Detector, r.Kind, test, strings.Join(r.Locations, " "), count))
		}
	}
	if len(lines) == 0 {
		fmt.Fprintln(w, "\nno report that -race did not give")
		return
	}
	fmt.Fprintf(w, "\nreports -race did not give (%d), to triage: package, configuration, detector and kind, test, locations\n", len(lines))
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// evalNotes says why a package is left out, or which tests failed.
func evalNotes(s evalSummary) string {
	var notes []string
	if s.Excluded != "" && s.Config == evalOff {
		notes = append(notes, "left out: "+s.Excluded)
	}
	if len(s.FailedTests) > 0 {
		tests := s.FailedTests
		more := ""
		if len(tests) > 3 {
			tests, more = tests[:3], fmt.Sprintf(" and %d more", len(tests)-3)
		}
		notes = append(notes, "failed: "+strings.Join(tests, ", ")+more)
	}
	if s.Error != "" && len(s.FailedTests) == 0 {
		notes = append(notes, s.Error)
	}
	return strings.Join(notes, "; ")
}

func ratioCell(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *r)
}

func geomeanCell(xs []float64) string {
	if len(xs) == 0 {
		return "-"
	}
	sum := 0.0
	for _, x := range xs {
		sum += math.Log(x)
	}
	return fmt.Sprintf("%.2f", math.Exp(sum/float64(len(xs))))
}

// writeEvalSVGFile charts the time and peak memory of the packages
// compared relative to -race, with bench's chart: one sample per run.
func writeEvalSVGFile(file string, res *evalResult) error {
	var pkgs []string
	var samples []benchSample
	for _, s := range res.Summaries {
		if s.Excluded != "" {
			continue
		}
		if !slices.Contains(pkgs, s.Package) {
			pkgs = append(pkgs, s.Package)
		}
	}
	for _, r := range res.Runs {
		if slices.Contains(pkgs, r.Package) && r.Status != evalBuild {
			s := benchSample{Workload: r.Package, Config: r.Config, Round: 1, Seconds: r.Seconds, CPU: r.CPU, MaxRSSKiB: r.MaxRSSKiB}
			if !measured(r) {
				s.Error = r.Status + ": " + r.Error
			}
			samples = append(samples, s)
		}
	}
	rep := benchReport{
		Started: res.Started, CPUs: res.CPUs, Rounds: 1, Baseline: benchBaseline,
		Workloads: pkgs, Configs: res.Configs, Samples: samples,
		Summaries: summarizeBench(pkgs, res.Configs, samples, benchBaseline),
		Title:     "drace eval: package tests' time and peak memory relative to patched -race",
		XTitle:    "package (its tests, -test.short)",
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	err = writeBenchSVG(f, rep)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(file)
	}
	return err
}
