package corpus

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"

	"drace/toolkit/racetest"
)

// Verdicts of one case test under one detector.
const (
	TP      = "TP"       // buggy test: every want matched, nothing unexpected
	FN      = "FN"       // buggy test: a want the detector's class must catch went unmatched
	FP      = "FP"       // a report matching no want
	KnownFP = "known-FP" // an FP of a class the case's Known-FP header documents
	OK      = "OK"       // twin: no report
	NA      = "n/a"      // buggy test the detector's class need not catch, and no FP
	Flaky   = "flaky"    // runs disagreed
	Skip    = "skip"     // the test skipped itself
	Error   = "error"    // the test did not run: build failure, no such test
)

// DetectorClass maps each detector to its class (the spec's table); tsan
// is -race.
var DetectorClass = map[string]string{
	"tsan":      "hb",
	"fasttrack": "hb",
	"lockset":   "lockset",
	"hybrid":    "lockset",
	"atomicmix": "atomicmix",
	"lockorder": "lockorder",
	"leak":      "leak",
	// drace predict's algorithms (configuration predict).
	"shb":   "predict",
	"wcp":   "predict",
	"syncp": "predict",
	// drace predict's blocking-bug algorithm: the hangs a reordering
	// exposes.
	"block": "predictblock",
}

// classKinds are the want kinds each class reports. Class runtime is the
// Go runtime's own checks, which every configuration has: panics, the
// deadlock crash and test timeouts (deadlock), and concurrent map crashes
// (race). Which wants of those kinds are the runtime's, see RuntimeOwned.
var classKinds = map[string][]string{
	"hb":           {"race"},
	"lockset":      {"race"},
	"predictive":   {"race", "panic"}, // panic: a negative WaitGroup counter another order reaches
	"predict":      {"race", "panic"}, // panic: a negative WaitGroup counter
	"predictblock": {"deadlock"},
	"atomicmix":    {"atomicmix"},
	"lockorder":    {"deadlock"},
	"leak":         {"leak", "deadlock"},
	"runtime":      {"panic", "race", "deadlock"},
}

// leakDeadlockTexts are the "Kind: Message" beginnings of the leak
// detector's DEADLOCK reports (the goroutines it names blocked for good),
// which lockorder's DEADLOCK and POTENTIAL DEADLOCK reports (a lock, its
// holders, a lock order) do not share.
var leakDeadlockTexts = []string{
	"DEADLOCK: all goroutines are blocked",
	"DEADLOCK: goroutines blocked for good",
}

// owns reports whether class must satisfy want w, of a kind it reports.
// Both lockorder and leak report deadlocks: a deadlock want whose regexp
// matches one of leak's own texts is leak's alone, one matching the
// runtime's (a test timed out: a hang no detector ended) neither's, one
// with another regexp (a lock order, a recursion, a lock's holder)
// lockorder's alone (and predictblock's, drace predict's block, whose
// cases are its own), and one without a regexp belongs to both.
func owns(class string, w Want) bool {
	if w.Kind != "deadlock" || w.Regexp == nil {
		return true
	}
	if slices.ContainsFunc(runtimeTexts["deadlock"], w.Regexp.MatchString) {
		return false
	}
	leaks := slices.ContainsFunc(leakDeadlockTexts, w.Regexp.MatchString)
	switch class {
	case "leak":
		return leaks
	case "lockorder", "predictblock":
		return !leaks
	}
	return true
}

// runtimeTexts are, per want kind, the "Kind: Message" texts of the
// reports the Go runtime itself makes of that kind.
var runtimeTexts = map[string][]string{
	"deadlock": {
		"fatal error: all goroutines are asleep - deadlock!",
		"panic: test timed out after 30s",
	},
	"race": {
		"fatal error: concurrent map writes",
		"fatal error: concurrent map read and map write",
		"fatal error: concurrent map iteration and map write",
		"fatal error: concurrent map clear and map write",
	},
}

