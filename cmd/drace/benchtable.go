package main

// drace bench: rendering as a table for the terminal.

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// writeBenchTable prints one row per workload and configuration, in -pkgs ×
// -configs order: median time with the min–max over the rounds, its ratio
// to -race, median peak memory and its ratio to -race. Names are
// left-aligned and numbers right-aligned.
func writeBenchTable(w io.Writer, rep benchReport) {
	head := []string{"workload", "config", "time", "min–max", "×" + rep.Baseline, "peak MiB", "mem×" + rep.Baseline, ""}
	numeric := []bool{false, false, true, true, true, true, true, false}
	rows := [][]string{head}
	failed := false
	for _, s := range rep.Summaries {
		row := []string{s.Workload, s.Config, "-", "-", "-", "-", "-", ""}
		if s.Runs > 0 {
			row[2] = fmtSeconds(s.Seconds.Median) + "s"
			row[3] = fmtSeconds(s.Seconds.Min) + "–" + fmtSeconds(s.Seconds.Max)
			row[5] = fmt.Sprintf("%.0f", s.MaxRSSKiB.Median/1024)
		}
		if s.Ratio != nil {
			row[4] = fmt.Sprintf("%.2f", s.Ratio.Median)
		}
		if s.RSSRatio != nil {
			row[6] = fmt.Sprintf("%.2f", *s.RSSRatio)
		}
		if s.Failed > 0 {
			row[7] = fmt.Sprintf("FAILED %d/%d: %s", s.Failed, s.Runs, s.Error)
			failed = true
		}
		rows = append(rows, row)
	}

	// tabwriter aligns one way for all columns: pad the numbers to their
	// column's width first, so that they line up on the right.
	width := make([]int, len(head))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	if !failed { // no notes: no trailing blank column
		for i := range rows {
			rows[i] = rows[i][:len(rows[i])-1]
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
	fmt.Fprintf(w, "median of %d round(s) on %d CPUs; ratios are to the median of patched -race (%s)\n", rep.Rounds, rep.CPUs, rep.Baseline)
	if failed {
		fmt.Fprintln(w, "FAILED: some runs exited with an error; their times are included but may not be comparable")
	}
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
