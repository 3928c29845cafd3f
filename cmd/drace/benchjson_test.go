package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func testBenchReport() benchReport {
	samples := []benchSample{
		sample("sync", "race", 1, 2.0, 2048, ""),
		sample("sync", "off", 1, 0.5, 1024, ""),
		sample("sync", "fasttrack", 1, 30, 8192, ""),
		sample("bench/matmul", "race", 1, 1.0, 4096, ""),
		sample("bench/matmul", "off", 1, 0.1, 1024, ""),
		sample("bench/matmul", "fasttrack", 1, 80, 9000, "exit status 66"),
		sample("sync", "race", 2, 4.0, 2048, ""),
		sample("sync", "off", 2, 0.7, 1024, ""),
		sample("sync", "fasttrack", 2, 50, 8192, ""),
		sample("bench/matmul", "race", 2, 1.0, 4096, ""),
		sample("bench/matmul", "off", 2, 0.1, 1024, ""),
		sample("bench/matmul", "fasttrack", 2, 60, 9000, ""),
	}
	// CPU time as wall time, but for sync's race runs, which waited for
	// the CPU (a loaded machine) and sync's off runs, whose CPU time is
	// unknown: the CPU ratio differs from the wall-time one there.
	for i := range samples {
		s := &samples[i]
		switch {
		case s.Workload == "sync" && s.Config == "race":
			s.CPU = 1.5
		case s.Workload == "sync" && s.Config == "off":
		default:
			s.CPU = s.Seconds
		}
	}
	rep := newBenchReport(time.Now(), []string{"sync", "bench/matmul"}, []string{"off", "race", "fasttrack"}, 2, samples)
	rep.Started, rep.CPUs = "2026-03-12T10:00:00Z", 2
	return rep
}

func TestBenchJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := writeBenchJSON(&buf, testBenchReport()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rounds    int      `json:"rounds"`
		Baseline  string   `json:"baseline"`
		CPUs      int      `json:"cpus"`
		Workloads []string `json:"workloads"`
		Configs   []string `json:"configs"`
		Samples   []map[string]any
		Summaries []map[string]any
	}
	dec := json.NewDecoder(&buf)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if dec.More() {
		t.Errorf("more than one JSON value")
	}
	if doc.Rounds != 2 || doc.Baseline != "race" || doc.CPUs != 2 || len(doc.Workloads) != 2 || len(doc.Configs) != 3 {
		t.Errorf("header = rounds %d baseline %q cpus %d workloads %v configs %v", doc.Rounds, doc.Baseline, doc.CPUs, doc.Workloads, doc.Configs)
	}
	if len(doc.Samples) != 12 {
		t.Fatalf("%d samples, want all 12", len(doc.Samples))
	}
	s := doc.Samples[5]
	for _, k := range []string{"workload", "config", "round", "seq", "seconds", "cpu_seconds", "max_rss_kib", "error"} {
		if _, ok := s[k]; !ok {
			t.Errorf("sample lacks %q: %v", k, s)
		}
	}
	if s["workload"] != "bench/matmul" || s["config"] != "fasttrack" || s["seconds"] != 80.0 || s["max_rss_kib"] != 9000.0 || s["error"] != "exit status 66" {
		t.Errorf("sample 5 = %v", s)
	}
	if _, ok := doc.Samples[0]["error"]; ok {
		t.Errorf("a successful sample has an error field: %v", doc.Samples[0])
	}

	if len(doc.Summaries) != 6 {
		t.Fatalf("%d summaries, want 2 workloads × 3 configs", len(doc.Summaries))
	}
	// sync/fasttrack: median 40s of race's median 3s.
	sum := doc.Summaries[2]
	if sum["workload"] != "sync" || sum["config"] != "fasttrack" {
		t.Fatalf("summary 2 is %v/%v, want sync/fasttrack", sum["workload"], sum["config"])
	}
	secs, _ := sum["seconds"].(map[string]any)
	ratio, _ := sum["ratio"].(map[string]any)
	if secs == nil || secs["median"] != 40.0 || secs["min"] != 30.0 || secs["max"] != 50.0 {
		t.Errorf("sync/fasttrack seconds = %v, want median 40 min 30 max 50", sum["seconds"])
	}
	if ratio == nil || !near(ratio["median"].(float64), 40.0/3) || !near(ratio["min"].(float64), 10) || !near(ratio["max"].(float64), 50.0/3) {
		t.Errorf("sync/fasttrack ratio = %v, want 13.33 (10–16.67)", sum["ratio"])
	}
	if r, ok := sum["rss_ratio"].(float64); !ok || r != 4 {
		t.Errorf("sync/fasttrack rss_ratio = %v, want 4", sum["rss_ratio"])
	}
	if m, _ := sum["max_rss_kib"].(map[string]any); m == nil || m["median"] != 8192.0 {
		t.Errorf("sync/fasttrack max_rss_kib = %v", sum["max_rss_kib"])
	}
	if f := doc.Summaries[5]; f["failed"] != 1.0 || f["runs"] != 2.0 || f["error"] != "exit status 66" {
		t.Errorf("bench/matmul/fasttrack: failed %v of %v runs (%v), want 1 of 2", f["failed"], f["runs"], f["error"])
	}
}
