package main

// drace bench: rendering as a table for the terminal.

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// writeBenchTable prints one row per workload and configuration, in -pkgs ×
// -configs order: median time with the min–max over the rounds, its ratio
// to -race, the ratio of the median CPU times (steadier than wall time
// on a loaded machine), median peak memory and its ratio to -race. Names
// are left-aligned and numbers right-aligned.
func writeBenchTable(w io.Writer, rep benchReport) {
	head := []string{"workload", "config", "time", "min–max", "×" + rep.Baseline, "cpu×" + rep.Baseline, "peak MiB", "mem×" + rep.Baseline, ""}
	numeric := []bool{false, false, true, true, true, true, true, true, false}
	rows := [][]string{head}
	failed := false
	for _, s := range rep.Summaries {
		row := []string{s.Workload, s.Config, "-", "-", "-", "-", "-", "-", ""}
		if s.Runs > 0 {
			row[2] = fmtSeconds(s.Seconds.Median) + "s"
			row[3] = fmtSeconds(s.Seconds.Min) + "–" + fmtSeconds(s.Seconds.Max)
			row[6] = fmt.Sprintf("%.0f", s.MaxRSSKiB.Median/1024)
		}
		if s.Ratio != nil {
			row[4] = fmt.Sprintf("%.2f", s.Ratio.Median)
		}
		if s.CPURatio != nil {
			row[5] = fmt.Sprintf("%.2f", *s.CPURatio)
		}
		if s.RSSRatio != nil {
			row[7] = fmt.Sprintf("%.2f", *s.RSSRatio)
		}
		if s.Failed > 0 {
			row[8] = fmt.Sprintf("FAILED %d/%d: %s", s.Failed, s.Runs, s.Error)
			failed = true
		}
		rows = append(rows, row)
	}

	if !failed { // no notes: no trailing blank column
		for i := range rows {
			rows[i] = rows[i][:len(rows[i])-1]
		}
	}
	writeAligned(w, rows, numeric)
	fmt.Fprintf(w, "median of %d round(s) on %d CPUs; ratios are to the median of patched -race (%s)\n", rep.Rounds, rep.CPUs, rep.Baseline)
	if failed {
		fmt.Fprintln(w, "FAILED: some runs exited with an error; their times are included but may not be comparable")
	}
	writeMemoryOverTime(w, rep)
}

// memoryMinSeconds is the shortest memory series the table shows over
// time: shorter runs have their peak in the main table only.
const memoryMinSeconds = 20

// memoryStep is the time between the columns of memory over time.
const memoryStep = 10

// writeMemoryOverTime prints, for the workloads whose runs last at least
// memoryMinSeconds, their resident memory every memoryStep seconds by
// configuration, and its growth after warm-up: the peak over the last
// memoryStep seconds over the peak in the memoryStep seconds after the
// first memoryStep (warm-up). A detector whose state is bounded by the
// live heap stays near 1.00 on a workload with a bounded live heap.
func writeMemoryOverTime(w io.Writer, rep benchReport) {
	var long []benchSummary
	n := 0
	for _, s := range rep.Summaries {
		if len(s.RSSOverTime) >= memoryMinSeconds {
			long = append(long, s)
			n = max(n, len(s.RSSOverTime))
		}
	}
	if len(long) == 0 {
		return
	}
	head := []string{"workload", "config"}
	for t := memoryStep; t <= n; t += memoryStep {
		head = append(head, fmt.Sprintf("%ds", t))
	}
	head = append(head, "growth")
	rows := [][]string{head}
	for _, s := range long {
		row := []string{s.Workload, s.Config}
		for t := memoryStep; t <= n; t += memoryStep {
			cell := "-"
			if t <= len(s.RSSOverTime) {
				cell = fmt.Sprintf("%.0f", s.RSSOverTime[t-1]/1024)
			}
			row = append(row, cell)
		}
		row = append(row, fmt.Sprintf("%.2f", growth(s.RSSOverTime)))
		rows = append(rows, row)
	}
	numeric := make([]bool, len(head))
	for i := 2; i < len(head); i++ {
		numeric[i] = true
	}
	fmt.Fprintf(w, "\nresident memory over time (MiB every %ds, median of rounds); growth = peak of the last %ds / peak of seconds %d–%d\n",
		memoryStep, memoryStep, memoryStep, 2*memoryStep)
	writeAligned(w, rows, numeric)
}

// writeAligned prints rows as columns, the numeric ones right-aligned and
// the others left-aligned.
func writeAligned(w io.Writer, rows [][]string, numeric []bool) {
	// tabwriter aligns one way for all columns: pad the numbers to their
	// column's width first, so that they line up on the right.
	width := make([]int, len(numeric))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		for i, cell := range row {
			if numeric[i] {
				cell = strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell)) + cell
			}
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, cell)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// growth is the peak of the last memoryStep samples of series over the
// peak of samples memoryStep to 2*memoryStep (after warm-up).
func growth(series []float64) float64 {
	early := slices.Max(series[memoryStep : 2*memoryStep])
	late := slices.Max(series[len(series)-memoryStep:])
	if early == 0 {
		return 0
	}
	return late / early
}

// fmtSeconds formats a duration in seconds with three significant digits
// or more: 0.0412, 0.412, 4.12, 41.2, 412.
func fmtSeconds(v float64) string {
	switch {
	case v < 0.1:
		return fmt.Sprintf("%.4f", v)
	case v < 1:
		return fmt.Sprintf("%.3f", v)
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
