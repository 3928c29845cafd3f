package disasm

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A Report is one race report read for explaining: its title and the
// stacks of its memory accesses (not its "created at" stacks).
//
// The text form is parsed like internal/corpus's ParseOutput parses report
// blocks, but keeps each frame's +0xOFF, which corpus drops and explain
// needs to find the PC; the JSON form is DRACE_FORMAT=json's one object a
// line.
type Report struct {
	Detector string // "tsan" for ThreadSanitizer's own reports
	Kind     string
	Line     int // line of the input the report starts on, from 1
	Accesses []ReportAccess
}

// A ReportAccess is one access of a report.
type ReportAccess struct {
	Title  string // "Write at 0x… by goroutine 7:", or rebuilt from JSON
	Frames []Frame
}

// A Frame is one frame of an access's stack, innermost first.
type Frame struct {
	Func string
	File string
	Line int
	// Off is the text form's +0xOFF, the PC's offset from the entry of the
	// (physical) function, or -1; PC is the JSON form's pc, or 0.
	Off int64
	PC  uint64
}

func (f Frame) String() string {
	s := fmt.Sprintf("%s() %s:%d", f.Func, f.File, f.Line)
	if f.Off >= 0 {
		s += fmt.Sprintf(" +%#x", f.Off)
	}
	if f.PC != 0 {
		s += fmt.Sprintf(" pc=%#x", f.PC)
	}
	return s
}

const separator = "=================="

var (
	titleRE  = regexp.MustCompile(`^WARNING: (.*?)(?: \(([A-Za-z0-9_.-]+)\))?$`)
	funcRE   = regexp.MustCompile(`^\s+(\S.*?)(?:\(\))?$`)
	locRE    = regexp.MustCompile(`^\s+(\S.*):(\d+)(?: \+0x([0-9a-f]+))?$`)
	accessRE = regexp.MustCompile(` at 0x[0-9a-fA-F]+\b.*:$`)
)

// ParseReports reads the reports in data: DRACE_FORMAT=json lines and text
// blocks ("WARNING: DATA RACE (fasttrack)" and ThreadSanitizer's
// "WARNING: DATA RACE") may be mixed. Other lines are ignored. A JSON line
// that does not parse is an error.
func ParseReports(data []byte) ([]*Report, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var rs []*Report
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "{") && strings.Contains(line, `"accesses"`):
			r, err := parseJSON(strings.TrimSpace(line))
			if err != nil {
				return nil, fmt.Errorf("line %d: bad JSON report: %v", i+1, err)
			}
			r.Line = i + 1
			rs = append(rs, r)
		case line == separator && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "WARNING: "):
			var r *Report
			r, i = parseBlock(lines, i+1)
			rs = append(rs, r)
		}
	}
	return rs, nil
}

// parseBlock parses the text block whose title is lines[i] up to its
// closing separator, and returns it and the index of its last line.
func parseBlock(lines []string, i int) (*Report, int) {
	r := &Report{Line: i + 1}
	m := titleRE.FindStringSubmatch(lines[i])
	r.Kind, r.Detector = m[1], m[2]
	if r.Detector == "" {
		r.Detector = "tsan"
	}
	var cur *ReportAccess
	pending := "" // a function line waiting for its location line
	for i++; i < len(lines) && lines[i] != separator; i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			cur, pending = nil, ""
			if accessRE.MatchString(line) {
				r.Accesses = append(r.Accesses, ReportAccess{Title: strings.TrimSpace(line)})
				cur = &r.Accesses[len(r.Accesses)-1]
			}
			continue
		}
		if cur == nil {
			continue
		}
		if m := locRE.FindStringSubmatch(line); m != nil && pending != "" {
			n, _ := strconv.Atoi(m[2])
			f := Frame{Func: pending, File: m[1], Line: n, Off: -1}
			if m[3] != "" {
				f.Off, _ = strconv.ParseInt(m[3], 16, 64)
			}
			cur.Frames = append(cur.Frames, f)
			pending = ""
			continue
		}
		if m := funcRE.FindStringSubmatch(line); m != nil {
			pending = m[1]
		}
	}
	if i >= len(lines) {
		i = len(lines) - 1
	}
	return r, i
}