// RuntimeOwned reports whether want w of case c belongs to class runtime,
// which every configuration must then satisfy: with runtime in the case's
// Classes, every panic want, and a deadlock or race want that is the
// runtime's crash: its regexp matches the runtime's own text of that kind
// ("all goroutines are asleep", "test timed out", "concurrent map …"), or
// it has no regexp and no other class of the case reports its kind. Other
// wants stay with their classes.
func (c *Case) RuntimeOwned(w Want) bool {
	if !c.HasClass("runtime") {
		return false
	}
	if w.Kind == "panic" {
		return true
	}
	texts := runtimeTexts[w.Kind]
	if texts == nil {
		return false
	}
	if w.Regexp != nil {
		return slices.ContainsFunc(texts, w.Regexp.MatchString)
	}
	for _, class := range c.Classes {
		if class != "runtime" && slices.Contains(classKinds[class], w.Kind) {
			return false
		}
	}
	return true
}

// Matches reports whether report r, whose positions in the case file are
// pos, satisfies want w, by racetest's rule, which detectors' own tests
// share: the same kind, w's line among pos, w's regexp matching r's text.
func Matches(r *Report, pos []Pos, w Want) bool {
	return racetest.Matches(finding(r, pos), w)
}

// finding is report r, whose positions in the case file are pos, as
// racetest matches it.
func finding(r *Report, pos []Pos) racetest.Finding {
	f := racetest.Finding{Kind: r.WantKind(), Text: r.Text()}
	for _, p := range pos {
		f.Pos = append(f.Pos, racetest.Pos(p))
	}
	return f
}

// Match matches one run's reports against wants, with racetest.Match: it
// returns the reports that match no want and the wants that no report
// matches. A report may satisfy several wants (a race's two accesses).
func Match(c *Case, wants []Want, reports []*Report) (unexpected []*Report, unmatched []Want) {
	fs := make([]racetest.Finding, len(reports))
	for i, r := range reports {
		fs[i] = finding(r, r.Positions(c))
	}
	ui, wi := racetest.Match(wants, fs)
	for _, i := range ui {
		unexpected = append(unexpected, reports[i])
	}
	for _, i := range wi {
		unmatched = append(unmatched, wants[i])
	}
	return unexpected, unmatched
}

// An Outcome is the verdict of one run of a case test under one detector,
// with what went wrong.
type Outcome struct {
	Verdict    string   `json:"verdict"`
	CPU        int      `json:"cpu"`
	Mismatches []string `json:"mismatches,omitempty"` // "unexpected report: …", "no report matching: …"
	Diff       string   `json:"diff,omitempty"`       // expected vs got, "file:line kind", on a mismatch
	Notes      []string `json:"notes,omitempty"`      // test failures and the like, which do not change the verdict
}

// Expected reports whether the case's buggy test must be caught by
// detector: its class, or runtime, is in the case's Classes.
func (c *Case) Expected(detector string) bool {
	return c.inClass(DetectorClass[detector]) || c.HasClass("runtime")
}

// inClass reports whether the case's buggy test is one class must catch.
// Class predict, of the prediction algorithms, has the races of class
// hb and those of class predictive: a recorded run in which both racing
// accesses ran has them, in whatever order it ran them.
func (c *Case) inClass(class string) bool {
	if class == "predict" {
		return c.HasClass("hb") || c.HasClass("predictive")
	}
	return c.HasClass(class)
}

// relevant returns the buggy test's wants that detector must satisfy: the
// runtime's (see RuntimeOwned), and, when its class is in the case's
// Classes, the others of the kinds its class reports.
func (c *Case) relevant(detector string) []Want {
	class := DetectorClass[detector]
	kinds := classKinds[class]
	mine := c.inClass(class)
	var ws []Want
	for _, w := range c.Wants {
		if c.RuntimeOwned(w) || mine && slices.Contains(kinds, w.Kind) && owns(class, w) {
			ws = append(ws, w)
		}
	}
	return ws
}

