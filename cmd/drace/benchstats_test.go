package main

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want benchSpread
	}{
		{nil, benchSpread{}},
		{[]float64{3}, benchSpread{3, 3, 3}},
		{[]float64{5, 1, 3}, benchSpread{3, 1, 5}},
		{[]float64{4, 1, 3, 10}, benchSpread{3.5, 1, 10}}, // even: mean of the middle two
		{[]float64{2, 2, 9, 2, 1}, benchSpread{2, 1, 9}},
	} {
		in := append([]float64(nil), tc.in...)
		if got := spread(tc.in); got != tc.want {
			t.Errorf("spread(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("spread sorted its argument: %v, was %v", tc.in, in)
			}
		}
	}
}

func sample(w, c string, round int, secs float64, rss int64, errText string) benchSample {
	return benchSample{Workload: w, Config: c, Round: round, Seconds: secs, MaxRSSKiB: rss, Error: errText}
}

func TestSummarizeBench(t *testing.T) {
	samples := []benchSample{
		// Interleaved as measured: round 1, then round 2, then round 3.
		sample("a", "race", 1, 2.0, 100, ""),
		sample("a", "off", 1, 0.5, 20, ""),
		sample("a", "ft", 1, 9.0, 400, ""),
		sample("b", "race", 1, 1.0, 50, ""),
		sample("b", "off", 1, 0.1, 10, ""),
		sample("a", "off", 2, 0.3, 30, ""),
		sample("a", "ft", 2, 7.0, 300, "exit status 66: race detected"),
		sample("a", "race", 2, 4.0, 300, ""),
		sample("b", "off", 2, 0.3, 10, ""),
		sample("b", "race", 2, 3.0, 150, ""),
		sample("a", "race", 3, 3.0, 200, ""),
		sample("a", "off", 3, 0.4, 40, ""),
		sample("a", "ft", 3, 6.0, 500, "exit status 1: FAIL"),
	}
	got := summarizeBench([]string{"a", "b"}, []string{"off", "race", "ft"}, samples, "race")
	order := [][2]string{{"a", "off"}, {"a", "race"}, {"a", "ft"}, {"b", "off"}, {"b", "race"}, {"b", "ft"}}
	if len(got) != len(order) {
		t.Fatalf("%d summaries, want %d", len(got), len(order))
	}
	for i, s := range got {
		if [2]string{s.Workload, s.Config} != order[i] {
			t.Errorf("summary %d is %s/%s, want %s/%s", i, s.Workload, s.Config, order[i][0], order[i][1])
		}
	}
	byKey := func(w, c string) benchSummary {
		for _, s := range got {
			if s.Workload == w && s.Config == c {
				return s
			}
		}
		t.Fatalf("no summary for %s/%s", w, c)
		return benchSummary{}
	}

	// a: race median 3s and 200 KiB.
	race := byKey("a", "race")
	if race.Runs != 3 || race.Seconds != (benchSpread{3, 2, 4}) || race.MaxRSSKiB != (benchSpread{200, 100, 300}) {
		t.Errorf("a/race = %+v", race)
	}
	if race.Ratio == nil || !near(race.Ratio.Median, 1) || !near(race.Ratio.Min, 2.0/3) || !near(race.Ratio.Max, 4.0/3) {
		t.Errorf("a/race ratio = %+v, want 1 (0.667–1.333)", race.Ratio)
	}
	off := byKey("a", "off")
	if off.Ratio == nil || !near(off.Ratio.Median, 0.4/3) || !near(off.Ratio.Min, 0.3/3) || !near(off.Ratio.Max, 0.5/3) {
		t.Errorf("a/off ratio = %+v, want 0.133 (0.1–0.167)", off.Ratio)
	}
	if off.RSSRatio == nil || !near(*off.RSSRatio, 30.0/200) {
		t.Errorf("a/off rss ratio = %v, want 0.15", off.RSSRatio)
	}
	ft := byKey("a", "ft")
	if ft.Failed != 2 || ft.Error != "exit status 66: race detected" {
		t.Errorf("a/ft failed %d (%q), want 2 and the first error", ft.Failed, ft.Error)
	}
	if ft.Ratio == nil || !near(ft.Ratio.Median, 7.0/3) || !near(ft.Ratio.Max, 3) {
		t.Errorf("a/ft ratio = %+v, want 2.333 (2–3): failed runs still count", ft.Ratio)
	}
	if r := ft.Ratio; r != nil && !(r.Min <= r.Median && r.Median <= r.Max) {
		t.Errorf("a/ft ratio %+v: median outside its whiskers", r)
	}

	// b: two rounds, so medians are means of two.
	boff := byKey("b", "off")
	if boff.Seconds.Median != 0.2 || boff.Ratio == nil || !near(boff.Ratio.Median, 0.2/2) {
		t.Errorf("b/off = %+v ratio %+v, want median 0.2s and ratio 0.1", boff.Seconds, boff.Ratio)
	}
	// b/ft has no samples: no times, no ratios.
	if bft := byKey("b", "ft"); bft.Runs != 0 || bft.Ratio != nil || bft.RSSRatio != nil {
		t.Errorf("b/ft = %+v, want no runs and no ratios", bft)
	}
}

func TestSummarizeBenchNoBaseline(t *testing.T) {
	got := summarizeBench([]string{"a"}, []string{"off", "null"}, []benchSample{
		sample("a", "off", 1, 1, 1, ""),
		sample("a", "null", 1, 2, 1, ""),
	}, "race")
	for _, s := range got {
		if s.Ratio != nil || s.RSSRatio != nil {
			t.Errorf("%s/%s has ratios %+v %v without a race baseline", s.Workload, s.Config, s.Ratio, s.RSSRatio)
		}
		if s.Runs != 1 {
			t.Errorf("%s/%s: %d runs, want 1", s.Workload, s.Config, s.Runs)
		}
	}
}

func TestMedianSeries(t *testing.T) {
	ss := []benchSample{
		{RSSKiB: []int64{10, 20, 30, 40}},
		{RSSKiB: []int64{30, 10, 50}},
		{RSSKiB: []int64{20, 60}},
		{RSSKiB: nil}, // failed to sample: counts against the half
	}
	// At 1 and 2: three of four samples; at 3: two of four (half); at 4:
	// one, fewer than half.
	want := []float64{20, 20, 40}
	got := medianSeries(ss)
	if len(got) != len(want) {
		t.Fatalf("medianSeries = %v, want %v", got, want)
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("medianSeries = %v, want %v", got, want)
		}
	}
	if got := medianSeries([]benchSample{{}, {}}); len(got) != 0 {
		t.Errorf("medianSeries of no series = %v, want none", got)
	}
}
