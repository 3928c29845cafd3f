package main

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// svgNode is any SVG element, parsed generically.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []svgNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) num(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s class=%q> %s=%q: %v", n.XMLName.Local, n.attr("class"), name, n.attr(name), err)
	}
	return v
}

// find returns the elements under n (n included) with the tag and class.
func (n svgNode) find(tag, class string) []svgNode {
	var out []svgNode
	if n.XMLName.Local == tag && (class == "" || n.attr("class") == class) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.find(tag, class)...)
	}
	return out
}

// allText is the text of n and its descendants.
func (n svgNode) allText() string {
	s := n.Text
	for _, c := range n.Children {
		s += c.allText()
	}
	return s
}

func renderSVG(t *testing.T, rep benchReport) svgNode {
	t.Helper()
	var buf bytes.Buffer
	if err := writeBenchSVG(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var root svgNode
	if err := xml.Unmarshal(buf.Bytes(), &root); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element %v, want svg in the SVG namespace", root.XMLName)
	}
	return root
}

// panelOf returns the chart's panel of a metric ("time", "memory").
func panelOf(t *testing.T, root svgNode, metric string) svgNode {
	t.Helper()
	var found []svgNode
	for _, g := range root.find("g", "panel") {
		if g.attr("data-metric") == metric {
			found = append(found, g)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d panels of %s, want 1", len(found), metric)
	}
	return found[0]
}

// checkBars checks the bars of a panel against the summaries: one per
// workload and configuration, coloured as the legend says, left to right
// in -pkgs × -configs order, with whiskers around their tops, and returns
// their heights by workload/config.
func checkBars(t *testing.T, root, panel svgNode, rep benchReport) map[[2]string]float64 {
	t.Helper()
	legend := root.find("g", "legend-item")
	if len(legend) != len(rep.Configs) {
		t.Fatalf("%d legend items, want %d", len(legend), len(rep.Configs))
	}
	colour := map[string]string{}
	for i, it := range legend {
		name := strings.TrimSpace(it.allText())
		if name != rep.Configs[i] {
			t.Errorf("legend item %d says %q, want %q", i, name, rep.Configs[i])
		}
		rects := it.find("rect", "")
		if len(rects) != 1 || rects[0].attr("fill") == "" {
			t.Fatalf("legend item %q has no swatch", name)
		}
		for c, f := range colour {
			if f == rects[0].attr("fill") {
				t.Errorf("%s and %s share colour %s", c, name, f)
			}
		}
		colour[name] = rects[0].attr("fill")
	}

	bars := panel.find("rect", "bar")
	whiskers := panel.find("g", "whisker")
	if len(bars) != len(rep.Workloads)*len(rep.Configs) || len(whiskers) != len(bars) {
		t.Fatalf("%d bars and %d whiskers, want %d × %d", len(bars), len(whiskers), len(rep.Workloads), len(rep.Configs))
	}
	heights := map[[2]string]float64{}
	lastX := math.Inf(-1)
	for i, b := range bars {
		w, c := rep.Workloads[i/len(rep.Configs)], rep.Configs[i%len(rep.Configs)]
		if b.attr("data-workload") != w || b.attr("data-config") != c {
			t.Errorf("bar %d is %s/%s, want %s/%s", i, b.attr("data-workload"), b.attr("data-config"), w, c)
		}
		if b.attr("fill") != colour[c] {
			t.Errorf("bar %s/%s fill %s, legend says %s", w, c, b.attr("fill"), colour[c])
		}
		if x := b.num(t, "x"); x <= lastX {
			t.Errorf("bar %s/%s at x=%v, not right of the previous bar at %v", w, c, x, lastX)
		} else {
			lastX = x + b.num(t, "width")
		}
		if len(b.find("title", "")) != 1 {
			t.Errorf("bar %s/%s has no tooltip", w, c)
		}
		top, h := b.num(t, "y"), b.num(t, "height")
		if h <= 0 {
			t.Errorf("bar %s/%s has height %v", w, c, h)
		}
		heights[[2]string{w, c}] = h
		// The whisker spans the bar's top (the median lies within min–max).
		lines := whiskers[i].find("line", "")
		if len(lines) != 3 {
			t.Fatalf("whisker %d has %d lines, want a stem and two caps", i, len(lines))
		}
		y1, y2 := lines[0].num(t, "y1"), lines[0].num(t, "y2")
		if !(y1-0.01 <= top && top <= y2+0.01) {
			t.Errorf("bar %s/%s top %v outside its whisker %v–%v", w, c, top, y1, y2)
		}
	}
	return heights
}

func ratioOf(t *testing.T, rep benchReport, w, c string) benchSpread {
	for _, s := range rep.Summaries {
		if s.Workload == w && s.Config == c && s.Ratio != nil {
			return *s.Ratio
		}
	}
	t.Fatalf("no ratio for %s/%s", w, c)
	return benchSpread{}
}

// TestBenchSVGLog: ratios from 0.03 to 80 get a log scale, on which a
// bar's height is a + b·ln(ratio).
func TestBenchSVGLog(t *testing.T) {
	rep := testBenchReport()
	root := renderSVG(t, rep)
	heights := checkBars(t, root, panelOf(t, root, "time"), rep)
	if label := panelOf(t, root, "time").find("text", "ylabel"); len(label) != 1 || !strings.Contains(label[0].Text, "log scale") {
		t.Errorf("y axis label %v, want one saying log scale", label)
	}
	// Fit a and b on two bars, check the others.
	h1, r1 := heights[[2]string{"sync", "race"}], ratioOf(t, rep, "sync", "race").Median
	h2, r2 := heights[[2]string{"bench/matmul", "fasttrack"}], ratioOf(t, rep, "bench/matmul", "fasttrack").Median
	b := (h2 - h1) / math.Log(r2/r1)
	a := h1 - b*math.Log(r1)
	if b <= 0 {
		t.Fatalf("taller bars for smaller ratios: b = %v", b)
	}
	for k, h := range heights {
		r := ratioOf(t, rep, k[0], k[1]).Median
		if want := a + b*math.Log(r); math.Abs(h-want) > 0.05 {
			t.Errorf("bar %s/%s (ratio %.3f): height %.2f, want %.2f on the log scale", k[0], k[1], r, h, want)
		}
	}
	// The failed bar is marked.
	for _, bar := range root.find("rect", "bar") {
		failed := bar.attr("data-workload") == "bench/matmul" && bar.attr("data-config") == "fasttrack"
		if dashed := bar.attr("stroke-dasharray") != ""; dashed != failed {
			t.Errorf("bar %s/%s: dashed %v, failed %v", bar.attr("data-workload"), bar.attr("data-config"), dashed, failed)
		}
	}
	if len(root.find("text", "legend-failed")) != 1 {
		t.Errorf("no legend entry for failed runs")
	}
	checkLegendFits(t, root)
}

// checkLegendFits checks that the legend's texts end inside the chart, at
// about 7 pixels a character.
func checkLegendFits(t *testing.T, root svgNode) {
	t.Helper()
	width := root.num(t, "width")
	var texts []svgNode
	for _, g := range root.find("g", "legend-item") {
		texts = append(texts, g.find("text", "")...)
	}
	texts = append(texts, root.find("text", "legend-failed")...)
	for _, text := range texts {
		{
			if end := text.num(t, "x") + 7*float64(utf8.RuneCountInString(text.allText())); end > width {
				t.Errorf("text %q ends at x=%.0f, beyond the chart's width %.0f", text.allText(), end, width)
			}
		}
	}
}

// TestBenchSVGLinear: ratios within a factor of 10 get a linear scale
// from zero, on which heights are proportional to ratios; names are
// escaped.
func TestBenchSVGLinear(t *testing.T) {
	var samples []benchSample
	for r := 1; r <= 3; r++ {
		f := float64(r)
		samples = append(samples,
			sample("a&b<c>", "race", r, 1+0.1*f, 100, ""),
			sample("a&b<c>", "null", r, 1.5+0.2*f, 100, ""),
			sample("a&b<c>", "count", r, 2.5, 100, ""),
			sample("strconv", "race", r, 2, 100, ""),
			sample("strconv", "null", r, 1+0.3*f, 100, ""),
			sample("strconv", "count", r, 5.5-f, 100, ""),
		)
	}
	rep := newBenchReport(time.Now(), []string{"a&b<c>", "strconv"}, []string{"race", "null", "count"}, 3, samples)
	root := renderSVG(t, rep)
	heights := checkBars(t, root, panelOf(t, root, "time"), rep)
	if label := panelOf(t, root, "time").find("text", "ylabel"); len(label) != 1 || !strings.Contains(label[0].Text, "linear") {
		t.Errorf("y axis label %v, want one saying linear", label)
	}
	k := heights[[2]string{"strconv", "race"}] / 1 // strconv/race is 1 by definition
	for key, h := range heights {
		r := ratioOf(t, rep, key[0], key[1]).Median
		if math.Abs(h-k*r) > 0.05 {
			t.Errorf("bar %s/%s (ratio %.3f): height %.2f, want %.2f", key[0], key[1], r, h, k*r)
		}
	}
	var names []string
	for _, x := range panelOf(t, root, "time").find("text", "xlabel") {
		names = append(names, x.Text)
	}
	if strings.Join(names, ",") != "a&b<c>,strconv" {
		t.Errorf("workload labels %q, want a&b<c>, strconv", names)
	}
}

func TestNewBenchScale(t *testing.T) {
	lin := newBenchScale(0.6, 2.3, 0, 100)
	if lin.log || lin.lo != 0 || lin.hi < 2.3 || lin.hi > 3 {
		t.Errorf("0.6–2.3: %+v, want linear 0 to 2.5 or so", lin)
	}
	lg := newBenchScale(0.12, 47, 0, 100)
	if !lg.log || lg.lo != 0.1 || lg.hi != 100 {
		t.Errorf("0.12–47: %+v, want log 0.1 to 100 (room for labels above 47)", lg)
	}
	if y := lg.y(1); math.Abs(y-(100-100.0/3)) > 1e-9 {
		t.Errorf("log scale: y(1) = %v", y)
	}
	for _, s := range []benchScale{lin, lg} {
		if s.y(s.lo) != 100 || s.y(s.hi) != 0 {
			t.Errorf("%+v: ends at %v and %v, want 100 and 0", s, s.y(s.lo), s.y(s.hi))
		}
		has1 := false
		for i, v := range s.ticks {
			has1 = has1 || v == 1
			if i > 0 && v <= s.ticks[i-1] {
				t.Errorf("ticks %v not increasing", s.ticks)
			}
		}
		if !has1 {
			t.Errorf("ticks %v lack 1×, the -race line", s.ticks)
		}
	}
}

func TestBenchColours(t *testing.T) {
	a := benchColours([]string{"off", "race", "null", "fasttrack"})
	b := benchColours([]string{"race", "fasttrack", "race-stock"})
	if a["race"] != b["race"] || a["race"] == "" {
		t.Errorf("race is %s in one chart and %s in another", a["race"], b["race"])
	}
	seen := map[string]string{}
	for c, col := range a {
		if o, ok := seen[col]; ok {
			t.Errorf("%s and %s share %s", c, o, col)
		}
		seen[col] = c
	}
}

// TestBenchSVGLegendWraps: with the configurations of a full run and a
// failed one, the legend and the note on failed runs stay inside the
// chart.
func TestBenchSVGLegendWraps(t *testing.T) {
	configs := []string{"off", "race-stock", "race", "null", "count", "record", "fasttrack", "lockset"}
	workloads := []string{"strconv", "sync", "bench/wordcount", "bench/matmul", "bench/pipeline", "bench/cache"}
	var samples []benchSample
	for _, w := range workloads {
		for i, c := range configs {
			failure := ""
			if c == "lockset" && w == "bench/cache" {
				failure = "exit status 1"
			}
			samples = append(samples, sample(w, c, 1, float64(i+1), 1024, failure))
		}
	}
	rep := newBenchReport(time.Now(), workloads, configs, 1, samples)
	rep.Started, rep.CPUs = "2026-11-26T21:32:22Z", 2
	root := renderSVG(t, rep)
	if len(root.find("text", "legend-failed")) != 1 {
		t.Fatalf("no legend entry for failed runs")
	}
	checkLegendFits(t, root)
}

// TestBenchSVGMemoryPanel: the second panel shows each configuration's
// median peak memory over -race's, with the spread of its runs, on its own
// scale; the groups fill the chart's width; the subtitle fits.
func TestBenchSVGMemoryPanel(t *testing.T) {
	rep := testBenchReport()
	root := renderSVG(t, rep)
	panel := panelOf(t, root, "memory")
	heights := checkBars(t, root, panel, rep)
	base := map[string]float64{}
	for _, s := range rep.Summaries {
		if s.Config == rep.Baseline {
			base[s.Workload] = s.MaxRSSKiB.Median
		}
	}
	byRatio := map[float64]float64{} // height by ratio: one height per ratio
	for _, bar := range panel.find("rect", "bar") {
		w, c := bar.attr("data-workload"), bar.attr("data-config")
		var want float64
		for _, s := range rep.Summaries {
			if s.Workload == w && s.Config == c {
				want = s.MaxRSSKiB.Median / base[w]
			}
		}
		if got := bar.num(t, "data-ratio"); math.Abs(got-want) > 1e-9 {
			t.Errorf("memory bar %s/%s: ratio %v, want %v", w, c, got, want)
		}
		h := heights[[2]string{w, c}]
		if prev, ok := byRatio[want]; ok && math.Abs(prev-h) > 0.01 {
			t.Errorf("ratio %v drawn %v and %v high", want, prev, h)
		}
		byRatio[want] = h
	}
	// Taller for larger ratios.
	for r1, h1 := range byRatio {
		for r2, h2 := range byRatio {
			if r1 < r2 && h1 >= h2 {
				t.Errorf("memory ratio %v drawn %v high, %v drawn %v", r1, h1, r2, h2)
			}
		}
	}
	if label := panel.find("text", "ylabel"); len(label) != 1 || !strings.Contains(label[0].Text, "memory") {
		t.Errorf("memory panel's y label %v", label)
	}

	// Full width: the workloads' labels are centred in equal slots that
	// span the plot, in both panels.
	width := root.num(t, "width")
	plotW := width - svgLeft - svgRight
	for _, m := range []string{"time", "memory"} {
		labels := panelOf(t, root, m).find("text", "xlabel")
		if len(labels) != len(rep.Workloads) {
			t.Fatalf("%s panel: %d workload labels", m, len(labels))
		}
		for i, l := range labels {
			want := svgLeft + (float64(i)+0.5)*plotW/float64(len(labels))
			if got := l.num(t, "x"); math.Abs(got-want) > 0.1 {
				t.Errorf("%s panel: label %d at x=%v, want %v (centred in its slot)", m, i, got, want)
			}
		}
	}
	// The subtitle ends inside the chart, at 0.55em a character.
	rep.Started = "2026-12-06T23:30:00Z"
	root = renderSVG(t, rep)
	sub := root.find("text", "subtitle")
	if len(sub) != 1 {
		t.Fatalf("%d subtitles", len(sub))
	}
	if end := sub[0].num(t, "x") + svgTextWidth(sub[0].allText(), 11); end > root.num(t, "width")-svgRight {
		t.Errorf("subtitle ends at x=%.0f, beyond the chart's width %.0f", end, root.num(t, "width"))
	}
}
