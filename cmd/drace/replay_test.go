package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A parsedReport is a report block of the text format, the parts that
// must not depend on whether it was printed online or by a replay.
type parsedReport struct {
	Kind, Detector string
	Message        string
	Accesses       []parsedAccess
}

type parsedAccess struct {
	Verb      string // the title up to " at" or " by": "Write", "Previous read"
	Goroutine string // "goroutine 7", "main goroutine"
	Frames    []string
}

var (
	titleRE  = regexp.MustCompile(`^WARNING: (.*) \(([a-z_0-9]+)\)$`)
	accessRE = regexp.MustCompile(`^(\S.*?)(?: at 0x[0-9a-f]+)? by (main goroutine|goroutine \d+):$`)
	frameRE  = regexp.MustCompile(`^      (.*):(\d+) \+0x[0-9a-f]+$`)
)

// parseReports returns the report blocks of detector in out (all if
// detector is "").
func parseReports(t *testing.T, out, detector string) []parsedReport {
	t.Helper()
	var reports []parsedReport
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		m := titleRE.FindStringSubmatch(lines[i])
		if m == nil || i == 0 || lines[i-1] != "==================" {
			continue
		}
		r := parsedReport{Kind: m[1], Detector: m[2]}
		var acc *parsedAccess
		var fn string
		for i++; i < len(lines) && lines[i] != "=================="; i++ {
			l := lines[i]
			switch {
			case strings.HasPrefix(l, "Goroutine "):
				acc = nil // "created at" stacks are not compared
			case accessRE.MatchString(l):
				m := accessRE.FindStringSubmatch(l)
				r.Accesses = append(r.Accesses, parsedAccess{Verb: m[1], Goroutine: m[2]})
				acc = &r.Accesses[len(r.Accesses)-1]
			case acc == nil && len(r.Accesses) == 0 && l != "":
				r.Message += l + "\n"
			case acc != nil && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "      "):
				fn = strings.TrimSpace(l)
			case acc != nil && frameRE.MatchString(l):
				m := frameRE.FindStringSubmatch(l)
				acc.Frames = append(acc.Frames, fn+" "+filepath.Base(m[1])+":"+m[2])
			}
		}
		if detector == "" || r.Detector == detector {
			reports = append(reports, r)
		}
	}
	return reports
}

// patchedGo returns the patched toolchain's go command, skipping the test
// without it.
func patchedGoForTest(t *testing.T) (goCmd, root string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goCmd = filepath.Join(root, "_build", "goroot", "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		t.Skipf("no patched toolchain: %v", err)
	}
	return goCmd, root
}

// runRecorded builds pkg (in module dir, with go.work env) with
// -drace=record,fasttrack (the module's own detectors, as replay runs
// them), runs it with args and returns its output and the trace.
func runRecorded(t *testing.T, goCmd, dir string, env []string, test bool, pkg string, args ...string) (string, string, string) {
	t.Helper()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "prog")
	buildArgs := []string{"build"}
	if test {
		buildArgs = []string{"test", "-c"}
	}
	buildArgs = append(buildArgs, "-drace=drace/detectors/record,drace/detectors/fasttrack", "-o", bin, pkg)
	build := exec.Command(goCmd, buildArgs...)
	build.Dir = dir
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(buildArgs, " "), err, out)
	}
	tracePath := filepath.Join(tmp, "trace")
	run := exec.Command(bin, args...)
	run.Dir = tmp
	run.Env = append(os.Environ(), "DRACE_TRACE="+tracePath, "GORACE=atexit_sleep_ms=0")
	out, _ := run.CombinedOutput() // racy: exit status 66
	return string(out), tracePath, bin
}

