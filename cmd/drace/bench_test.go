package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseBenchConfigs(t *testing.T) {
	installed := []string{"count", "fasttrack", "null"}
	cfgs, err := parseBenchConfigs("off,race-stock,race,null,fasttrack,count+null,all,example.com/m/det+null", installed)
	if err != nil {
		t.Fatal(err)
	}
	want := []benchConfig{
		{name: "off"},
		{name: "race-stock", stock: true, flags: []string{"-race"}},
		{name: "race", flags: []string{"-race"}},
		{name: "null", flags: []string{"-drace=null"}},
		{name: "fasttrack", flags: []string{"-drace=fasttrack"}},
		{name: "count+null", flags: []string{"-drace=count,null"}},
		{name: "all", flags: []string{"-drace=all"}},
		{name: "example.com/m/det+null", flags: []string{"-drace=example.com/m/det,null"}},
	}
	if len(cfgs) != len(want) {
		t.Fatalf("got %d configurations, want %d", len(cfgs), len(want))
	}
	for i := range want {
		if cfgs[i].name != want[i].name || cfgs[i].stock != want[i].stock || !slices.Equal(cfgs[i].flags, want[i].flags) {
			t.Errorf("config %d = %+v, want %+v", i, cfgs[i], want[i])
		}
	}
	for list, msg := range map[string]string{
		"race,nosuch":    `unknown configuration "nosuch"`,
		"null+nosuch":    `unknown configuration "null+nosuch"`,
		"null+":          `unknown configuration "null+"`,
		"race,,null":     "empty name",
		"race,null,race": "race given twice",
		"":               "empty name",
	} {
		_, err := parseBenchConfigs(list, installed)
		if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("-configs=%s: error %v, want one line with %q", list, err, msg)
		}
	}
}

func TestParseBenchWorkloadsOurs(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "wc"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wc", "wc_test.go"), []byte("package wc\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	ws, err := parseBenchWorkloads("bench/wc", "/nonexistent/go", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0] != (benchWorkload{name: "bench/wc", pkg: "./wc", dir: dir, runIn: filepath.Join(dir, "wc")}) {
		t.Errorf("bench/wc = %+v", ws)
	}
	for _, list := range []string{"bench/nosuch", "bench/", "bench/../wc", "bench/wc,bench/wc", "bench/wc,"} {
		if _, err := parseBenchWorkloads(list, "/nonexistent/go", dir); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("-pkgs=%s: error %v, want a one-line error", list, err)
		}
	}
}

// TestBenchWorkloadsExist checks that the default bench/ workloads are in
// testdata/bench.
func TestBenchWorkloadsExist(t *testing.T) {
	for _, name := range strings.Split(benchDefaultPkgs, ",") {
		if sub, ok := strings.CutPrefix(name, benchPrefix); ok && !hasGoTests(filepath.Join("..", "..", "testdata", "bench", sub)) {
			t.Errorf("default workload %s: no tests in testdata/bench/%s", name, sub)
		}
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-rounds=0"}, {"-nosuch"}, {"extra"}, {"-timeout=-1s"}, {"-run=("}, {"-rounds=x"}} {
		err := bench(args)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "bench: ") {
			t.Errorf("bench %v: error %v, want one line starting bench:", args, err)
		}
	}
}

func TestBenchRunOnceSamplesMemory(t *testing.T) {
	// A stand-in for a test binary that runs 2.5 s: its memory is
	// sampled every second while it runs.
	bin := filepath.Join(t.TempDir(), "slow.test")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexec sleep 2.5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := &benchMeasurer{timeout: time.Minute}
	s := m.runOnce(bin, t.TempDir())
	if s.Error != "" {
		t.Fatalf("run failed: %s", s.Error)
	}
	if len(s.RSSKiB) < 1 || len(s.RSSKiB) > 3 {
		t.Fatalf("%d memory samples in %.1fs, want about 2: %v", len(s.RSSKiB), s.Seconds, s.RSSKiB)
	}
	for _, kib := range s.RSSKiB {
		if kib <= 0 || kib > s.MaxRSSKiB {
			t.Errorf("memory sample %d KiB, peak %d KiB", kib, s.MaxRSSKiB)
		}
	}
}
