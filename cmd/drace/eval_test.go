package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"drace/internal/corpus"
)

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

func TestParseShard(t *testing.T) {
	for spec, want := range map[string]shard{"": {}, "1/1": {1, 1}, "1/2": {1, 2}, "2/2": {2, 2}, "3/7": {3, 7}} {
		got, err := parseShard(spec)
		if err != nil || got != want {
			t.Errorf("parseShard(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"0/2", "3/2", "1/0", "1", "a/b", "1/2/3", "-1/2", "/"} {
		if _, err := parseShard(spec); err == nil || !strings.Contains(err.Error(), "-shard="+spec) {
			t.Errorf("parseShard(%q): error %v, want one naming -shard=%s", spec, err, spec)
		}
	}
}

// Every package falls in exactly one shard, the same one whatever else is
// evaluated, and the shards share the work out.
func TestShardSelect(t *testing.T) {
	var pkgs []evalPackage
	for i := range 40 {
		pkgs = append(pkgs, evalPackage{Module: fmt.Sprintf("example.com/m%d@v1.0.0", i%4), Path: fmt.Sprintf("example.com/m%d/p%d", i%4, i)})
	}
	for _, n := range []int{1, 2, 3} {
		count := map[string]int{}
		for i := 1; i <= n; i++ {
			part := shard{i, n}.select_(pkgs)
			if len(part) == 0 {
				t.Errorf("shard %d/%d of %d packages is empty", i, n, len(pkgs))
			}
			for _, p := range part {
				count[p.Path]++
				if alone := (shard{i, n}).select_([]evalPackage{p}); len(alone) != 1 {
					t.Errorf("%s is in shard %d/%d among others, not alone", p.Path, i, n)
				}
			}
		}
		for _, p := range pkgs {
			if count[p.Path] != 1 {
				t.Errorf("%s is in %d of %d shards, want 1", p.Path, count[p.Path], n)
			}
		}
	}
	if got := (shard{}).select_(pkgs); len(got) != len(pkgs) {
		t.Errorf("no shard selected %d of %d packages", len(got), len(pkgs))
	}
}

func TestParseEvalConfigs(t *testing.T) {
	installed := []string{"fasttrack", "leak"}
	cfgs, err := parseEvalConfigs("race,fasttrack,all", installed)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := configNames(cfgs), []string{"off", "race", "fasttrack", "all"}; !slices.Equal(got, want) {
		t.Errorf("configs %v, want %v", got, want)
	}
	if cfgs, err := parseEvalConfigs("fasttrack,off,race", installed); err != nil || !slices.Equal(configNames(cfgs), []string{"off", "fasttrack", "race"}) {
		t.Errorf("configs with off named: %v, %v; want off once, first", configNames(cfgs), err)
	}
	for list, msg := range map[string]string{
		"fasttrack":      "must include race",
		"race,nosuch":    `unknown configuration "nosuch"`,
		"race,leak,leak": "leak given twice",
	} {
		if _, err := parseEvalConfigs(list, installed); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("-configs=%s: error %v, want %q", list, err, msg)
		}
	}
}

// A state file keeps finished runs across a kill: a line cut short is
// ignored, and a run saved after it is read back.
func TestEvalState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	e := &evaluator{state: state}
	a := evalRun{Module: "m", Package: "m/a", Config: "race", Status: evalOK, Seconds: 1.5,
		Reports: []evalReport{{Detector: "tsan", Kind: "DATA RACE", Locations: []string{"a.go:1", "a.go:2"}, Count: 1}}}
	if err := e.save(a); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(state, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"module":"m","package":"m/b","con`) // killed mid-line
	f.Close()
	b := evalRun{Module: "m", Package: "m/b", Config: "off", Status: evalNetwork}
	if err := e.save(b); err != nil {
		t.Fatal(err)
	}
	done, err := readEvalState(state)
	if err != nil {
		t.Fatal(err)
	}
	want := map[evalKey]evalRun{a.key(): a, b.key(): b}
	if !reflect.DeepEqual(done, want) {
		t.Errorf("state read back:\n%+v\nwant\n%+v", done, want)
	}
	if done, err := readEvalState(filepath.Join(t.TempDir(), "none")); err != nil || len(done) != 0 {
		t.Errorf("a missing state file: %v, %v; want no runs", done, err)
	}
	other := filepath.Join(t.TempDir(), "go.mod")
	os.WriteFile(other, []byte("module x\n"), 0o666)
	if _, err := readEvalState(other); err == nil || !strings.Contains(err.Error(), "not a state file") {
		t.Errorf("reading a file that is no state file: %v, want an error", err)
	}
}

func report(detector string, locs ...string) evalReport {
	return evalReport{Detector: detector, Kind: "DATA RACE", Test: "TestX", Locations: locs, Count: 1}
}

// testEvalRuns: package a compared in every configuration; package b
// needs the network, so it ran only off.
func testEvalRuns() []evalRun {
	return []evalRun{
		{Module: "m", Package: "m/a", Config: "off", Status: evalOK, Seconds: 1, MaxRSSKiB: 1000},
		{Module: "m", Package: "m/a", Config: "race", Status: evalOK, Seconds: 4, MaxRSSKiB: 4000,
			Reports: []evalReport{report("tsan", "a.go:1", "a.go:2"), report("tsan", "a.go:5", "a.go:6")}},
		{Module: "m", Package: "m/a", Config: "fasttrack", Status: evalFail, Seconds: 8, MaxRSSKiB: 2000, FailedTests: []string{"TestY"},
			Reports: []evalReport{report("fasttrack", "a.go:1", "a.go:2"), report("fasttrack", "a.go:3", "a.go:4")}},
		{Module: "m", Package: "m/a", Config: "leak", Status: evalTimeout, Seconds: 60, MaxRSSKiB: 3000, FailedTests: []string{"TestZ"}},
		{Module: "m", Package: "m/b", Config: "off", Status: evalNetwork, Seconds: 1, FailedTests: []string{"TestDial"}},
	}
}

func ptr(v float64) *float64 { return &v }
func iptr(v int) *int        { return &v }

func TestCompareEval(t *testing.T) {
	got := compareEval([]string{"off", "race", "fasttrack", "leak"}, testEvalRuns())
	want := []evalSummary{
		{Module: "m", Package: "m/a", Config: "off", Status: evalOK, TimeRatio: ptr(0.25), MemRatio: ptr(0.25)},
		{Module: "m", Package: "m/a", Config: "race", Status: evalOK, Reports: 2, TimeRatio: ptr(1), MemRatio: ptr(1)},
		{Module: "m", Package: "m/a", Config: "fasttrack", Status: evalFail, FailedTests: []string{"TestY"}, Reports: 2,
			Agree: 1, Only: []evalReport{report("fasttrack", "a.go:3", "a.go:4")}, Missed: iptr(1), TimeRatio: ptr(2), MemRatio: ptr(0.5)},
		// leak looks for no data races: no misses; it timed out: no ratios.
		{Module: "m", Package: "m/a", Config: "leak", Status: evalTimeout, FailedTests: []string{"TestZ"}},
		{Module: "m", Package: "m/b", Config: "off", Status: evalNetwork, Excluded: "needs the network", FailedTests: []string{"TestDial"}},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("compareEval:\n%s\nwant\n%s", g, w)
	}
}

func TestWriteEvalTable(t *testing.T) {
	var b bytes.Buffer
	writeEvalTable(&b, newEvalResult(time.Time{}, []string{"off", "race", "fasttrack", "leak"}, testEvalRuns()))
	out := b.String()
	for _, re := range []string{
		`(?m)^package +config +status +reports +agree +only +missed +time×race +mem×race +notes$`,
		`(?m)^m/a +off +ok +0 +- +- +- +0\.25 +0\.25 *$`,
		`(?m)^ +race +ok +2 +- +- +- +1\.00 +1\.00 *$`,
		`(?m)^ +fasttrack +fail +2 +1 +1 +1 +2\.00 +0\.50 +failed: TestY$`,
		`(?m)^ +leak +timeout +0 +0 +0 +- +- +- +failed: TestZ$`,
		`(?m)^m/b +off +network +0 +- +- +- +- +- +left out: needs the network; failed: TestDial$`,
		`(?m)^fasttrack +1 +0 +1 +0 +0 +0 +2 +1 +1 +1 +2\.00 +0\.50$`,
		`\(1 left out: their tests fail without instrumentation\)`,
		`(?m)^  m/a  fasttrack  fasttrack DATA RACE  TestX  at a\.go:3 a\.go:4$`,
	} {
		if !regexpMatch(re, out) {
			t.Errorf("table does not match %s:\n%s", re, out)
		}
	}
}

// Shards' JSON merges into what one unsharded run gives, whatever the
// order of the files; shards of different configurations, or overlapping
// ones, do not merge.
func TestMergeEval(t *testing.T) {
	configs := []string{"off", "race", "fasttrack", "leak"}
	runs := testEvalRuns()
	dir := t.TempDir()
	write := func(name string, shard string, configs []string, runs []evalRun) string {
		res := newEvalResult(time.Now(), configs, runs)
		res.Shards = []string{shard}
		var b bytes.Buffer
		if err := writeBenchJSON(&b, res); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, b.Bytes(), 0o666); err != nil {
			t.Fatal(err)
		}
		return file
	}
	s1 := write("1.json", "1/2", configs, runs[4:])
	s2 := write("2.json", "2/2", configs, runs[:4])
	merged, err := mergeEvalFiles([]string{s1, s2})
	if err != nil {
		t.Fatal(err)
	}
	if want := compareEval(configs, runs); !reflect.DeepEqual(merged.Summaries, want) {
		t.Errorf("merged summaries:\n%+v\nwant\n%+v", merged.Summaries, want)
	}
	if !reflect.DeepEqual(merged.Runs, runs) || !slices.Equal(merged.Shards, []string{"1/2", "2/2"}) {
		t.Errorf("merged runs %+v, shards %v", merged.Runs, merged.Shards)
	}

	other := write("other.json", "2/2", configs[:3], runs[:3])
	if _, err := mergeEvalFiles([]string{s1, other}); err == nil || !strings.Contains(err.Error(), "configurations") {
		t.Errorf("merging shards of other configurations: %v, want an error", err)
	}
	if _, err := mergeEvalFiles([]string{s2, s2}); err == nil || !strings.Contains(err.Error(), "too") {
		t.Errorf("merging a shard twice: %v, want an error", err)
	}
	notJSON := filepath.Join(dir, "x.txt")
	os.WriteFile(notJSON, []byte("hello"), 0o666)
	if _, err := mergeEvalFiles([]string{notJSON}); err == nil || !strings.Contains(err.Error(), "not the -json output") {
		t.Errorf("merging a text file: %v, want an error", err)
	}
}

