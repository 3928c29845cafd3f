package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBenchTable(t *testing.T) {
	var buf bytes.Buffer
	writeBenchTable(&buf, testBenchReport())
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	// Header, 2 workloads × 3 configs, the footnote and the FAILED note.
	if len(lines) != 1+6+2 {
		t.Fatalf("%d lines, want 9:\n%s", len(lines), buf.String())
	}
	want := []string{
		"sync off 0.600s 0.500–0.700 0.20 - 1 0.50",
		"sync race 3.00s 2.00–4.00 1.00 1.00 2 1.00",
		"sync fasttrack 40.0s 30.0–50.0 13.33 26.67 8 4.00",
		"bench/matmul off 0.100s 0.100–0.100 0.10 0.10 1 0.25",
		"bench/matmul race 1.00s 1.00–1.00 1.00 1.00 4 1.00",
		"bench/matmul fasttrack 70.0s 60.0–80.0 70.00 70.00 9 2.20 FAILED 1/2: exit status 66",
	}
	for i, w := range want {
		if got := strings.Join(strings.Fields(lines[1+i]), " "); got != w {
			t.Errorf("row %d = %q, want %q", i, got, w)
		}
	}
	// Numbers are right-aligned: the time column ends at the same place.
	end := strings.Index(lines[1], "0.600s") + len("0.600s")
	if e := strings.Index(lines[3], "40.0s") + len("40.0s"); e != end {
		t.Errorf("time column not right-aligned:\n%s\n%s", lines[1], lines[3])
	}
	if !strings.HasPrefix(lines[8], "FAILED") {
		t.Errorf("no FAILED note at the end: %q", lines[8])
	}
}

func TestBenchTableMemoryOverTime(t *testing.T) {
	// A 25-second run: memory flat under race, growing under fasttrack.
	flat, grows := make([]int64, 25), make([]int64, 25)
	for i := range flat {
		flat[i] = 100 << 10
		grows[i] = int64(100+20*i) << 10
	}
	samples := []benchSample{
		{Workload: "bench/service", Config: "race", Round: 1, Seconds: 25, MaxRSSKiB: 100 << 10, RSSKiB: flat},
		{Workload: "bench/service", Config: "fasttrack", Round: 1, Seconds: 25, MaxRSSKiB: 580 << 10, RSSKiB: grows},
		{Workload: "sync", Config: "race", Round: 1, Seconds: 3, MaxRSSKiB: 50 << 10, RSSKiB: []int64{1, 2, 3}},
	}
	rep := newBenchReport(time.Now(), []string{"bench/service", "sync"}, []string{"race", "fasttrack"}, 1, samples)
	var buf bytes.Buffer
	writeBenchTable(&buf, rep)
	out := buf.String()
	_, section, ok := strings.Cut(out, "resident memory over time")
	if !ok {
		t.Fatalf("no memory-over-time section:\n%s", out)
	}
	lines := strings.Split(strings.TrimRight(section, "\n"), "\n")
	// Title rest, header, one row per configuration of the long workload;
	// sync's 3-second runs are not shown over time.
	want := []string{
		"workload config 10s 20s growth",
		"bench/service race 100 100 1.00",
		// growth: peak of seconds 16–25 (580) over peak of 11–20 (480).
		"bench/service fasttrack 280 480 1.21",
	}
	if len(lines) != 1+len(want) {
		t.Fatalf("memory-over-time section has %d lines, want %d:\n%s", len(lines), 1+len(want), section)
	}
	for i, w := range want {
		if got := strings.Join(strings.Fields(lines[1+i]), " "); got != w {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}
	// Without a long run there is no such section.
	buf.Reset()
	writeBenchTable(&buf, testBenchReport())
	if strings.Contains(buf.String(), "over time") {
		t.Errorf("memory-over-time section for short runs:\n%s", buf.String())
	}
}
