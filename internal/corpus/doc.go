// Package corpus runs drace's race corpus: Go test files, one case each,
// whose buggy test and its fixed twin are run under every detector
// configuration and scored against the expectations written in the files.
//
// The layout (testdata/corpus at the repository root): a family is a
// directory of *_test.go files, one package; a case is one file with a
// header
//
//	// Case: one-line description.
//	// Classes: hb lockset
//	// Deterministic: hb
//	// Known-FP: lockset        (optional)
//	// Timeout: 5s              (optional)
//
// a buggy test TestX and its twin TestNoX (the name with "No" after
// "Test"), and want comments on the lines a report must point at:
//
//	counter++ // want race
//	mu2.Lock() // want deadlock "lock order"
//
// Timeout is the buggy test's -test.timeout when shorter than the run's:
// a test that hangs until a detector ends it (or, without one, the
// timeout) costs no more than that.
//
// Each case test runs as its own process, with GORACE set to print every
// report without delay and DRACE_FLAGS=leak.explosion=1000 (the leak detector's
// explosion threshold, a tenth of its default), so that a goroutine
// explosion case needs only a thousand-odd goroutines.
//
// A class owns the wants of the kinds its detectors report; class runtime,
// the Go runtime's own checks, owns the panic wants, and the deadlock and
// race wants of the runtime's crashes (all goroutines asleep, a test
// timeout, a concurrent map access): those every configuration must
// satisfy (see Case.RuntimeOwned).
//
// One job per file: case.go loads cases, report.go parses a test binary's
// output into reports, match.go matches reports to wants and gives
// verdicts, run.go builds and runs the test binaries, table.go renders the
// results and baseline.go compares them with a saved baseline.
package corpus
