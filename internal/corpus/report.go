package corpus

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"drace/toolkit/racetest"
)

// A Report is one finding in a test binary's output: a ThreadSanitizer or
// drace report block, or a Go runtime crash (panic, fatal error).
type Report struct {
	// Detector is "tsan" for ThreadSanitizer's reports (no suffix in the
	// title), the drace detector named in the title, or "" for the Go
	// runtime's panics and fatal errors, which every configuration sees.
	Detector string
	// Kind is the title's kind: "DATA RACE", "POTENTIAL DEADLOCK", …, or
	// "panic" or "fatal error" for a crash.
	Kind    string
	Message string // the lines under the title, or the crash's message
	Stacks  []Stack
	Line    int // the output line the report starts on, from 1
}

// A Stack is one stack of a report: an access, a "created at", a
// goroutine of a traceback.
type Stack struct {
	Title  string // the line introducing it, as "Write at 0x… by goroutine 7:"
	Frames []Frame
}

// A Frame is one frame of a stack, innermost first.
type Frame struct {
	Func string
	File string
	Line int
}

// Text is the report's "Kind: Message" text that want regexps match.
func (r *Report) Text() string {
	if r.Message == "" {
		return r.Kind
	}
	return r.Kind + ": " + r.Message
}

// WantKind maps the report's kind to the want kind it satisfies (see the
// spec's table): a detector's report as racetest maps it (data races are
// "race"), a concurrent map crash "race" too, a deadlock crash or a test
// timeout "deadlock", any other crash "panic", and so drace predict's
// negative WaitGroup counter, a panic another order reaches.
func (r *Report) WantKind() string {
	switch r.Kind {
	case "fatal error":
		switch {
		case strings.HasPrefix(r.Message, "concurrent map"):
			return "race"
		case strings.HasPrefix(r.Message, "all goroutines are asleep"):
			return "deadlock"
		}
		return "panic"
	case "panic":
		if strings.HasPrefix(r.Message, "test timed out after") {
			return "deadlock" // a hang: the testing package's -test.timeout
		}
		return "panic"
	case "NEGATIVE WAITGROUP COUNTER":
		return "panic" // drace predict's: the panic a reordering reaches
	}
	return racetest.WantKind(r.Kind)
}

// DetectorName is the report's detector for messages: "runtime" for
// crashes.
func (r *Report) DetectorName() string {
	if r.Detector == "" {
		return "runtime"
	}
	return r.Detector
}

// A Pos is a line of a case file.
type Pos struct {
	File string // base name
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Positions returns the report's positions in the case file: for each
// stack, its innermost frame in the file, in stack order without repeats.
func (r *Report) Positions(c *Case) []Pos {
	var ps []Pos
	for _, s := range r.Stacks {
		for _, f := range s.Frames {
			if c.owns(f.File) {
				p := Pos{c.Name, f.Line}
				if !containsPos(ps, p) {
					ps = append(ps, p)
				}
				break
			}
		}
	}
	return ps
}

// owns reports whether a frame's file is the case's file: the same path,
// or (for a binary built elsewhere, or through a symlink) the same family
// directory and name.
func (c *Case) owns(file string) bool {
	if file == c.File {
		return true
	}
	return c.Family != "" && strings.HasSuffix(file, "/"+c.Family+"/"+c.Name)
}

func containsPos(ps []Pos, p Pos) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// An Output is a parsed test binary's output.
type Output struct {
	Reports  []*Report
	Failures []Failure // the "--- FAIL" lines
	Skipped  []string  // tests that said "--- SKIP"
	NoTests  bool      // "testing: warning: no tests to run"
	// Disabled maps a detector whose callback panicked, and which the
	// runtime disabled, to the panic.
	Disabled map[string]string
}

// A Failure is a "--- FAIL: TestX" line and the messages under it.
type Failure struct {
	Test     string
	Messages []string
	Line     int // the output line of "--- FAIL", from 1
}

const (
	separator   = "=================="
	disabledMsg = " panicked and is disabled: "
)

var (
	titleRE    = regexp.MustCompile(`^WARNING: (.*?)(?: \(([A-Za-z0-9_./-]+)\))?$`)
	tsanLocRE  = regexp.MustCompile(`^\s+(\S.*):(\d+)(?: \+0x[0-9a-f]+)?$`)
	goLocRE    = regexp.MustCompile(`^\t(\S.*):(\d+)(?: \+0x[0-9a-f]+)?$`)
	goroutRE   = regexp.MustCompile(`^goroutine \d+ .*:$`)
	failRE     = regexp.MustCompile(`^\s*--- (FAIL|SKIP): (\S+)`)
	createdRE  = regexp.MustCompile(`^created by (\S+)`)
	goFuncArgs = regexp.MustCompile(`\([^()]*\)$`)
)

// ParseOutput parses a test binary's output (stdout and stderr together).
func ParseOutput(out []byte) *Output {
	lines := strings.Split(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n")
	o := new(Output)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case line == separator && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "WARNING: "):
			var r *Report
			r, i = parseBlock(lines, i+1)
			o.Reports = append(o.Reports, r)
		case strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: "):
			var r *Report
			r, i = parseCrash(lines, i)
			o.Reports = append(o.Reports, r)
		case strings.HasPrefix(line, "DRACE: detector ") && strings.Contains(line, disabledMsg):
			name, why, _ := strings.Cut(strings.TrimPrefix(line, "DRACE: detector "), disabledMsg)
			if o.Disabled == nil {
				o.Disabled = map[string]string{}
			}
			o.Disabled[name] = why
		case line == "testing: warning: no tests to run":
			o.NoTests = true
		default:
			m := failRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if m[1] == "SKIP" {
				o.Skipped = append(o.Skipped, m[2])
				continue
			}
			f := Failure{Test: m[2], Line: i + 1}
			indent := len(line) - len(strings.TrimLeft(line, " "))
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], strings.Repeat(" ", indent+4)) {
				i++
				f.Messages = append(f.Messages, strings.TrimSpace(lines[i]))
			}
			o.Failures = append(o.Failures, f)
		}
	}
	return o
}