type jsonReport struct {
	Detector string `json:"detector"`
	Kind     string `json:"kind"`
	Accesses []struct {
		Verb      string      `json:"verb"`
		Previous  bool        `json:"previous"`
		Write     bool        `json:"write"`
		Atomic    bool        `json:"atomic"`
		Addr      string      `json:"addr"`
		Size      int         `json:"size"`
		Goroutine int64       `json:"goroutine"`
		Stack     []jsonFrame `json:"stack"`
	} `json:"accesses"`
}

type jsonFrame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
	PC   string `json:"pc"`
}

func parseJSON(line string) (*Report, error) {
	var j jsonReport
	if err := json.Unmarshal([]byte(line), &j); err != nil {
		return nil, err
	}
	r := &Report{Detector: j.Detector, Kind: j.Kind}
	for _, a := range j.Accesses {
		verb := a.Verb
		if verb == "" {
			verb = map[bool]string{false: "Read", true: "Write"}[a.Write]
		}
		if a.Previous && !strings.HasPrefix(verb, "Previous") {
			verb = "Previous " + strings.ToLower(verb)
		}
		ra := ReportAccess{Title: fmt.Sprintf("%s at %s by goroutine %d (size %d):", verb, a.Addr, a.Goroutine, a.Size)}
		for _, f := range a.Stack {
			pc, err := strconv.ParseUint(strings.TrimPrefix(f.PC, "0x"), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("frame %s: bad pc %q", f.Func, f.PC)
			}
			ra.Frames = append(ra.Frames, Frame{Func: f.Func, File: f.File, Line: f.Line, Off: -1, PC: pc})
		}
		r.Accesses = append(r.Accesses, ra)
	}
	return r, nil
}

// ResolvePC finds the PC of an access's innermost frame in the binary:
// the JSON form's pc as is; for the text form, the entry of the physical
// function plus +0xOFF. For an inlined innermost frame the offset is from
// the entry of the function it was inlined into (the runtime's symboliser
// prints it so), which is a later frame of the stack: each frame's
// function, in order, is tried and the first whose entry + OFF maps to the
// innermost frame's file:line (as the pclntab gives it) wins.
func (b *Binary) ResolvePC(frames []Frame) (uint64, error) {
	if len(frames) == 0 {
		return 0, fmt.Errorf("the access has no stack")
	}
	f0 := frames[0]
	if f0.PC != 0 {
		if b.FuncAt(f0.PC) == nil && b.FuncAt(f0.PC-1) == nil {
			return 0, fmt.Errorf("pc %#x of %s is in no function of %s: not the binary that reported?", f0.PC, f0.Func, b.Path)
		}
		return f0.PC, nil
	}
	if f0.Off < 0 {
		return 0, fmt.Errorf("frame %s has no +0xOFF offset", f0.Func)
	}
	var tried []string
	for _, f := range frames {
		for _, fn := range b.FuncsNamed(f.Func) {
			pc := fn.Entry + uint64(f0.Off)
			if pc >= fn.End {
				continue
			}
			file, line := b.Line(pc)
			if line == f0.Line && filepath.Base(file) == filepath.Base(f0.File) {
				return pc, nil
			}
			tried = append(tried, fmt.Sprintf("%s+%#x is %s:%d", fn.Name, f0.Off, filepath.Base(file), line))
		}
	}
	if len(tried) == 0 {
		return 0, fmt.Errorf("no function %s in %s: not the binary that reported?", f0.Func, b.Path)
	}
	return 0, fmt.Errorf("%s:%d not found in %s (%s): not the binary that reported?", filepath.Base(f0.File), f0.Line, b.Path, strings.Join(tried, ", "))
}