// Judge gives the verdict of one run of test (the case's buggy test or its
// twin) under detector, from the run's parsed output. The detector sees
// its own reports and the runtime's crashes.
func Judge(c *Case, test, detector string, out *Output) Outcome {
	var o Outcome
	for _, f := range out.Failures {
		for _, m := range f.Messages {
			// Package testing's own line for a test the detectors failed:
			// "race detected during execution of test", or with drace's
			// detectors what they found ("goroutine leak detected ...").
			if !strings.HasSuffix(m, " detected during execution of test") {
				o.Notes = append(o.Notes, fmt.Sprintf("%s failed: %s", f.Test, m))
			}
		}
	}
	switch {
	case out.NoTests:
		o.Verdict = Error
		o.Notes = append(o.Notes, "no test "+test+" in the binary")
		return o
	case out.Disabled[detector] != "":
		o.Verdict = Error
		o.Notes = append(o.Notes, "detector panicked and was disabled: "+out.Disabled[detector])
		return o
	case slices.Contains(out.Skipped, test):
		o.Verdict = Skip
		return o
	}
	var reports []*Report
	for _, r := range out.Reports {
		if r.Detector == detector || r.Detector == "" {
			reports = append(reports, r)
		}
	}
	buggy := test == c.Buggy
	var wants, relevant []Want
	expected := false
	if buggy {
		wants = c.Wants
		expected = c.Expected(detector)
		if expected {
			relevant = c.relevant(detector)
		}
	}
	unexpected, unmatched := Match(c, wants, reports)
	var missed []Want
	for _, w := range unmatched {
		if slices.ContainsFunc(relevant, func(r Want) bool { return r.String() == w.String() }) {
			missed = append(missed, w)
		}
	}
	fp := FP
	if slices.Contains(c.KnownFP, DetectorClass[detector]) {
		fp = KnownFP
	}
	switch {
	case !buggy && len(unexpected) > 0:
		o.Verdict = fp
	case !buggy:
		o.Verdict = OK
	case len(missed) > 0:
		o.Verdict = FN
	case len(unexpected) > 0:
		o.Verdict = fp
	case expected:
		o.Verdict = TP
	default:
		o.Verdict = NA
	}
	if len(unexpected) == 0 && len(missed) == 0 {
		return o
	}
	for _, r := range unexpected {
		o.Mismatches = append(o.Mismatches, "unexpected report: "+describe(c, r))
	}
	for _, w := range missed {
		o.Mismatches = append(o.Mismatches, "no report matching: "+w.String())
	}
	slices.Sort(o.Mismatches)
	o.Mismatches = slices.Compact(o.Mismatches)

	// The diff: the wants the detector had to meet or met, against every
	// position reported.
	want, got := []string{}, []string{}
	for _, w := range wants {
		if slices.ContainsFunc(relevant, func(r Want) bool { return r.String() == w.String() }) ||
			!slices.ContainsFunc(unmatched, func(u Want) bool { return u.String() == w.String() }) {
			want = append(want, fmt.Sprintf("%s:%d %s", w.File, w.Line, w.Kind))
		}
	}
	for _, r := range reports {
		pos := r.Positions(c)
		if len(pos) == 0 {
			got = append(got, "-:0 "+r.WantKind())
		}
		for _, p := range pos {
			got = append(got, fmt.Sprintf("%s %s", p, r.WantKind()))
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	o.Diff = cmp.Diff(slices.Compact(want), slices.Compact(got))
	return o
}

// describe is a report in one line for a mismatch message:
// "file.go:12: race (fasttrack) DATA RACE [also file.go:16]".
func describe(c *Case, r *Report) string {
	pos := r.Positions(c)
	where := c.Name + ":?"
	if len(pos) > 0 {
		where = pos[0].String()
	}
	text, _, _ := strings.Cut(r.Text(), "\n")
	text = addrRE.ReplaceAllString(text, "0x…") // addresses change from run to run
	s := fmt.Sprintf("%s: %s (%s) %s", where, r.WantKind(), r.DetectorName(), text)
	if len(pos) > 1 {
		var also []string
		for _, p := range pos[1:] {
			also = append(also, p.String())
		}
		s += " [also " + strings.Join(also, ", ") + "]"
	}
	return s
}

var addrRE = regexp.MustCompile(`0x[0-9a-f]{6,}`)

// Combine gives the verdict over several runs: theirs when they agree,
// error if one could not run, flaky otherwise.
func Combine(runs []Outcome) string {
	if len(runs) == 0 {
		return Error
	}
	v := runs[0].Verdict
	for _, r := range runs[1:] {
		if r.Verdict != v {
			if slices.ContainsFunc(runs, func(o Outcome) bool { return o.Verdict == Error }) {
				return Error
			}
			return Flaky
		}
	}
	return v
}