// parseBlock parses a report block whose title is lines[i], up to the
// closing separator, and returns the report and the index of its last line.
func parseBlock(lines []string, i int) (*Report, int) {
	r := &Report{Line: i} // i is the title; the separator above it is line i (from 1)
	m := titleRE.FindStringSubmatch(lines[i])
	r.Kind, r.Detector = m[1], m[2]
	if r.Detector == "" {
		r.Detector = "tsan"
	}
	type section struct {
		title string
		body  []string
		stack Stack
	}
	var secs []*section
	i++
	for ; i < len(lines) && lines[i] != separator; i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' || len(secs) == 0 {
			secs = append(secs, &section{title: strings.TrimSpace(line), stack: Stack{Title: strings.TrimSpace(line)}})
			continue
		}
		s := secs[len(secs)-1]
		if m := tsanLocRE.FindStringSubmatch(line); m != nil && len(s.body) > 0 {
			n, _ := strconv.Atoi(m[2])
			fn := strings.TrimSuffix(s.body[len(s.body)-1], "()")
			s.body = s.body[:len(s.body)-1]
			s.stack.Frames = append(s.stack.Frames, Frame{Func: fn, File: m[1], Line: n})
			continue
		}
		s.body = append(s.body, strings.TrimSpace(line))
	}
	var msg []string
	for _, s := range secs {
		if len(s.stack.Frames) > 0 {
			r.Stacks = append(r.Stacks, s.stack)
		} else if len(r.Stacks) == 0 {
			msg = append(msg, s.title)
			msg = append(msg, s.body...)
		}
	}
	r.Message = strings.Join(msg, "\n")
	if i >= len(lines) {
		i = len(lines) - 1
	}
	return r, i
}

// parseCrash parses a Go runtime crash starting at lines[i] ("panic: …" or
// "fatal error: …") with its goroutine tracebacks, and returns the report
// and the index of its last line.
func parseCrash(lines []string, i int) (*Report, int) {
	kind, msg, _ := strings.Cut(lines[i], ": ")
	r := &Report{Kind: kind, Line: i + 1}
	msgLines := []string{msg}
	i++
	for ; i < len(lines) && lines[i] != "" && !goroutRE.MatchString(lines[i]); i++ {
		msgLines = append(msgLines, lines[i])
	}
	r.Message = strings.Join(msgLines, "\n")
	cur := -1 // the stack being read, an index into r.Stacks
	last := i - 1
	addFrame := func(fn, loc string) {
		m := goLocRE.FindStringSubmatch(loc)
		n, _ := strconv.Atoi(m[2])
		r.Stacks[cur].Frames = append(r.Stacks[cur].Frames, Frame{Func: fn, File: m[1], Line: n})
	}
	for ; i < len(lines); i++ {
		line := lines[i]
		next := ""
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		switch {
		case line == "" || strings.HasPrefix(line, "..."):
			continue
		case goroutRE.MatchString(line):
			r.Stacks = append(r.Stacks, Stack{Title: line})
			cur = len(r.Stacks) - 1
		case createdRE.MatchString(line) && goLocRE.MatchString(next):
			r.Stacks = append(r.Stacks, Stack{Title: line})
			cur = len(r.Stacks) - 1
			addFrame(createdRE.FindStringSubmatch(line)[1], next)
			i++
		case line[0] != '\t' && cur >= 0 && goLocRE.MatchString(next):
			addFrame(goFuncArgs.ReplaceAllString(line, ""), next)
			i++
		default:
			return r, last
		}
		last = i
	}
	return r, last
}