func replayFile(t *testing.T, tracePath string, partial bool, detectors ...string) (string, replayResult) {
	t.Helper()
	f, err := os.Open(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	res, err := replay(f, replayOptions{Detectors: detectors, Partial: partial, Warn: os.Stderr}, &out)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return out.String(), res
}

// compareOnlineReplay checks that the fasttrack reports printed online
// are those the replay of the same run's trace prints.
//
// A program that dies of a panic leaves a trace without an end record:
// with partial set, it is replayed in partial mode.
func compareOnlineReplay(t *testing.T, online, tracePath string, minReports int, partial bool) {
	t.Helper()
	replayed, res := replayFile(t, tracePath, partial, "fasttrack")
	if res.Err != nil {
		t.Logf("partial replay: %v", res.Err)
	}
	want := parseReports(t, online, "fasttrack")
	got := parseReports(t, replayed, "fasttrack")
	if len(want) < minReports {
		t.Fatalf("online run printed %d fasttrack reports, want at least %d:\n%s", len(want), minReports, online)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replayed reports differ from online ones (-online +replay):\n%s\nonline:\n%s\nreplay:\n%s", diff, online, replayed)
	}
	// The text itself, goroutine creation stacks included, should match
	// too; creation stacks are reconstructed (see createdStack), so a
	// difference is logged, not an error.
	onlineBlocks := reportBlocks(online, "fasttrack")
	replayBlocks := reportBlocks(replayed, "fasttrack")
	if diff := cmp.Diff(onlineBlocks, replayBlocks); diff != "" {
		t.Logf("report text differs (-online +replay):\n%s", diff)
	}
	t.Logf("%d reports, %d events replayed", len(want), res.Events)
}

// reportBlocks returns the text of detector's report blocks.
func reportBlocks(out, detector string) []string {
	var blocks []string
	for _, b := range strings.SplitAfter(out, "==================\n") {
		if strings.HasPrefix(b, "WARNING: ") && strings.Contains(b, "("+detector+")\n") {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

func TestReplayEqualsOnline(t *testing.T) {
	goCmd, root := patchedGoForTest(t)
	online, tracePath, _ := runRecorded(t, goCmd, root, nil, false, "./internal/trace/testdata/racy")
	compareOnlineReplay(t, online, tracePath, 2, false)

	// The replay of a trace cut short, in partial mode, prints a
	// subset of the reports and says where the trace ends.
	data, err := os.ReadFile(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut")
	os.WriteFile(cut, data[:len(data)*2/3], 0o644)
	out, res := replayFile(t, cut, true, "fasttrack")
	if res.Err == nil || len(parseReports(t, out, "fasttrack")) > len(parseReports(t, online, "fasttrack")) {
		t.Errorf("partial replay: Err %v, %d reports", res.Err, len(parseReports(t, out, "fasttrack")))
	}
	f, _ := os.Open(cut)
	defer f.Close()
	if _, err := replay(f, replayOptions{Detectors: []string{"fasttrack"}}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "byte offset") {
		t.Errorf("replay of a cut trace: %v, want an error with a byte offset", err)
	}
}

// Corpus cases: a family's test binary, buggy tests and fixed twins, in
// one run.
func TestReplayEqualsOnlineCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds corpus test binaries")
	}
	goCmd, root := patchedGoForTest(t)
	work := filepath.Join(t.TempDir(), "go.work")
	os.WriteFile(work, []byte("go 1.26.8\n\nuse (\n\t"+root+"\n\t"+filepath.Join(root, "testdata", "corpus")+"\n)\n"), 0o644)
	// channels and waitgroup have panic cases: the test binary dies of
	// the first, and its trace has no end record.
	for _, family := range []string{"hb", "channels", "waitgroup"} {
		t.Run(family, func(t *testing.T) {
			online, tracePath, _ := runRecorded(t, goCmd, filepath.Join(root, "testdata", "corpus"), []string{"GOWORK=" + work},
				true, "./"+family, "-test.count=1", "-test.cpu=2", "-test.timeout=60s")
			compareOnlineReplay(t, online, tracePath, 1, family != "hb")
		})
	}
}
