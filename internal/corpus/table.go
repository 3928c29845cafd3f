package corpus

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// A Tally counts one detector's verdicts over some case tests.
type Tally struct {
	Cases   int // buggy tests the detector's class must catch
	Caught  int // TP
	Missed  int // FN
	FP      int // FP, buggy tests and twins
	KnownFP int
	Flaky   int
	Errors  int
}

func (t *Tally) add(r *Result) {
	if r.Expected {
		t.Cases++
	}
	switch r.Verdict {
	case TP:
		t.Caught++
	case FN:
		t.Missed++
	case FP:
		t.FP++
	case KnownFP:
		t.KnownFP++
	case Flaky:
		t.Flaky++
	case Error:
		t.Errors++
	}
}

// detectorsOf returns the detectors of results, tsan first, then in order
// of appearance.
func detectorsOf(results []*Result) []string {
	var ds []string
	for _, r := range results {
		if !slices.Contains(ds, r.Detector) {
			ds = append(ds, r.Detector)
		}
	}
	return SortDetectors(ds)
}

// WriteTable writes the detector × family table of results, each family's
// rows then each detector's totals, tsan first for comparison.
func WriteTable(w io.Writer, results []*Result) error {
	dets := detectorsOf(results)
	var families []string
	tallies := map[[2]string]*Tally{} // (family, detector); family "" is the total
	for _, r := range results {
		if !slices.Contains(families, r.Family) {
			families = append(families, r.Family)
		}
		for _, f := range []string{r.Family, ""} {
			t := tallies[[2]string{f, r.Detector}]
			if t == nil {
				t = new(Tally)
				tallies[[2]string{f, r.Detector}] = t
			}
			t.add(r)
		}
	}
	slices.Sort(families)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "family\tdetector\tcases\tcaught\tmissed\tFP\tknown-FP\tflaky\terror")
	row := func(family, det string, t *Tally) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", family, det, t.Cases, t.Caught, t.Missed, t.FP, t.KnownFP, t.Flaky, t.Errors)
	}
	for _, f := range families {
		for _, d := range dets {
			if t := tallies[[2]string{f, d}]; t != nil {
				row(f, d, t)
			}
		}
	}
	for _, d := range dets {
		row("TOTAL", d, tallies[[2]string{"", d}])
	}
	return tw.Flush()
}

// Good reports whether a verdict is as the case expects.
func Good(verdict string) bool {
	switch verdict {
	case TP, OK, NA, Skip, KnownFP:
		return true
	}
	return false
}

// WriteDetails writes, for each result whose verdict is not good, what
// went wrong: each run's distinct mismatches and notes, and the first
// run's diff of expected against reported positions.
func WriteDetails(w io.Writer, results []*Result) {
	for _, r := range results {
		if Good(r.Verdict) {
			continue
		}
		var counts []string
		for _, o := range r.Runs {
			counts = append(counts, o.Verdict)
		}
		fmt.Fprintf(w, "--- %s %s: %s (runs: %s)\n", r.Key(), r.File, r.Verdict, strings.Join(counts, " "))
		var seen []string
		diff := ""
		for _, o := range r.Runs {
			for _, m := range append(slices.Clone(o.Mismatches), o.Notes...) {
				if !slices.Contains(seen, m) {
					seen = append(seen, m)
					fmt.Fprintf(w, "\t%s\n", m)
				}
			}
			if diff == "" && o.Diff != "" {
				diff = o.Diff
			}
		}
		if diff != "" {
			fmt.Fprintf(w, "\t(-want +got):\n")
			for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
				fmt.Fprintf(w, "\t%s\n", l)
			}
		}
	}
}

// Nondeterministic lists the buggy tests whose header says a detector's
// class catches them in every schedule but that the detector missed or
// caught only sometimes.
func Nondeterministic(results []*Result) []string {
	var list []string
	for _, r := range results {
		if r.Twin || r.Case == nil || (r.Verdict != FN && r.Verdict != Flaky) {
			continue
		}
		det := r.Case.Deterministic
		if (r.Class != "" && slices.Contains(det, r.Class)) || slices.Contains(det, "runtime") {
			list = append(list, fmt.Sprintf("%s: %s, but // Deterministic: %s", r.Key(), r.Verdict, strings.Join(det, " ")))
		}
	}
	return list
}
