package main

import (
	"bytes"
	"strings"
	"testing"
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
		"sync off 0.600s 0.500–0.700 0.20 1 0.50",
		"sync race 3.00s 2.00–4.00 1.00 2 1.00",
		"sync fasttrack 40.0s 30.0–50.0 13.33 8 4.00",
		"bench/matmul off 0.100s 0.100–0.100 0.10 1 0.25",
		"bench/matmul race 1.00s 1.00–1.00 1.00 4 1.00",
		"bench/matmul fasttrack 70.0s 60.0–80.0 70.00 9 2.20 FAILED 1/2: exit status 66",
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
