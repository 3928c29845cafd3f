package main

// drace bench: rendering as an SVG chart (-svg). Two panels, test time and
// peak memory relative to patched -race, each of grouped bars, one group
// per workload and one bar per configuration, with min–max whiskers.
// Written with fmt, no dependencies.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
)

// The Okabe–Ito palette, distinguishable with colour blindness. The fixed
// configurations keep their colour from chart to chart: off grey and the
// -race ones blue; detectors take the others in -configs order (cycling).
var (
	benchFixedColours = map[string]string{"off": "#999999", "race-stock": "#56B4E9", "race": "#0072B2"}
	benchPalette      = []string{"#E69F00", "#009E73", "#D55E00", "#CC79A7", "#000000", "#F0E442"}
)

// benchColours returns the colour of each configuration.
func benchColours(configs []string) map[string]string {
	colours := map[string]string{}
	i := 0
	for _, c := range configs {
		if f, ok := benchFixedColours[c]; ok {
			colours[c] = f
		} else {
			colours[c] = benchPalette[i%len(benchPalette)]
			i++
		}
	}
	return colours
}

// Layout, in pixels.
const (
	svgLeft      = 78  // y axis labels
	svgRight     = 24  //
	svgTitleH    = 44  // title and subtitle
	svgLegendRow = 20  // per legend line
	svgPlotH     = 300 // the plot area
	svgBottom    = 62  // workload names and x axis title
	svgGroupGap  = 26  // between workload groups
	svgBarGap    = 2   // between bars of a group
	svgMinGroup  = 112 // a group wide enough for its workload's name
	svgPanelGap  = 40  // between the time and memory panels: workload names
)

// A benchScale maps ratios to y pixels: linear from 0 or logarithmic.
type benchScale struct {
	log      bool
	lo, hi   float64   // the domain
	top, bot float64   // pixel y of hi and of lo
	ticks    []float64 // values with a grid line and a label
}

// newBenchScale chooses the scale for values in [min, max]: logarithmic
// when they span more than a factor of 10 (a few detectors are 50× slower
// than -race, "off" is 5× faster), linear from zero otherwise, where
// differences read better. The domain ends on round ticks, the lower one
// below min so that the smallest bar still shows.
func newBenchScale(min, max, top, bot float64) benchScale {
	s := benchScale{top: top, bot: bot}
	if min <= 0 || max <= 0 || math.IsNaN(min) || math.IsNaN(max) {
		min, max = 1, 1
	}
	if max/min > 10 {
		s.log = true
		s.lo, s.hi = niceFloor(min*0.95), niceCeil(max*1.2) // room for labels
		decades := math.Log10(s.hi / s.lo)
		for e := math.Floor(math.Log10(s.lo)); e <= math.Ceil(math.Log10(s.hi)); e++ {
			for _, m := range []float64{1, 2, 5} {
				v := m * math.Pow(10, e)
				if m != 1 && decades > 3 {
					continue
				}
				if v >= s.lo*(1-1e-9) && v <= s.hi*(1+1e-9) {
					s.ticks = append(s.ticks, v)
				}
			}
		}
		return s
	}
	step := niceCeil(max / 6)
	s.lo, s.hi = 0, math.Ceil(max*1.1/step-1e-9)*step
	for v := 0.0; v <= s.hi+step/2; v += step {
		s.ticks = append(s.ticks, v)
	}
	return s
}

// y returns the pixel row of value v, clamped to the plot.
func (s benchScale) y(v float64) float64 {
	var f float64
	if s.log {
		f = math.Log(v/s.lo) / math.Log(s.hi/s.lo)
	} else {
		f = (v - s.lo) / (s.hi - s.lo)
	}
	if math.IsNaN(f) || f < 0 {
		f = 0
	}
	return s.bot - math.Min(f, 1)*(s.bot-s.top)
}

// niceFloor and niceCeil round to the nearest 1, 2 or 5 × 10ᵏ below or
// above.
func niceFloor(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*p <= v*(1+1e-9) {
			return m * p
		}
	}
	return p
}

func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// fmtRatio formats a ratio with about three significant digits.
func fmtRatio(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// fmtTick formats an axis value: 0.5×, 1×, 20×.
func fmtTick(v float64) string {
	return fmt.Sprintf("%s×", strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), "."))
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeBenchSVG draws rep's time ratios to its baseline.
// A benchMetric is what a panel of the chart shows: a spread per summary,
// relative to the baseline (nil: no bar).
type benchMetric struct {
	name   string // data-metric
	ylabel string
	spread func(benchSummary) *benchSpread
}

