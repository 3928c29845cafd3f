package main

// drace bench: the summary math. Reduces the samples of each (workload,
// configuration) to medians and ranges, and to ratios to patched -race.

import (
	"runtime"
	"slices"
	"time"
)

// A benchReport is a whole bench run: the samples as measured and their
// summaries, one per (workload, configuration) in -pkgs × -configs order.
type benchReport struct {
	Started   string         `json:"started,omitempty"` // RFC 3339
	CPUs      int            `json:"cpus"`
	Rounds    int            `json:"rounds"`
	Baseline  string         `json:"baseline"` // the configuration ratios are relative to
	Workloads []string       `json:"workloads"`
	Configs   []string       `json:"configs"`
	Samples   []benchSample  `json:"samples"`
	Summaries []benchSummary `json:"summaries"`
	// Title and XTitle, when set, replace the chart's title and x-axis
	// title (drace eval draws its packages with the same chart).
	Title  string `json:"-"`
	XTitle string `json:"-"`
}

// A benchSpread is a median with the smallest and largest value.
type benchSpread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// A benchSummary summarises one workload in one configuration.
type benchSummary struct {
	Workload  string      `json:"workload"`
	Config    string      `json:"config"`
	Runs      int         `json:"runs"`
	Failed    int         `json:"failed"`          // runs that exited with an error
	Error     string      `json:"error,omitempty"` // the first failed run's error
	Seconds   benchSpread `json:"seconds"`
	MaxRSSKiB benchSpread `json:"max_rss_kib"`
	// Ratio is the time relative to the baseline's median time: the
	// median time over it, and the fastest and slowest run over it.
	// Nil when the baseline has no samples for the workload.
	Ratio *benchSpread `json:"ratio"`
	// RSSRatio is the median peak memory over the baseline's.
	RSSRatio *float64 `json:"rss_ratio"`
	// CPURatio is the median CPU time (user and system) over the
	// baseline's: on a loaded machine, where wall time mostly measures
	// the other load, the steadier of the two.
	CPURatio *float64 `json:"cpu_ratio"`
	// RSSOverTime is the resident memory every rssInterval into the
	// runs, the median over the runs still going at that time (while
	// at least half of them are): memory over time.
	RSSOverTime []float64 `json:"rss_kib_over_time,omitempty"`
}

// newBenchReport summarises the samples of a run started at the given time.
func newBenchReport(started time.Time, workloads, configs []string, rounds int, samples []benchSample) benchReport {
	return benchReport{
		Started:   started.UTC().Format(time.RFC3339),
		CPUs:      runtime.NumCPU(),
		Rounds:    rounds,
		Baseline:  benchBaseline,
		Workloads: workloads,
		Configs:   configs,
		Samples:   samples,
		Summaries: summarizeBench(workloads, configs, samples, benchBaseline),
	}
}

// summarizeBench summarises the samples of each workload × configuration, in
// that order; a pair without samples has Runs == 0 and no ratios.
func summarizeBench(workloads, configs []string, samples []benchSample, baseline string) []benchSummary {
	type key struct{ w, c string }
	by := map[key][]benchSample{}
	for _, s := range samples {
		k := key{s.Workload, s.Config}
		by[k] = append(by[k], s)
	}
	var out []benchSummary
	for _, w := range workloads {
		base := by[key{w, baseline}]
		baseT, baseM := spread(field(base, secondsOf)), spread(field(base, rssOf))
		baseC := spread(field(base, cpuOf))
		for _, c := range configs {
			ss := by[key{w, c}]
			sum := benchSummary{Workload: w, Config: c, Runs: len(ss)}
			for _, s := range ss {
				if s.Error != "" {
					if sum.Failed == 0 {
						sum.Error = s.Error
					}
					sum.Failed++
				}
			}
			if len(ss) == 0 {
				out = append(out, sum)
				continue
			}
			sum.RSSOverTime = medianSeries(ss)
			sum.Seconds = spread(field(ss, secondsOf))
			sum.MaxRSSKiB = spread(field(ss, rssOf))
			if len(base) > 0 && baseT.Median > 0 {
				sum.Ratio = &benchSpread{
					Median: sum.Seconds.Median / baseT.Median,
					Min:    sum.Seconds.Min / baseT.Median,
					Max:    sum.Seconds.Max / baseT.Median,
				}
			}
			if len(base) > 0 && baseM.Median > 0 {
				r := sum.MaxRSSKiB.Median / baseM.Median
				sum.RSSRatio = &r
			}
			if c := spread(field(ss, cpuOf)); len(base) > 0 && baseC.Median > 0 && c.Median > 0 {
				r := c.Median / baseC.Median
				sum.CPURatio = &r
			}
			out = append(out, sum)
		}
	}
	return out
}

// medianSeries returns the median of the samples' memory series at each
// point in time, while at least half of the samples reach it.
func medianSeries(ss []benchSample) []float64 {
	var out []float64
	for i := 0; ; i++ {
		var at []float64
		for _, s := range ss {
			if i < len(s.RSSKiB) {
				at = append(at, float64(s.RSSKiB[i]))
			}
		}
		if len(at) == 0 || 2*len(at) < len(ss) {
			return out
		}
		out = append(out, spread(at).Median)
	}
}

func secondsOf(s benchSample) float64 { return s.Seconds }
func rssOf(s benchSample) float64     { return float64(s.MaxRSSKiB) }
func cpuOf(s benchSample) float64     { return s.CPU }

func field(ss []benchSample, f func(benchSample) float64) []float64 {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	return xs
}

// spread returns the median (the mean of the middle two for an even
// count), minimum and maximum of xs; zeros for none.
func spread(xs []float64) benchSpread {
	if len(xs) == 0 {
		return benchSpread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return benchSpread{Median: med, Min: s[0], Max: s[n-1]}
}