// classify reads a run's output: reports with their locations (relative
// to the module, outside GOROOT) and the test they failed, tests that
// failed for other reasons (not those that logged beside a report),
// crashes and timeouts.
func TestEvalClassify(t *testing.T) {
	e := &evaluator{goroot: "/go"}
	out := `==================
WARNING: DATA RACE
Write at 0x00c000016268 by goroutine 10:
  runtime.mapassign()
      /go/src/runtime/map.go:12 +0x7b
  example.com/m/p.(*C).Hit-fm()
      <autogenerated>:1 +0x7b
  example.com/m/p.(*C).Hit()
      /mod/p/p.go:8 +0x7b

Previous write at 0x00c000016268 by goroutine 9:
  example.com/m/p.(*C).Hit()
      /mod/p/p.go:8 +0x8d

Goroutine 10 (running) created at:
  example.com/m/p.TestHits()
      /mod/p/p_test.go:13 +0x78
==================
--- FAIL: TestHits (0.01s)
    p_test.go:20: 2 hits
    testing.go:1720: race detected during execution of test
--- FAIL: TestOther (0.00s)
    p_test.go:30: got 1, want 2
==================
WARNING: DATA RACE
Write at 0x00c000016268 by goroutine 12:
  example.com/m/p.(*C).Hit()
      /mod/p/p.go:8 +0x7b

Previous write at 0x00c000016268 by goroutine 11:
  example.com/m/p.(*C).Hit()
      /mod/p/p.go:8 +0x8d
==================
--- FAIL: TestHitsAgain (0.01s)
    testing.go:1720: race detected during execution of test
FAIL
`
	var r evalRun
	e.classify(&r, corpus.ParseOutput([]byte(out)), "/mod")
	want := evalRun{Status: evalFail, FailedTests: []string{"TestOther"}, Reports: []evalReport{
		{Detector: "tsan", Kind: "DATA RACE", Test: "TestHits", Locations: []string{"p/p.go:8", "p/p.go:8"}, Count: 2},
	}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("classify:\n%+v\nwant\n%+v", r, want)
	}

	timeout := "panic: test timed out after 1m0s\n\trunning tests:\n\t\tTestSlow (1m0s)\n\ngoroutine 1 [running]:\nmain.main()\n\t/mod/p/p_test.go:3 +0x1\n"
	r = evalRun{}
	e.classify(&r, corpus.ParseOutput([]byte(timeout)), "/mod")
	if r.Status != evalTimeout || !slices.Equal(r.FailedTests, []string{"TestSlow"}) || !strings.Contains(r.Error, "timed out") {
		t.Errorf("a timeout classified as %+v", r)
	}
	explosion := `==================
WARNING: GOROUTINE EXPLOSION (leak)
10001 goroutines alive created by the same go statement (threshold 10000), in TestSpawn

Goroutine 12 (running) created at:
  example.com/m/p.TestSpawn()
      /mod/p/p_test.go:40 +0x78
==================
`
	r = evalRun{}
	e.classify(&r, corpus.ParseOutput([]byte(explosion)), "/mod")
	if len(r.Reports) != 1 || !slices.Equal(r.Reports[0].Locations, []string{"p/p_test.go:40"}) {
		t.Errorf("an explosion classified as %+v, want a report at its go statement", r)
	}
	r = evalRun{}
	e.classify(&r, corpus.ParseOutput([]byte("DRACE: detector det panicked and is disabled: boom\n")), "/mod")
	if r.Status != evalCrash || !strings.Contains(r.Error, "det panicked: boom") {
		t.Errorf("a detector's panic classified as %+v", r)
	}
}