// benchMetrics are the chart's panels, top to bottom: test time, and peak
// memory, relative to the baseline's medians.
func benchMetrics(sum map[[2]string]benchSummary, baseline string) []benchMetric {
	return []benchMetric{
		{"time", "time ÷ -race time", func(s benchSummary) *benchSpread { return s.Ratio }},
		{"memory", "peak memory ÷ -race's", func(s benchSummary) *benchSpread {
			base, ok := sum[[2]string{s.Workload, baseline}]
			if !ok || base.MaxRSSKiB.Median <= 0 || s.MaxRSSKiB.Median <= 0 {
				return nil
			}
			b := base.MaxRSSKiB.Median
			return &benchSpread{Median: s.MaxRSSKiB.Median / b, Min: s.MaxRSSKiB.Min / b, Max: s.MaxRSSKiB.Max / b}
		}},
	}
}

// svgTextWidth estimates the width of text at the given font size, at
// about 0.55em a character (DejaVu Sans and Helvetica average less).
func svgTextWidth(text string, size float64) float64 {
	return 0.55 * size * float64(len([]rune(text)))
}

func writeBenchSVG(w io.Writer, rep benchReport) error {
	nw, nc := len(rep.Workloads), len(rep.Configs)
	if nw == 0 || nc == 0 {
		return fmt.Errorf("nothing to draw")
	}
	sum := map[[2]string]benchSummary{}
	anyFailed := false
	for _, s := range rep.Summaries {
		sum[[2]string{s.Workload, s.Config}] = s
		anyFailed = anyFailed || s.Failed > 0
	}
	metrics := benchMetrics(sum, rep.Baseline)
	var scales []benchScale
	for mi, m := range metrics {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range rep.Summaries {
			if sp := m.spread(s); sp != nil {
				lo, hi = math.Min(lo, sp.Min), math.Max(hi, sp.Max)
			}
		}
		if math.IsInf(lo, 0) {
			if mi == 0 {
				return fmt.Errorf("no ratios to %s: it has no samples", rep.Baseline)
			}
			lo, hi = 1, 1
		}
		lo, hi = math.Min(lo, 1), math.Max(hi, 1) // keep the -race line in view
		scales = append(scales, benchScale{lo: lo, hi: hi})
	}

	// The width: enough for every group and for the subtitle; the plot
	// takes all of it, groups centred in equal slots.
	subtitle := fmt.Sprintf("bars: median of %d round(s); whiskers: fastest–slowest run; dashed line: -race = 1×; %d CPUs%s",
		rep.Rounds, rep.CPUs, startedNote(rep.Started))
	barW := math.Min(28, math.Max(12, float64(svgMinGroup-svgGroupGap)/float64(nc)-svgBarGap))
	natural := float64(nw) * (float64(nc)*(barW+svgBarGap) - svgBarGap + svgGroupGap)
	width := math.Ceil(math.Max(640, math.Max(svgLeft+natural+svgRight, svgLeft+svgTextWidth(subtitle, 11)+svgRight)))
	plotW := width - svgLeft - svgRight
	slot := plotW / float64(nw)
	barW = math.Max(barW, math.Min(28, (slot-svgGroupGap)/float64(nc)-svgBarGap))
	groupW := float64(nc)*(barW+svgBarGap) - svgBarGap

	// The legend: one swatch and name per configuration, wrapped to the
	// width.
	type item struct{ x, y float64 }
	var legend []item
	lx, ly := float64(svgLeft), float64(svgTitleH+14)
	for _, c := range rep.Configs {
		iw := 14 + 7*float64(len(c)) + 24
		if lx+iw > width-svgRight && lx > svgLeft {
			lx, ly = svgLeft, ly+svgLegendRow
		}
		legend = append(legend, item{lx, ly})
		lx += iw
	}
	// The note on failed runs wraps like a legend item.
	const failedNote = "red dashed outline: some runs failed"
	if anyFailed && lx+7*float64(len(failedNote)) > width-svgRight && lx > svgLeft {
		lx, ly = svgLeft, ly+svgLegendRow
	}
	top := ly + svgLegendRow + 10
	for i := range scales {
		scales[i] = newBenchScale(scales[i].lo, scales[i].hi, top, top+svgPlotH)
		top += svgPlotH + svgPanelGap
	}
	height := top - svgPanelGap + svgBottom
	colour := benchColours(rep.Configs)

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`+"\n", width, height, width, height)
	p(`<rect class="background" x="0" y="0" width="%.0f" height="%.0f" fill="white"/>`+"\n", width, height)
	title, xtitle := "drace bench: test time and peak memory relative to patched -race", "workload (std package tests; bench/ = testdata/bench)"
	if rep.Title != "" {
		title, xtitle = rep.Title, rep.XTitle
	}
	p(`<text class="title" x="%d" y="20" font-size="16" font-weight="bold">%s</text>`+"\n", svgLeft, esc(title))
	p(`<text class="subtitle" x="%d" y="38" font-size="11" fill="#444">%s</text>`+"\n", svgLeft, esc(subtitle))

	p(`<g class="legend">` + "\n")
	for i, c := range rep.Configs {
		it := legend[i]
		p(`<g class="legend-item" data-config="%s"><rect x="%.1f" y="%.1f" width="14" height="14" fill="%s"/><text x="%.1f" y="%.1f">%s</text></g>`+"\n",
			esc(c), it.x, it.y-11, colour[c], it.x+19, it.y, esc(c))
	}
	if anyFailed {
		p(`<text class="legend-failed" x="%.1f" y="%.1f" fill="#c00">%s</text>`+"\n", lx, ly, failedNote)
	}
	p("</g>\n")

	for mi, m := range metrics {
		sc := scales[mi]
		plotTop, plotBot := sc.top, sc.bot
		p(`<g class="panel" data-metric="%s">`+"\n", m.name)
		// The y axis: grid lines, tick labels and title.
		scaleName := "linear scale"
		if sc.log {
			scaleName = "log scale"
		}
		p(`<g class="yaxis" font-size="11">` + "\n")
		for _, t := range sc.ticks {
			y := sc.y(t)
			p(`<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, svgLeft, svgLeft+plotW, y, y)
			p(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", svgLeft-6, y+4, fmtTick(t))
		}
		p(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", svgLeft, svgLeft, plotTop, plotBot)
		p(`<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", svgLeft, svgLeft+plotW, plotBot, plotBot)
		cy := (plotTop + plotBot) / 2
		p(`<text class="ylabel" x="20" y="%.1f" text-anchor="middle" font-size="12" transform="rotate(-90 20 %.1f)">%s (%s)</text>`+"\n", cy, cy, esc(m.ylabel), scaleName)
		p("</g>\n")

		// The bars.
		p(`<g class="bars">` + "\n")
		for gi, wname := range rep.Workloads {
			gx := svgLeft + float64(gi)*slot + (slot-groupW)/2
			p(`<g class="group" data-workload="%s">`+"\n", esc(wname))
			for ci, cname := range rep.Configs {
				s, ok := sum[[2]string{wname, cname}]
				if !ok {
					continue
				}
				r := m.spread(s)
				if r == nil {
					continue
				}
				x := gx + float64(ci)*(barW+svgBarGap)
				y := sc.y(r.Median)
				stroke := ""
				if s.Failed > 0 {
					stroke = ` stroke="#c00" stroke-width="2" stroke-dasharray="4 2"`
				}
				p(`<rect class="bar" data-workload="%s" data-config="%s" data-ratio="%g" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"%s>`,
					esc(wname), esc(cname), r.Median, x, y, barW, plotBot-y, colour[cname], stroke)
				p(`<title>%s, %s: %s (%s–%s) × -race's %s; %.2fs, %.0f MiB`, esc(wname), esc(cname),
					fmtRatio(r.Median), fmtRatio(r.Min), fmtRatio(r.Max), m.name, s.Seconds.Median, s.MaxRSSKiB.Median/1024)
				if s.Failed > 0 {
					p(`; %d/%d runs failed: %s`, s.Failed, s.Runs, esc(s.Error))
				}
				p("</title></rect>\n")
				// Whisker from the smallest to the largest run, with caps.
				cx, y1, y2 := x+barW/2, sc.y(r.Max), sc.y(r.Min)
				p(`<g class="whisker" stroke="#222" stroke-width="1.2"><line x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f"/><line x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f"/><line x1="%.2f" x2="%.2f" y1="%.2f" y2="%.2f"/></g>`+"\n",
					cx, cx, y1, y2, cx-barW/4, cx+barW/4, y1, y1, cx-barW/4, cx+barW/4, y2, y2)
				// The value, upright above the whisker.
				ty := math.Min(y, y1) - 4
				p(`<text class="value" x="%.2f" y="%.2f" font-size="9" transform="rotate(-90 %.2f %.2f)">%s</text>`+"\n",
					cx+3, ty, cx+3, ty, fmtRatio(r.Median))
			}
			p(`<text class="xlabel" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", gx+groupW/2, plotBot+18, esc(wname))
			p("</g>\n")
		}
		p("</g>\n")

		// The -race reference line, over the bars.
		ry := sc.y(1)
		p(`<line class="reference" x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000" stroke-width="1" stroke-dasharray="6 4"/>`+"\n", svgLeft, svgLeft+plotW, ry, ry)
		p("</g>\n")
	}
	p(`<text class="xtitle" x="%.1f" y="%.1f" text-anchor="middle" font-size="12">%s</text>`+"\n", svgLeft+plotW/2, height-svgBottom+46, esc(xtitle))
	p("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func startedNote(started string) string {
	if started == "" {
		return ""
	}
	return "; " + started
}
