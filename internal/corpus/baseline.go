package corpus

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// A Baseline maps "family/TestName/detector" to a verdict.
type Baseline map[string]string

// ReadBaseline reads a baseline file.
func ReadBaseline(file string) (Baseline, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	for k, v := range b {
		if _, ok := rank[v]; !ok {
			return nil, fmt.Errorf("%s: %s: unknown verdict %q", file, k, v)
		}
	}
	return b, nil
}

// NewBaseline returns the verdicts of results as a baseline.
func NewBaseline(results []*Result) Baseline {
	b := Baseline{}
	for _, r := range results {
		b[r.Key()] = r.Verdict
	}
	return b
}

// Update returns b with the verdicts of results: entries of results
// replace b's, and b's entries for case tests that still exist in cases but
// were not run this time (another -run or -detectors) stay, while those of
// case tests gone from the corpus go.
func (b Baseline) Update(results []*Result, cases []*Case) Baseline {
	tests := map[string]bool{}
	for _, c := range cases {
		tests[c.Family+"/"+c.Buggy+"/"] = true
		tests[c.Family+"/"+c.Twin+"/"] = true
	}
	nb := Baseline{}
	for k, v := range b {
		if i := strings.LastIndex(k, "/"); i >= 0 && tests[k[:i+1]] {
			nb[k] = v
		}
	}
	for _, r := range results {
		nb[r.Key()] = r.Verdict
	}
	return nb
}

// Write writes the baseline to file as indented JSON, keys sorted.
func (b Baseline) Write(file string) error {
	data, err := json.MarshalIndent(b, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o666)
}

// rank orders verdicts from best to worst: a verdict of higher rank than
// the baseline's is a regression.
var rank = map[string]int{
	TP: 0, OK: 0, NA: 0, Skip: 0,
	KnownFP: 1,
	Flaky:   2,
	FN:      3,
	FP:      4,
	Error:   5,
}

// Compare compares results with the baseline b and returns the results
// worse than their baseline verdict and those better, as sorted
// "family/TestName/detector: OLD -> NEW" lines. Results the baseline does
// not have, and baseline entries not run, are neither.
func Compare(b Baseline, results []*Result) (worse, improved []string) {
	for _, r := range results {
		old, ok := b[r.Key()]
		if !ok || old == r.Verdict {
			continue
		}
		line := fmt.Sprintf("%s: %s -> %s", r.Key(), old, r.Verdict)
		switch {
		case rank[r.Verdict] > rank[old]:
			worse = append(worse, line)
		case rank[r.Verdict] < rank[old]:
			improved = append(improved, line)
		}
	}
	slices.Sort(worse)
	slices.Sort(improved)
	return worse, improved
}

// Keys returns the baseline's keys, sorted.
func (b Baseline) Keys() []string { return slices.Sorted(maps.Keys(b)) }