func TestBuildError(t *testing.T) {
	err := fmt.Errorf("building p (race): exit status 1\n# example.com/m/p\n./p.go:3:1: syntax error\n./p.go:4:1: more\n")
	if got, want := buildError(err), "building p (race): exit status 1: ./p.go:3:1: syntax error"; got != want {
		t.Errorf("buildError = %q, want %q", got, want)
	}
}

// drace eval on testdata/eval, a module with a racy package, a clean one
// and one whose test fails without the network: sharded two ways with one
// state file, merged, and then resumed unsharded from the state, which
// runs nothing again.
func TestEvalEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs test binaries")
	}
	if _, err := goCommand(); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	module := filepath.Join("..", "..", "testdata", "eval")
	var shards []string
	for _, sh := range []string{"1/2", "2/2"} {
		var out bytes.Buffer
		if err := evalCmd([]string{"-configs=race,fasttrack", "-state=" + state, "-shard=" + sh, "-json", module}, &out); err != nil {
			t.Fatalf("shard %s: %v", sh, err)
		}
		file := filepath.Join(dir, strings.ReplaceAll(sh, "/", "of")+".json")
		if err := os.WriteFile(file, out.Bytes(), 0o666); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, file)
	}
	stateBefore, _ := os.ReadFile(state)

	var table bytes.Buffer
	svg := filepath.Join(dir, "eval.svg")
	if err := evalCmd(append([]string{"-merge", "-svg=" + svg}, shards...), &table); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^example\.com/evaldemo/clean +off +ok +0 `,
		`(?m)^ +fasttrack +ok +0 +0 +0 +0 `,
		`(?m)^example\.com/evaldemo/counter +off +ok +0 `,
		`(?m)^ +race +ok +1 +- +- +- +1\.00 +1\.00`,
		`(?m)^ +fasttrack +ok +1 +1 +0 +0 `,
		`(?m)^example\.com/evaldemo/online +off +network .* left out: needs the network; failed: TestDial$`,
		`shards 1/2, 2/2`,
		`no report that -race did not give`,
	} {
		if !regexpMatch(re, table.String()) {
			t.Errorf("merged table does not match %s:\n%s", re, table.String())
		}
	}
	if data, err := os.ReadFile(svg); err != nil || !bytes.Contains(data, []byte(`data-workload="example.com/evaldemo/counter"`)) {
		t.Errorf("-svg: %v; the chart has no bar for counter", err)
	}

	var resumed bytes.Buffer
	if err := evalCmd([]string{"-configs=race,fasttrack", "-state=" + state, "-json", module}, &resumed); err != nil {
		t.Fatal(err)
	}
	if stateAfter, _ := os.ReadFile(state); !bytes.Equal(stateBefore, stateAfter) {
		t.Errorf("resuming from a complete state ran again:\n%s", stateAfter[len(stateBefore):])
	}
	// A state whose runs of counter another toolchain measured: counter
	// runs again, in every configuration, and nothing else does.
	var rewritten []byte
	for line := range bytes.Lines(stateBefore) {
		if bytes.Contains(line, []byte(`"package":"example.com/evaldemo/counter","config":"race"`)) {
			var r evalRun
			if err := json.Unmarshal(line, &r); err != nil {
				t.Fatal(err)
			}
			r.Toolchain = "go1.26.8 000000000000"
			line, _ = json.Marshal(r)
			line = append(line, '\n')
		}
		rewritten = append(rewritten, line...)
	}
	if err := os.WriteFile(state, rewritten, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := evalCmd([]string{"-configs=race,fasttrack", "-state=" + state, "-json", module}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	stateAfter, _ := os.ReadFile(state)
	var again []string
	for line := range bytes.Lines(stateAfter[len(rewritten):]) {
		var r evalRun
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		again = append(again, r.Package+" "+r.Config)
	}
	if want := []string{"example.com/evaldemo/counter off", "example.com/evaldemo/counter race", "example.com/evaldemo/counter fasttrack"}; !slices.Equal(again, want) {
		t.Errorf("after a toolchain change of counter's race run, ran again %q, want %q", again, want)
	}

	var all evalResult
	if err := json.Unmarshal(resumed.Bytes(), &all); err != nil {
		t.Fatal(err)
	}
	merged, err := mergeEvalFiles(shards)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all.Summaries, merged.Summaries) {
		t.Errorf("unsharded summaries differ from the merged shards':\n%+v\n%+v", all.Summaries, merged.Summaries)
	}
	counter := slices.IndexFunc(all.Runs, func(r evalRun) bool {
		return r.Package == "example.com/evaldemo/counter" && r.Config == "race"
	})
	if counter < 0 || len(all.Runs[counter].Reports) != 1 ||
		!reflect.DeepEqual(all.Runs[counter].Reports[0].Locations, []string{"counter/counter.go:8", "counter/counter.go:8"}) ||
		all.Runs[counter].Reports[0].Test != "TestConcurrentHits" {
		t.Errorf("counter's race run: %+v, want one report in TestConcurrentHits at counter/counter.go:8 twice", all.Runs)
	}
}

// Bad input is one line naming the problem.
func TestEvalUsageErrors(t *testing.T) {
	noModule := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-configs=race,nosuch", "."}, `unknown configuration "nosuch"`},
		{[]string{"-configs=fasttrack", "."}, "must include race"},
		{[]string{"-shard=3/2", "."}, "-shard=3/2"},
		{[]string{"-timeout=0", "."}, "-timeout=0s"},
		{[]string{"nosuch-dir"}, "nosuch-dir: not a module@version, a directory or a list file"},
		{[]string{noModule}, noModule + ": go list"},
		{[]string{}, "no modules given"},
		{[]string{"-merge", filepath.Join(noModule, "none.json")}, "none.json"},
		{[]string{"-merge", "-shard=1/2", filepath.Join(noModule, "none.json")}, "-merge runs nothing: -shard does not apply"},
	} {
		err := evalCmd(tc.args, new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("drace eval %s: error %v, want one line with %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// A detector given by import path, in the module of the current directory,
// runs on the tests of a module@version too: eval's copy of the module
// requires the detector's module. The module@version is testdata/eval,
// served by a proxy in a directory, so the test needs no network.
func TestEvalModuleVersionDetector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs test binaries")
	}
	goCmd, err := goCommand()
	if err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	proxy := t.TempDir()
	writeProxyModule(t, proxy, "example.com/evaldemo", "v1.0.0", filepath.Join("..", "..", "testdata", "eval"))
	// Found on PATH, the patched go is eval's go in a directory outside
	// drace's checkout.
	t.Setenv("PATH", filepath.Dir(goCmd)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(proxy))
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Cleanup(func() { exec.Command(goCmd, "clean", "-modcache").Run() }) // its files are read-only

	mod := newModule(t)
	if err := newCmd([]string{filepath.Join(mod, "mydet")}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(mod)
	var out bytes.Buffer
	if err := evalCmd([]string{"-configs=race,example.com/m/mydet", "-json", "example.com/evaldemo@v1.0.0"}, &out); err != nil {
		t.Fatal(err)
	}
	var res evalResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Runs, func(r evalRun) bool {
		return r.Package == "example.com/evaldemo/counter" && r.Config == "example.com/m/mydet"
	})
	if i < 0 {
		t.Fatalf("no run of counter with the detector: %+v", res.Runs)
	}
	r := res.Runs[i]
	if r.Module != "example.com/evaldemo@v1.0.0" || r.Status != evalOK || len(r.Reports) != 1 ||
		r.Reports[0].Detector != "mydet" || !slices.Equal(r.Reports[0].Locations, []string{"counter/counter.go:8", "counter/counter.go:8"}) {
		t.Errorf("counter with the detector: %+v, want status ok and mydet's report at counter/counter.go:8 twice", r)
	}

	// A detector the current directory's module cannot find is one line.
	err = evalCmd([]string{"-configs=race,example.com/nosuch/det", "example.com/evaldemo@v1.0.0"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "-configs: example.com/nosuch/det: go list") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a detector in no module: %v, want one line naming it", err)
	}
}

// writeProxyModule writes module@version, the module in dir, to the
// module proxy in the directory proxy, as GOPROXY=file://... reads it.
func writeProxyModule(t *testing.T, proxy, module, version, dir string) {
	t.Helper()
	at := filepath.Join(proxy, filepath.FromSlash(module), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		w, err := zw.Create(module + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": fmt.Appendf(nil, `{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, version),
		version + ".mod":  gomod,
		version + ".zip":  zipped.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A recording detector's trace does not stay in the evaluated directory:
// record's default, drace.trace in the package's directory, would.
func TestEvalRecordLeavesNoTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs test binaries")
	}
	if _, err := goCommand(); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	module := t.TempDir()
	if err := copyTree(module, filepath.Join("..", "..", "testdata", "eval")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := evalCmd([]string{"-configs=race,record", "-json", module}, &out); err != nil {
		t.Fatal(err)
	}
	var res evalResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, r := range res.Runs {
		if r.Config != "record" {
			continue
		}
		recorded++
		if r.Status != evalOK {
			t.Errorf("%s under record: %s %s", r.Package, r.Status, r.Error)
		}
	}
	if recorded == 0 {
		t.Fatalf("no run under record: %+v", res.Runs)
	}
	filepath.WalkDir(module, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".trace") {
			t.Errorf("a trace stayed in the evaluated directory: %s", path)
		}
		return nil
	})
}
